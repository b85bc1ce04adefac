/**
 * The commit fence: the one contract between the SDK and a merchant whose commit runs outside the payment store
 * (docs/design.md §8). Two processes can both decide about one approval — the worker that commits it, and a recovery on
 * another host that found the worker's lease run out (a GC pause, SIGSTOP, a VM migration) and wants to cancel it. A
 * lease cannot tell them apart from a dead worker; a compare-and-set in the merchant's own database can:
 *
 *   kcp_payplus_fence (attempt_id PRIMARY KEY, outcome 'committed' | 'abandoned')
 *
 * - The merchant's commit inserts `(attempt_id, 'committed')` in the same transaction as its order update. When the
 *   attempt was fenced already, the insert hits the primary key, the transaction rolls back, and the commit fails.
 * - Before anyone cancels such an approval, the fence is asked: it inserts `(attempt_id, 'abandoned')` unless a row
 *   exists, then reads the row. 'committed' → the order was recorded: it is never cancelled. 'abandoned' → no commit
 *   can land any more: cancelling is safe, also while the worker that owned it is only paused.
 * The primary key makes the two inserts exclusive on SQLite, PostgreSQL and MariaDB/MySQL alike; an insert that meets
 * the other's uncommitted row waits for its transaction to end.
 */
import type { Attempt } from '../store/types.js';

export type FenceOutcome = 'committed' | 'abandoned';

/**
 * Settles, atomically and for good, whether the merchant's commit of `attempt` happened: 'committed' if it did,
 * otherwise 'abandoned' — after which a late commit of this attempt must fail. sqlFence() builds one from SQL.
 */
export type FenceHook = (attempt: Pick<Attempt, 'id' | 'ordrIdxx' | 'tno'>) => Promise<FenceOutcome> | FenceOutcome;

/** What a merchant's commit outside the store gets besides the approval. */
export interface CommitInfo {
  /** The attempt's id: the key of the fence row the commit inserts (`fenceStatements(dialect).commit`). */
  attemptId: string;
}

export type FenceDialect = 'sqlite' | 'postgres' | 'mysql';

export const FENCE_TABLE = 'kcp_payplus_fence';

/**
 * The fence's SQL for one engine, placeholders in the engine's own style (`?`, PostgreSQL `$1`):
 * - create: the table (idempotent);
 * - commit: `[attemptId, Date.now()]` — run inside your commit's transaction, first; it fails when the attempt was
 *   abandoned, which must roll your transaction back;
 * - abandon + read: `[attemptId, Date.now()]` then `[attemptId]` — what the fence hook runs, each on its own
 *   (autocommit), so the read sees the row whichever insert won.
 */
export function fenceStatements(dialect: FenceDialect): { create: string; commit: string; abandon: string; read: string } {
  const [a, b] = dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
  const engine = dialect === 'mysql' ? ' ENGINE=InnoDB' : '';
  const insert = (outcome: FenceOutcome) => `INSERT INTO ${FENCE_TABLE} (attempt_id, outcome, created_at) VALUES (${a}, '${outcome}', ${b})`;
  return {
    create:
      `CREATE TABLE IF NOT EXISTS ${FENCE_TABLE} (attempt_id VARCHAR(36) NOT NULL PRIMARY KEY, ` +
      `outcome VARCHAR(10) NOT NULL, created_at BIGINT NOT NULL)${engine}`,
    commit: insert('committed'),
    abandon:
      dialect === 'mysql'
        ? `${insert('abandoned')} ON DUPLICATE KEY UPDATE attempt_id = attempt_id`
        : `${insert('abandoned')} ON CONFLICT (attempt_id) DO NOTHING`,
    read: `SELECT outcome FROM ${FENCE_TABLE} WHERE attempt_id = ${a}`,
  };
}

/**
 * A fence hook on your database: `query` runs one statement on its own (autocommit) and resolves to its rows.
 *   isCommitted → fence: sqlFence('postgres', (sql, params) => pool.query(sql, params).then((r) => r.rows))
 */
export function sqlFence(
  dialect: FenceDialect,
  query: (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>,
): FenceHook {
  const sql = fenceStatements(dialect);
  return async (attempt) => {
    await query(sql.abandon, [attempt.id, Date.now()]);
    const outcome = (await query(sql.read, [attempt.id]))[0]?.outcome;
    if (outcome !== 'committed' && outcome !== 'abandoned') {
      throw new Error(`commit fence: no ${FENCE_TABLE} row for attempt ${attempt.id} after the abandon insert (${String(outcome)})`);
    }
    return outcome;
  };
}
