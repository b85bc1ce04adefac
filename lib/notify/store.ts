/**
 * Where the inbox remembers which notifications it has processed. KCP re-sends until it reads 0000 and
 * may deliver one notification twice at once (a slow answer overlapping a re-send), so "process each
 * noti_id at most once" needs a claim (taken before the merchant's handler runs), a completion (after it
 * succeeded) and a release (after it failed, so the re-send can try again).
 *
 * Implement NotificationStore over the merchant's own database for several processes (a unique key on
 * the id makes `claim` atomic). The two stores here are for one process: memory (tests, demos) and a
 * durable append-only file of completed ids (fsync'd), which survives restarts.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';

export interface NotificationStore {
  /** Takes the id for processing: true when the caller now owns it, false when it is done or in flight. */
  claim(id: string): Promise<boolean>;
  /** Marks a claimed id as processed for good. */
  complete(id: string): Promise<void>;
  /** Gives a claimed id back after a failure, so the next delivery processes it. */
  release(id: string): Promise<void>;
  /** Whether the id has been completed (distinguishes "done" from "in flight" after a failed claim). */
  isCompleted(id: string): Promise<boolean>;
}

export class MemoryNotificationStore implements NotificationStore {
  readonly #completed = new Set<string>();
  readonly #inFlight = new Set<string>();

  async claim(id: string): Promise<boolean> {
    if (this.#completed.has(id) || this.#inFlight.has(id)) return false;
    this.#inFlight.add(id);
    return true;
  }

  async complete(id: string): Promise<void> {
    this.#inFlight.delete(id);
    this.#completed.add(id);
  }

  async release(id: string): Promise<void> {
    this.#inFlight.delete(id);
  }

  async isCompleted(id: string): Promise<boolean> {
    return this.#completed.has(id);
  }
}

/**
 * Completed ids as JSON lines (`{"id":"…","completedAt":"…"}`) appended and fsync'd one by one.
 * Claims live in memory only: after a crash mid-handler the id is simply not completed, and KCP's
 * re-send runs the handler again (at-least-once across crashes; keep the handler idempotent).
 * One process per file.
 */
export class FileNotificationStore implements NotificationStore {
  readonly path: string;
  readonly #memory = new MemoryNotificationStore();
  readonly #handle: FileHandle;
  #needsNewline: boolean;
  #writes: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, handle: FileHandle, needsNewline: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#needsNewline = needsNewline;
  }

  /** Opens (or creates) the file and loads the completed ids. A torn last line from a crash is ignored. */
  static async open(path: string): Promise<FileNotificationStore> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const handle = await open(path, 'a', 0o600);
    const store = new FileNotificationStore(path, handle, text.length > 0 && !text.endsWith('\n'));
    for (const line of text.split('\n')) {
      const id = parseLine(line);
      if (id !== undefined) await store.#memory.complete(id);
    }
    return store;
  }

  claim(id: string): Promise<boolean> {
    return this.#memory.claim(id);
  }

  release(id: string): Promise<void> {
    return this.#memory.release(id);
  }

  isCompleted(id: string): Promise<boolean> {
    return this.#memory.isCompleted(id);
  }

  /** Marks the id done in memory at once (so duplicates stop here even if the disk fails), then persists it. */
  async complete(id: string): Promise<void> {
    if (this.#closed) throw new Error(`FileNotificationStore ${this.path} is closed.`);
    await this.#memory.complete(id);
    const line = `${this.#needsNewline ? '\n' : ''}${JSON.stringify({ id, completedAt: new Date().toISOString() })}\n`;
    this.#needsNewline = false;
    const write = this.#writes.then(async () => {
      await this.#handle.write(line);
      await this.#handle.sync();
    });
    // Keep the chain alive after a failed write; the caller still sees this write's error.
    this.#writes = write.catch(() => undefined);
    await write;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes;
    await this.#handle.close();
  }
}

function parseLine(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as { id?: unknown };
    return typeof value.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
}
