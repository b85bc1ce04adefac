/**
 * MysqlStore: the payment store on MariaDB or MySQL (the `mysql2` package, an optional peer dependency) — what most
 * Korean shops run. Pass your own mysql2/promise pool (the merchant's database, so a commit can write the order and
 * the payment marker in one transaction) or connection options. Tables are InnoDB, utf8mb4.
 */
import { importPeer, readyStore, SqlPaymentStore, type Query, type QueryResult, type SqlDriver } from './sql.js';

/**
 * What the store uses of a `mysql2/promise` pool: any `mysql.createPool(…)` fits. Declared here so that the package's
 * types do not need `mysql2` (an optional peer) installed to compile.
 */
export interface MysqlPool {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
  getConnection(): Promise<MysqlPoolConnection>;
  end(): Promise<void>;
}

export interface MysqlPoolConnection {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
}

function runner(client: MysqlPool | MysqlPoolConnection): Query {
  return async (sql, params = []) => {
    const [result] = await client.query(sql, params as unknown[]);
    if (Array.isArray(result)) return { rows: result as QueryResult['rows'], changes: 0 };
    return { rows: [], changes: (result as { affectedRows: number }).affectedRows };
  };
}

export function mysqlDriver(pool: MysqlPool, ownsPool: boolean): SqlDriver {
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
  pool?: MysqlPool;
  /** Or mysql2 PoolOptions (or a URI) for a pool the store owns (ended by close()). */
  connection?: string | Record<string, unknown>;
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
