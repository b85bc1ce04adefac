/**
 * SqliteStore: the embedded default payment store, a SQLite file (by default `<log_dir>/payplus.sqlite`, 0600) that
 * several processes on one host share safely (WAL, BEGIN IMMEDIATE, busy_timeout). Every statement runs on a worker
 * thread of its own (sqlite-worker.ts), so the event loop never waits for SQLite's locks or fsyncs. The worker is
 * started on first use, does not keep the process alive while idle, and is shared by every SqliteStore of this
 * process on the same file (registry.ts): it stops when the last of them closes.
 */
import { closeSync, constants, existsSync, fchmodSync, fstatSync, openSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../log/private-files.js';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KcpStoreError } from './errors.js';
import { resolvedFile, shareConnection, type SharedLease } from './registry.js';
import type {
  Attempt,
  AttemptPatch,
  AttemptState,
  BeginResult,
  NewAttempt,
  NotificationClaim,
  Owner,
  PaymentStore,
  StoreTransaction,
} from './types.js';

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface ErrorData {
  message: string;
  name: string;
  code?: unknown;
  errno?: unknown;
  retryable?: boolean;
  operation?: string;
  causeCode?: unknown;
}

type FromWorker =
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: ErrorData }
  | { t: 'commit-open'; id: number }
  | { t: 'tx-rows'; id: number; qid: number; rows: Array<Record<string, unknown>> }
  | { t: 'tx-error'; id: number; qid: number; error: ErrorData };

/** An error from the worker: the store's KcpStoreError as such, anything else (a merchant's SQL) as an Error. */
function revive(data: ErrorData): Error {
  if (data.name === 'KcpStoreError') {
    const cause = Object.assign(new Error(data.message), data.causeCode === undefined ? {} : { code: data.causeCode });
    return new KcpStoreError(data.message, { retryable: data.retryable === true, engine: 'sqlite', operation: data.operation ?? 'store', cause });
  }
  const err = new Error(`SQLite store: ${data.message}`) as Error & { code?: unknown; errno?: unknown };
  if (data.code !== undefined) err.code = data.code;
  if (data.errno !== undefined) err.errno = data.errno;
  return err;
}

/**
 * Creates a SQLite database file 0600 in a private folder before SQLite opens it (log/private-files.ts): SQLite would
 * create it with the umask's mode (0644), and its -wal and -shm files take the database file's mode. The file is
 * opened without following a link at its name and tightened on the descriptor. The sample shop uses this too.
 */
export function createPrivateDatabaseFile(file: string): void {
  ensurePrivateDir(path.dirname(file), 'store file', 'the database folder');
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file; remove it`);
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts the worker's entry beside this file: the compiled .js in a package; under tsx (this repository's tests and
 * sample) the .ts, with tsx's loader registered inside the worker first, since workers do not inherit it.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData });
  const entry = new URL('./sqlite-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * One file's worker thread and connection, shared by every SqliteStore of this process on that file (see the
 * registry in registry.ts): code that makes a PayPlus per request still runs one thread per store file.
 */
class SqliteConnection {
  #worker: Worker | undefined;
  #next = 1;
  readonly #waiting = new Map<number, Waiter>();
  readonly #commits = new Map<number, (m: FromWorker) => void>();

  constructor(
    readonly file: string,
    readonly create: boolean,
  ) {}

  #start(): Worker {
    if (this.#worker) return this.#worker;
    if (this.create) createPrivateDatabaseFile(this.file);
    else if (!existsSync(this.file)) {
      throw Object.assign(
        new Error(`SQLite store ${this.file} does not exist (nothing was created); check the path, or the config's g_conf_log_dir`),
        { code: 'ENOENT', path: this.file },
      );
    }
    const worker = startWorker({ file: this.file, mustExist: !this.create });
    worker.unref();
    worker.on('message', (m: FromWorker) => this.#receive(m));
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (this.#waiting.size > 0) this.#failAll(new Error(`SQLite store worker stopped (exit code ${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #failAll(cause: Error): void {
    // The next call starts a new worker: the fault is worth retrying.
    const err = new KcpStoreError(`payment store (sqlite): ${cause.message}`, { retryable: true, engine: 'sqlite', operation: 'worker', cause });
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
    this.#worker?.unref();
  }

  #receive(m: FromWorker): void {
    if (m.t === 'commit-open' || m.t === 'tx-rows' || m.t === 'tx-error') {
      this.#commits.get(m.id)?.(m);
      return;
    }
    const w = this.#waiting.get(m.id);
    if (!w) return;
    this.#waiting.delete(m.id);
    if (this.#waiting.size === 0) this.#worker?.unref();
    if (m.t === 'result') w.resolve(m.value);
    else w.reject(revive(m.error));
  }

  /** Sends a message that the worker answers with result/error for `id`; the worker keeps the process alive meanwhile. */
  #ask<T>(message: Record<string, unknown> & { id: number }): Promise<T> {
    let worker: Worker;
    try {
      worker = this.#start();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage(message);
    });
  }

  call<T>(method: string, args: unknown[]): Promise<T> {
    return this.#ask<T>({ t: 'call', id: this.#next++, method, args });
  }

  /**
   * Runs `method` (commitWith, completeNotificationWith) in the worker with `args` and the merchant's function last.
   * The merchant's function runs here, on the main thread; each tx.query travels to the worker and runs inside the
   * worker's open transaction, which then records the outcome and commits both together.
   */
  async inTransaction<T>(method: string, args: unknown[], fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const callId = this.#next++;
    let qid = 0;
    const queries = new Map<number, Waiter>();
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    const worker = this.#start();
    this.#commits.set(callId, (m) => {
      if (m.t === 'commit-open') {
        const tx: StoreTransaction = {
          query: (sql, params = []) =>
            new Promise((resolve, reject) => {
              const n = ++qid;
              queries.set(n, { resolve: resolve as (v: unknown) => void, reject });
              worker.postMessage({ t: 'tx-query', id: callId, qid: n, sql, params: [...params] });
            }),
        };
        Promise.resolve()
          .then(() => fn(tx))
          .then(
            (value) => {
              outcome = { ok: true, value };
              worker.postMessage({ t: 'commit-fn-done', id: callId, ok: true });
            },
            (error: unknown) => {
              outcome = { ok: false, error };
              worker.postMessage({ t: 'commit-fn-done', id: callId, ok: false, message: String((error as Error)?.message ?? error) });
            },
          );
        return;
      }
      if (m.t === 'tx-rows' || m.t === 'tx-error') {
        const q = queries.get(m.qid);
        queries.delete(m.qid);
        if (m.t === 'tx-rows') q?.resolve(m.rows);
        else q?.reject(revive({ ...m.error, name: 'Error' }));
      }
    });
    try {
      await this.#ask({ t: 'commit', id: callId, method, args });
    } catch (err) {
      // The merchant's own error, when it was the merchant's function that failed; else the store's.
      if (outcome && !outcome.ok) throw outcome.error;
      throw err;
    } finally {
      this.#commits.delete(callId);
    }
    if (!outcome || !outcome.ok) throw new Error('SQLite store: the transaction ended without running the merchant function');
    return outcome.value;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    await this.call('close', []).catch(() => undefined);
    this.#worker = undefined;
    await worker.terminate();
  }
}

export interface SqliteStoreOptions {
  /**
   * false: open an existing store only — a missing file is an error naming it, and no folder, file or table is
   * created (read-only commands such as `recover --dry-run`). Default true: folder, file (0600) and tables are made.
   */
  create?: boolean;
}

export class SqliteStore implements PaymentStore {
  readonly kind = 'sqlite';
  /** This store's share of the file's connection, taken on first use and given back by close(). */
  #lease: SharedLease<SqliteConnection> | undefined;
  #closed = false;
  readonly #create: boolean;

  constructor(
    readonly file: string,
    options: SqliteStoreOptions = {},
  ) {
    this.#create = options.create !== false;
  }

  /** The default store of a site: `<log_dir>/payplus.sqlite`. */
  static forLogDir(logDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path.join(logDir, 'payplus.sqlite'), options);
  }

  #connection(): SqliteConnection {
    if (this.#closed) throw new KcpStoreError(`SQLite store ${this.file} is closed`, { retryable: false, engine: 'sqlite', operation: 'use' });
    // A store that may not create shares only with others that may not either: it must never start the creating kind.
    const key = `sqlite${this.#create ? '' : '-existing'}:${resolvedFile(this.file)}`;
    this.#lease ??= shareConnection(key, () => new SqliteConnection(this.file, this.#create), (c) => c.close());
    return this.#lease.value;
  }

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return this.#connection().call<T>(method, args);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  ready(): Promise<void> {
    return this.#call('ready');
  }
  begin(attempt: NewAttempt): Promise<BeginResult> {
    return this.#call('begin', attempt);
  }
  update(id: string, from: readonly AttemptState[], patch: AttemptPatch, owner?: Owner): Promise<boolean> {
    return this.#call('update', id, from, patch, owner);
  }
  claim(id: string, expected: Owner, next: Owner, leaseUntil: number): Promise<boolean> {
    return this.#call('claim', id, expected, next, leaseUntil);
  }
  get(id: string): Promise<Attempt | undefined> {
    return this.#call('get', id);
  }
  listOpen(limit: number): Promise<Attempt[]> {
    return this.#call('listOpen', limit);
  }
  archive(before: number): Promise<number> {
    return this.#call('archive', before);
  }
  claimNotification(id: string, owner: Owner, leaseUntil: number): Promise<NotificationClaim> {
    return this.#call('claimNotification', id, owner, leaseUntil);
  }
  completeNotification(id: string): Promise<void> {
    return this.#call('completeNotification', id);
  }
  releaseNotification(id: string, owner: Owner): Promise<void> {
    return this.#call('releaseNotification', id, owner);
  }
  notificationDone(id: string): Promise<boolean> {
    return this.#call('notificationDone', id);
  }
  renewNotification(id: string, owner: Owner, leaseUntil: number): Promise<boolean> {
    return this.#call('renewNotification', id, owner, leaseUntil);
  }

  /**
   * The merchant's commit, inside the store's transaction (see SqliteConnection.inTransaction). The transaction — the
   * file's write lock — opens at the commit's first tx.query (or its end), not when it starts (sqlite-worker.ts).
   */
  async commitWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.#connection().inTransaction('commitWith', [id, owner], fn);
  }

  /** The merchant's notification handler, inside the store's transaction that marks the noti_id done. */
  async completeNotificationWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.#connection().inTransaction('completeNotificationWith', [id, owner], fn);
  }

  /** Gives this store's share of the file's connection back; the worker stops when the last store on the file closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lease?.release();
    this.#lease = undefined;
  }
}
