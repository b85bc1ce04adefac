/**
 * PostgresStore: the payment store on PostgreSQL (the `pg` package, an optional peer dependency), for shops whose
 * servers share one database. Pass your own pg Pool (recommended: the merchant's database, so a commit can write the
 * order and the payment marker in one transaction) or a connection string.
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { SqlPaymentStore, type Query, type QueryResult, type SqlDriver } from './sql.js';

/** `?` placeholders → `$1, $2, …` (the SQL written in sql.ts has no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function runner(client: Pool | PoolClient, convert: boolean): Query {
  return async (sql, params = []) => {
    const r = await client.query(convert ? numbered(sql) : sql, params as unknown[]);
    return { rows: r.rows as QueryResult['rows'], changes: r.rowCount ?? 0 };
  };
}

export function postgresDriver(pool: Pool, ownsPool: boolean): SqlDriver {
  return {
    dialect: 'postgres',
    query: runner(pool, true),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(runner(client, true), runner(client, false));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

export interface PostgresStoreOptions {
  /** Your pg Pool; the store never ends it. */
  pool?: Pool;
  /** Or a connection string / pg config for a pool the store owns (ended by close()). */
  connection?: string | PoolConfig;
}

export class PostgresStore extends SqlPaymentStore {
  private constructor(driver: SqlDriver) {
    super(driver);
  }

  /** Connects (creating the tables on first use). `pg` must be installed: npm install pg. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    let pool = options.pool;
    const owns = pool === undefined;
    if (!pool) {
      const pg = await import('pg').catch((err: unknown) => {
        throw new Error(`PostgresStore needs the 'pg' package: npm install pg (${String(err)})`);
      });
      const config = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection ?? {};
      pool = new pg.default.Pool({ max: 10, ...config });
    }
    const store = new PostgresStore(postgresDriver(pool, owns));
    await store.ready();
    return store;
  }
}
