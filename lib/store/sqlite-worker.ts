/**
 * The SQLite store's worker thread: owns the better-sqlite3 connection and runs the store's calls, so SQLite's
 * synchronous statements, lock waits and fsyncs happen here and never on the application's event loop.
 * Messages: see sqlite.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqlPaymentStore } from './sql.js';
import { openSqlite, sqliteDriver } from './sqlite-driver.js';
import type { Owner, StoreTransaction } from './types.js';

interface OpenCommit {
  /** The store transaction the merchant's queries run in. */
  tx: StoreTransaction;
  /** Settles the merchant function's stand-in here once the main thread says how it ended. */
  resolve: () => void;
  reject: (err: Error) => void;
}

const port = parentPort!;
const { file, mustExist } = workerData as { file: string; mustExist?: boolean };
const store = new SqlPaymentStore(sqliteDriver(openStoreFile(file, mustExist === true)));

/** The connection; with mustExist, only to an existing kcp-payplus store (SqliteStoreOptions.create false). */
function openStoreFile(path: string, mustExist: boolean): ReturnType<typeof openSqlite> {
  if (mustExist) {
    // Looked at read-only first: opening for writing sets WAL mode, which would turn an empty file into a database.
    const probe = new Database(path, { fileMustExist: true, readonly: true });
    try {
      if (!probe.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kcp_payplus_schema'").get()) {
        throw new Error(`SQLite store: ${path} is not a kcp-payplus store (no kcp_payplus_schema table; nothing was created)`);
      }
    } finally {
      probe.close();
    }
  }
  return openSqlite(path, { fileMustExist: mustExist });
}
/** Commits whose merchant function is running on the main thread, by call id. */
const commits = new Map<number, OpenCommit>();

function errorData(err: unknown): { message: string; name: string; code?: unknown; errno?: unknown } {
  const e = err as { message?: unknown; name?: unknown; code?: unknown; errno?: unknown };
  return { message: String(e?.message ?? err), name: String(e?.name ?? 'Error'), code: e?.code, errno: e?.errno };
}

type Message =
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'commit'; id: number; attemptId: string; owner: Owner }
  | { t: 'tx-query'; id: number; qid: number; sql: string; params: unknown[] }
  | { t: 'commit-fn-done'; id: number; ok: boolean; message?: string };

port.on('message', (m: Message) => {
  if (m.t === 'call') {
    const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m.method];
    Promise.resolve()
      .then(() => fn!.apply(store, m.args))
      .then(
        (value) => port.postMessage({ t: 'result', id: m.id, value }),
        (err: unknown) => port.postMessage({ t: 'error', id: m.id, error: errorData(err) }),
      );
    return;
  }
  if (m.t === 'commit') {
    store
      .commitWith(m.attemptId, m.owner, (tx) =>
        // The merchant's function runs on the main thread: it sends tx-query messages, then commit-fn-done.
        new Promise<void>((resolve, reject) => {
          commits.set(m.id, { tx, resolve, reject });
          port.postMessage({ t: 'commit-open', id: m.id });
        }),
      )
      .then(
        () => port.postMessage({ t: 'result', id: m.id, value: undefined }),
        (err: unknown) => port.postMessage({ t: 'error', id: m.id, error: errorData(err) }),
      )
      .finally(() => commits.delete(m.id));
    return;
  }
  const open = commits.get(m.id);
  if (!open) return;
  if (m.t === 'tx-query') {
    open.tx.query(m.sql, m.params).then(
      (rows) => port.postMessage({ t: 'tx-rows', id: m.id, qid: m.qid, rows }),
      (err: unknown) => port.postMessage({ t: 'tx-error', id: m.id, qid: m.qid, error: errorData(err) }),
    );
    return;
  }
  if (m.t === 'commit-fn-done') {
    if (m.ok) open.resolve();
    else open.reject(new Error(m.message ?? 'the merchant commit failed'));
  }
});
