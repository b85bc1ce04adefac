/**
 * The SQLite store's worker thread: owns the better-sqlite3 connection and runs the store's calls, so SQLite's
 * synchronous statements, lock waits and fsyncs happen here and never on the application's event loop.
 * Messages: see sqlite.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqlPaymentStore } from './sql.js';
import { openSqlite, sqliteDriver } from './sqlite-driver.js';
import { sameOwner } from './owner.js';
import type { Owner, StoreTransaction } from './types.js';

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

type TxQuery = Extract<Message, { t: 'tx-query' }>;
type FnDone = Extract<Message, { t: 'commit-fn-done' }>;

/**
 * A merchant function's run. Its store transaction is opened (BEGIN IMMEDIATE: SQLite's one write lock for the whole
 * file) only when the function sends its first query, or when it ends without one — not when it starts — so the time
 * it spends before its first SQL statement (calling its own services, rendering, waiting) holds no lock. For a commit
 * that time matters: the write lock is the file's, for every process on the host (issue 17 item 9).
 */
interface Run {
  begin(): void;
  open: OpenTransaction | undefined;
  /** Queries sent before the transaction was open, run in order once it is. */
  queued: TxQuery[];
  done: FnDone | undefined;
}

const runs = new Map<number, Run>();

function runQuery(open: OpenTransaction, m: TxQuery): void {
  open.tx.query(m.sql, m.params).then(
    (rows) => port.postMessage({ t: 'tx-rows', id: m.id, qid: m.qid, rows }),
    (err: unknown) => port.postMessage({ t: 'tx-error', id: m.id, qid: m.qid, error: errorData(err) }),
  );
}

function finish(open: OpenTransaction, m: FnDone): void {
  if (m.ok) open.resolve();
  else open.reject(new Error(m.message ?? 'the merchant function failed'));
}

/** commitWith's check before the merchant's commit runs at all; the transaction checks again when it opens. */
async function stillApproved(id: string, owner: Owner): Promise<void> {
  const attempt = await store.get(id);
  if (!attempt || attempt.state !== 'approved' || !sameOwner(attempt.owner, owner)) {
    throw new Error(
      `payment store: attempt ${id} is no longer this process's approved attempt (${attempt?.state ?? 'missing'}); ` +
        `the commit was not run`,
    );
  }
}

function startRun(m: Extract<Message, { t: 'commit' }>): void {
  const lazy = m.method === 'commitWith';
  let started = false;
  const run: Run = {
    open: undefined,
    queued: [],
    done: undefined,
    begin() {
      if (started) return;
      started = true;
      const merchant = (tx: StoreTransaction) =>
        new Promise<void>((resolve, reject) => {
          const open = { tx, resolve, reject };
          run.open = open;
          for (const q of run.queued.splice(0)) runQuery(open, q);
          if (run.done) finish(open, run.done);
          // Eager (a notification handler): the merchant's function starts once its transaction is open.
          else if (!lazy) port.postMessage({ t: 'commit-open', id: m.id });
        });
      Promise.resolve()
        .then(() => methods[m.method]!.apply(store, [...m.args, merchant]))
        .then(
          () => port.postMessage({ t: 'result', id: m.id, value: undefined }),
          (err: unknown) => {
            // The transaction did not open (or failed): queries still waiting for it fail with it.
            for (const q of run.queued.splice(0)) port.postMessage({ t: 'tx-error', id: m.id, qid: q.qid, error: errorData(err) });
            port.postMessage({ t: 'error', id: m.id, error: errorData(err) });
          },
        )
        .finally(() => runs.delete(m.id));
    },
  };
  runs.set(m.id, run);
  if (!lazy) {
    run.begin();
    return;
  }
  const [id, owner] = m.args as [string, Owner];
  stillApproved(id, owner).then(
    () => port.postMessage({ t: 'commit-open', id: m.id }),
    (err: unknown) => {
      runs.delete(m.id);
      port.postMessage({ t: 'error', id: m.id, error: errorData(err) });
    },
  );
}

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
    startRun(m);
    return;
  }
  const run = runs.get(m.id);
  if (!run) return;
  if (m.t === 'tx-query') {
    if (run.open) runQuery(run.open, m);
    else {
      run.queued.push(m);
      run.begin();
    }
    return;
  }
  if (m.t === 'commit-fn-done') {
    if (run.open) finish(run.open, m);
    else if (!m.ok) {
      // Failed before any SQL: nothing to open or roll back.
      runs.delete(m.id);
      port.postMessage({ t: 'error', id: m.id, error: errorData(new Error(m.message ?? 'the merchant function failed')) });
    } else {
      run.done = m;
      run.begin();
    }
  }
});
