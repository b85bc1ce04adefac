/**
 * SqliteStore: the embedded default payment store, a SQLite file (by default `<log_dir>/payplus.sqlite`, 0600) that
 * several processes on one host share safely (WAL, BEGIN IMMEDIATE, busy_timeout). Every statement runs on a worker
 * thread of its own (sqlite-worker.ts), so the event loop never waits for SQLite's locks or fsyncs. The worker is
 * started on first use and does not keep the process alive while idle.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
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

type FromWorker =
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: { message: string; name: string; code?: unknown; errno?: unknown } }
  | { t: 'commit-open'; id: number }
  | { t: 'tx-rows'; id: number; qid: number; rows: Array<Record<string, unknown>> }
  | { t: 'tx-error'; id: number; qid: number; error: { message: string } };

function revive(data: { message: string; name: string; code?: unknown; errno?: unknown }): Error {
  const err = new Error(`SQLite store: ${data.message}`) as Error & { code?: unknown; errno?: unknown };
  if (data.code !== undefined) err.code = data.code;
  if (data.errno !== undefined) err.errno = data.errno;
  return err;
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

export interface SqliteStoreOptions {
  /**
   * false: open an existing store only — a missing file is an error naming it, and no folder, file or table is
   * created (read-only commands such as `recover --dry-run`). Default true: folder, file (0600) and tables are made.
   */
  create?: boolean;
}

export class SqliteStore implements PaymentStore {
  readonly kind = 'sqlite';
  #worker: Worker | undefined;
  #next = 1;
  readonly #waiting = new Map<number, Waiter>();
  readonly #commits = new Map<number, (m: FromWorker) => void>();
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

  #start(): Worker {
    if (this.#closed) throw new Error(`SQLite store ${this.file} is closed`);
    if (this.#worker) return this.#worker;
    const create = this.#create;
    if (create) {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      closeSync(openSync(this.file, 'a', 0o600));
      chmodSync(this.file, 0o600);
    } else if (!existsSync(this.file)) {
      throw Object.assign(
        new Error(`SQLite store ${this.file} does not exist (nothing was created); check the path, or the config's g_conf_log_dir`),
        { code: 'ENOENT', path: this.file },
      );
    }
    const worker = startWorker({ file: this.file, mustExist: !create });
    worker.unref();
    worker.on('message', (m: FromWorker) => this.#receive(m));
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', (code) => {
      this.#worker = undefined;
      if (this.#waiting.size > 0) this.#failAll(new Error(`SQLite store worker stopped (exit code ${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #failAll(err: Error): void {
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

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.#ask<T>({ t: 'call', id: this.#next++, method, args });
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

  /**
   * The merchant's function runs here, on the main thread; each tx.query travels to the worker and runs inside the
   * worker's open transaction, which then records `committed` and commits both together.
   */
  async commitWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const callId = this.#next++;
    let qid = 0;
    const queries = new Map<number, Waiter>();
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    const worker = this.#start(); // throws (rejecting this async call) when closed
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
      await this.#ask({ t: 'commit', id: callId, attemptId: id, owner });
    } catch (err) {
      // The merchant's own error, when it was the merchant's function that failed; else the store's.
      if (outcome && !outcome.ok) throw outcome.error;
      throw err;
    } finally {
      this.#commits.delete(callId);
    }
    if (!outcome || !outcome.ok) throw new Error('SQLite store: the commit ended without running the merchant commit');
    return outcome.value;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#worker) await this.#call('close').catch(() => undefined);
    this.#closed = true;
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}
