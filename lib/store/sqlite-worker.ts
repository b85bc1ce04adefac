/**
 * The SQLite store's worker thread: owns the better-sqlite3 connection and runs the store's calls, so SQLite's
 * synchronous statements, lock waits and fsyncs happen here and never on the application's event loop.
 * Messages: see sqlite.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqlPaymentStore } from './sql.js';
import { openSqlite, sqliteDriver } from './sqlite-driver.js';
import type { StoreTransaction } from './types.js';

interface OpenTransaction {
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
/** Transactions whose merchant function (a commit, a notification handler) runs on the main thread, by call id. */
const open = new Map<number, OpenTransaction>();
/** The store methods that run a merchant function inside the store's transaction (the function comes last). */
const IN_TRANSACTION = new Set(['commitWith', 'completeNotificationWith']);

function errorData(err: unknown): Record<string, unknown> {
  const e = err as { message?: unknown; name?: unknown; code?: unknown; errno?: unknown; retryable?: unknown; operation?: unknown; cause?: { code?: unknown } };
  return {
    message: String(e?.message ?? err),
    name: String(e?.name ?? 'Error'),
    code: e?.code,
    errno: e?.errno,
    retryable: e?.retryable === true,
    operation: typeof e?.operation === 'string' ? e.operation : undefined,
    causeCode: e?.cause?.code,
  };
}

type Message =
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'commit'; id: number; method: string; args: unknown[] }
  | { t: 'tx-query'; id: number; qid: number; sql: string; params: unknown[] }
  | { t: 'commit-fn-done'; id: number; ok: boolean; message?: string };

const methods = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;

port.on('message', (m: Message) => {
  if (m.t === 'call') {
    Promise.resolve()
      .then(() => methods[m.method]!.apply(store, m.args))
      .then(
        (value) => port.postMessage({ t: 'result', id: m.id, value }),
        (err: unknown) => port.postMessage({ t: 'error', id: m.id, error: errorData(err) }),
      );
    return;
  }
  if (m.t === 'commit') {
    if (!IN_TRANSACTION.has(m.method)) {
      port.postMessage({ t: 'error', id: m.id, error: errorData(new Error(`${m.method} does not run in a transaction`)) });
      return;
    }
    const merchant = (tx: StoreTransaction) =>
      // The merchant's function runs on the main thread: it sends tx-query messages, then commit-fn-done.
      new Promise<void>((resolve, reject) => {
        open.set(m.id, { tx, resolve, reject });
        port.postMessage({ t: 'commit-open', id: m.id });
      });
    Promise.resolve()
      .then(() => methods[m.method]!.apply(store, [...m.args, merchant]))
      .then(
        () => port.postMessage({ t: 'result', id: m.id, value: undefined }),
        (err: unknown) => port.postMessage({ t: 'error', id: m.id, error: errorData(err) }),
      )
      .finally(() => open.delete(m.id));
    return;
  }
  const current = open.get(m.id);
  if (!current) return;
  if (m.t === 'tx-query') {
    current.tx.query(m.sql, m.params).then(
      (rows) => port.postMessage({ t: 'tx-rows', id: m.id, qid: m.qid, rows }),
      (err: unknown) => port.postMessage({ t: 'tx-error', id: m.id, qid: m.qid, error: errorData(err) }),
    );
    return;
  }
  if (m.t === 'commit-fn-done') {
    if (m.ok) current.resolve();
    else current.reject(new Error(m.message ?? 'the merchant function failed'));
  }
});
