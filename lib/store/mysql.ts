/**
 * MysqlStore: the payment store on MariaDB or MySQL (the `mysql2` package, an optional peer dependency) — what most
 * Korean shops run. Pass your own mysql2/promise pool (the merchant's database, so a commit can write the order and
 * the payment marker in one transaction) or connection options. Tables are InnoDB, utf8mb4.
 */
import type { Pool, PoolConnection, PoolOptions, ResultSetHeader } from 'mysql2/promise';
import { importPeer, readyStore, SqlPaymentStore, type Query, type QueryResult, type SqlDriver } from './sql.js';

function runner(client: Pool | PoolConnection): Query {
  return async (sql, params = []) => {
    const [result] = await client.query(sql, params as unknown[]);
    if (Array.isArray(result)) return { rows: result as QueryResult['rows'], changes: 0 };
    return { rows: [], changes: (result as ResultSetHeader).affectedRows };
  };
}

export function mysqlDriver(pool: Pool, ownsPool: boolean): SqlDriver {
  return {
    dialect: 'mysql',
    query: runner(pool),
    async transaction(fn) {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        const q = runner(conn);
        const value = await fn(q, q);
        await conn.commit();
        return value;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
    // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
    retryable: (err) => [1213, 1205].includes((err as { errno?: number }).errno ?? 0),
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

export interface MysqlStoreOptions {
  /** Your mysql2/promise pool; the store never ends it. */
  pool?: Pool;
  /** Or connection options (or a URI) for a pool the store owns (ended by close()). */
  connection?: string | PoolOptions;
}

export class MysqlStore extends SqlPaymentStore {
  private constructor(driver: SqlDriver) {
    super(driver);
  }

  /** Connects (creating the tables on first use). `mysql2` must be installed: npm install mysql2. */
  static async open(options: MysqlStoreOptions): Promise<MysqlStore> {
    let pool = options.pool;
    if (!pool) {
      const mysql = await importPeer(() => import('mysql2/promise'), 'mysql2', 'MysqlStore');
      const config = typeof options.connection === 'string' ? { uri: options.connection } : options.connection ?? {};
      pool = mysql.default.createPool({ connectionLimit: 10, ...config });
    }
    return readyStore(new MysqlStore(mysqlDriver(pool, options.pool === undefined)));
  }
}
