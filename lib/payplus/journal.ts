/**
 * The payment journal: what processPayment intended and what came of it, written before and after each step, so that
 * a process that dies between KCP's approval and the merchant's commit leaves a record that recover() can act on.
 *
 * The default store is a JSON-lines file, appended and fsync'd line by line (it survives kill -9), with one lock file
 * per order id created exclusively (O_EXCL), so two processes cannot approve the same order at the same time.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';

export type JournalEntry =
  /** Written before pp_cli runs. */
  | { type: 'intent'; id: string; at: string; ordrIdxx: string; amount: string; pid: number }
  /** The approval's answer; outcome 'unknown' when pp_cli was killed or timed out. */
  | {
      type: 'result';
      id: string;
      at: string;
      outcome: 'approved' | 'declined' | 'unknown';
      tno?: string;
      resCd?: string;
      amount?: string;
      method?: string;
      escrow?: boolean;
    }
  /** The merchant's commit returned. */
  | { type: 'commit'; id: string; at: string }
  /** Written before an automatic cancel runs. */
  | { type: 'cancel-intent'; id: string; at: string; tno: string; modType: string; reason: string }
  | { type: 'cancel-result'; id: string; at: string; tno: string; outcome: 'cancelled' | 'failed' | 'unknown'; resCd?: string; message?: string }
  /** A merchant's decision taken in recover() (kept, or resolved by hand). */
  | { type: 'resolved'; id: string; at: string; how: string };

/** Where journal entries live. Implementations must make append durable before they resolve. */
export interface JournalStore {
  append(entry: JournalEntry): Promise<void>;
  entries(): Promise<JournalEntry[]>;
  /** Take the exclusive right to approve `ordrIdxx`; false when someone holds it. */
  lock(ordrIdxx: string): Promise<boolean>;
  unlock(ordrIdxx: string): Promise<void>;
}

/** In-memory store, for tests and for merchants who journal elsewhere. Not durable. */
export class MemoryJournal implements JournalStore {
  private readonly list: JournalEntry[] = [];
  private readonly locks = new Set<string>();

  async append(entry: JournalEntry): Promise<void> {
    this.list.push(structuredClone(entry));
  }
  async entries(): Promise<JournalEntry[]> {
    return this.list.map((e) => structuredClone(e));
  }
  async lock(ordrIdxx: string): Promise<boolean> {
    if (this.locks.has(ordrIdxx)) return false;
    this.locks.add(ordrIdxx);
    return true;
  }
  async unlock(ordrIdxx: string): Promise<void> {
    this.locks.delete(ordrIdxx);
  }
}

/**
 * Durable file store: `<dir>/payments.jsonl` (0600) plus `<dir>/locks/<ordr_idxx>.lock`.
 * Each append is one write of one line followed by fsync. A torn last line (power loss mid-write) is skipped on read.
 */
export class FileJournal implements JournalStore {
  readonly file: string;
  private readonly lockDir: string;
  /** Entries parsed so far and the byte offset they end at: each read parses only what was appended since. */
  private cache: Readonly<JournalEntry>[] = [];
  private offset = 0;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'payments.jsonl');
    this.lockDir = path.join(dir, 'locks');
  }

  private ensureDirs(): void {
    mkdirSync(this.lockDir, { recursive: true, mode: 0o700 });
  }

  async append(entry: JournalEntry): Promise<void> {
    this.ensureDirs();
    const fd = openSync(this.file, 'a+', 0o600);
    try {
      // After a crash mid-write the file ends in a torn line; start on a fresh line so this entry is not glued to it.
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
      writeSync(fd, `${torn ? '\n' : ''}${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Every entry, in order. Only the bytes appended since the last call are read (other processes append too), and
   * only up to the last complete line: a line still being written is picked up next time.
   */
  async entries(): Promise<JournalEntry[]> {
    if (!existsSync(this.file)) return [];
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        // the file was replaced (restored from a backup, rotated by hand): start over
        this.cache = [];
        this.offset = 0;
      }
      const tail = Buffer.alloc(size - this.offset);
      const read = tail.length > 0 ? readSync(fd, tail, 0, tail.length, this.offset) : 0;
      const end = tail.subarray(0, read).lastIndexOf(0x0a) + 1;
      for (const line of tail.subarray(0, end).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          this.cache.push(Object.freeze(JSON.parse(line) as JournalEntry));
        } catch {
          // a torn line from a crash mid-write: the step it describes did not complete
        }
      }
      this.offset += end;
    } finally {
      closeSync(fd);
    }
    return [...this.cache]; // entries are frozen: callers share them without copying
  }

  async lock(ordrIdxx: string): Promise<boolean> {
    this.ensureDirs();
    const file = this.lockPath(ordrIdxx);
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      fsyncSync(fd);
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (this.holderIsDead(file)) {
        unlinkSync(file);
        return this.lock(ordrIdxx);
      }
      return false;
    }
  }

  async unlock(ordrIdxx: string): Promise<void> {
    try {
      unlinkSync(this.lockPath(ordrIdxx));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private lockPath(ordrIdxx: string): string {
    // ordr_idxx is validated to [0-9A-Za-z_.-] before it gets here; '.'-only names are still refused as paths.
    if (!/^[0-9A-Za-z_.-]{1,40}$/.test(ordrIdxx) || /^\.+$/.test(ordrIdxx)) {
      throw new Error(`journal: unsafe order id for a lock file: ${ordrIdxx}`);
    }
    return path.join(this.lockDir, `${ordrIdxx}.lock`);
  }

  /** A lock left by a process that no longer exists (killed mid-payment) may be taken over. */
  private holderIsDead(file: string): boolean {
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}

/** What recover() found for one payment. */
export interface PaymentState {
  id: string;
  ordrIdxx: string;
  amount: string;
  intentAt: string;
  result?: Extract<JournalEntry, { type: 'result' }>;
  committed: boolean;
  cancelIntent?: Extract<JournalEntry, { type: 'cancel-intent' }>;
  cancelResult?: Extract<JournalEntry, { type: 'cancel-result' }>;
  resolved?: string;
}

/** Fold the journal into one state per payment id, in first-seen order. */
export function foldJournal(entries: readonly JournalEntry[]): PaymentState[] {
  const states = new Map<string, PaymentState>();
  for (const e of entries) {
    if (e.type === 'intent') {
      states.set(e.id, { id: e.id, ordrIdxx: e.ordrIdxx, amount: e.amount, intentAt: e.at, committed: false });
      continue;
    }
    const s = states.get(e.id);
    if (!s) continue;
    if (e.type === 'result') s.result = e;
    else if (e.type === 'commit') s.committed = true;
    else if (e.type === 'cancel-intent') s.cancelIntent = e;
    else if (e.type === 'cancel-result') s.cancelResult = e;
    else if (e.type === 'resolved') s.resolved = e.how;
  }
  return [...states.values()];
}
