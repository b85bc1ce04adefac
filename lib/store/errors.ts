/**
 * What a failed store operation looks like to the merchant, and which database faults pass by themselves.
 *
 * Every store operation that fails throws a KcpStoreError: the engine, the operation, `retryable` (a connection lost,
 * the server restarting or shutting a backend down, a deadlock or lock-wait victim: trying the same call again later
 * may well succeed) and the engine's own error as `cause`. The store already ran its own statements again within a
 * small budget before giving up, so a KcpStoreError with `retryable` means the fault outlasted that budget.
 *
 * A merchant's own code is never run again by the store: a merchant's commit (commitInStore) or notification handler
 * that fails is rethrown untouched, and its transaction is rolled back.
 */
import { KcpStoreError } from '../errors.js';

// The class lives with the other error classes (one code, one class); the store makes it, knowing engine and operation.
export { KcpStoreError };

/** PostgreSQL SQLSTATEs after which the statement (or transaction) may simply run again. */
const PG_TRANSIENT = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (pg_terminate_backend, smart/fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
]);

/** MariaDB/MySQL errnos after which the statement (or transaction) may simply run again. */
const MYSQL_TRANSIENT = new Set([
  1213, // ER_LOCK_DEADLOCK
  1205, // ER_LOCK_WAIT_TIMEOUT
  1040, // ER_CON_COUNT_ERROR (too many connections)
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED (MariaDB: KILL CONNECTION)
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
  4031, // ER_CLIENT_INTERACTION_TIMEOUT
]);

/** Socket-level and driver codes that mean "the connection went away", on any engine. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  // SQLite: another process held the write lock past busy_timeout
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
]);

/** What pg says when a socket ends under a client (it sets no code). */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'terminating connection due to administrator command',
  'the database system is shutting down',
  'the database system is starting up',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/** True for a fault that passes by itself: a lost connection, a restarting server, a deadlock or lock-wait victim. */
export function isTransientStoreError(err: unknown): boolean {
  if (err instanceof KcpStoreError) return err.retryable;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; fatal?: unknown } | null | undefined;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && (PG_TRANSIENT.has(code) || CONNECTION_CODES.has(code))) return true;
  if (typeof e.errno === 'number' && MYSQL_TRANSIENT.has(e.errno)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return PG_CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** True for a deadlock / serialization victim: the engine rolled the transaction back, so running it again is safe. */
export function isVictim(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null | undefined;
  return (
    (typeof e?.code === 'string' && ['40001', '40P01', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY'].includes(e.code)) ||
    (typeof e?.errno === 'number' && [1213, 1205].includes(e.errno))
  );
}

const COMMIT_UNKNOWN = Symbol.for('kcp-payplus.store.commitUnknown');

/**
 * Marks an error that ended a COMMIT without an answer (the connection went away while it was on the wire): the
 * transaction may or may not have landed, so it is never run again blindly.
 */
export function markCommitUnknown(err: unknown): unknown {
  if (err && typeof err === 'object' && !isVictim(err)) (err as Record<symbol, unknown>)[COMMIT_UNKNOWN] = true;
  return err;
}

/** True for an error that ended a COMMIT without an answer (also inside the KcpStoreError a store operation threw). */
export function commitUnknown(err: unknown): boolean {
  if (err instanceof KcpStoreError) return commitUnknown(err.cause);
  return Boolean(err && typeof err === 'object' && (err as Record<symbol, unknown>)[COMMIT_UNKNOWN]);
}

/**
 * The store's retry budget for its own statements: bounded attempts with full-jitter exponential backoff, so many
 * workers retrying together spread out instead of colliding again (the waits add up to about 6 s at most, enough for
 * a database restart or a failover to finish), and no new try once `budgetMs` has passed since the first (a lock
 * wait that timed out has already waited long).
 */
export const STORE_RETRY = Object.freeze({ attempts: 8, baseMs: 25, maxMs: 2_000, budgetMs: 15_000 });

/** How long to wait before try number `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(STORE_RETRY.maxMs, STORE_RETRY.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Any failure of a store operation as a KcpStoreError (one already typed passes through). */
export function toStoreError(err: unknown, engine: string, operation: string): KcpStoreError {
  if (err instanceof KcpStoreError) return err;
  const text = String((err as Error)?.message ?? err);
  if (commitUnknown(err)) {
    return new KcpStoreError(
      `payment store (${engine}) ${operation}: the connection was lost while committing (${text}); whether it was ` +
        `recorded is unknown, so it was not run again. recover() settles what it left`,
      { retryable: false, engine, operation, cause: err },
    );
  }
  const retryable = isTransientStoreError(err);
  return new KcpStoreError(
    retryable
      ? `payment store (${engine}) ${operation} failed: ${text}. The database was unreachable, restarting or busy ` +
          `beyond the store's retry budget; try again shortly`
      : `payment store (${engine}) ${operation} failed: ${text}`,
    { retryable, engine, operation, cause: err },
  );
}
