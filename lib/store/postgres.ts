/**
 * PostgresStore: the payment store on PostgreSQL (the `pg` package, an optional peer dependency), for shops whose
 * servers share one database. Pass your own pg Pool (recommended: the merchant's database, so a commit can write the
 * order and the payment marker in one transaction) or a connection string.
 */
import { importPeer, readyStore, SqlPaymentStore, type Query, type QueryResult, type SqlDriver } from './sql.js';

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}

/**
 * What the store uses of a `pg` Pool: any `new pg.Pool(…)` fits. Declared here so that the package's types do not
 * need `pg` (an optional peer) installed to compile.
 */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  release(): void;
}

/** `?` placeholders → `$1, $2, …` (the SQL written in sql.ts has no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function runner(client: PgPool | PgPoolClient, convert: boolean): Query {
  return async (sql, params = []) => {
    const r = await client.query(convert ? numbered(sql) : sql, params as unknown[]);
    return { rows: r.rows as QueryResult['rows'], changes: r.rowCount ?? 0 };
  };
}

export function postgresDriver(pool: PgPool, ownsPool: boolean): SqlDriver {
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
    // deadlock_detected, serialization_failure
    retryable: (err) => ['40P01', '40001'].includes(String((err as { code?: unknown }).code)),
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

export interface PostgresStoreOptions {
  /** Your pg Pool; the store never ends it. */
  pool?: PgPool;
  /** Or a connection string / pg PoolConfig for a pool the store owns (ended by close()). */
  connection?: string | Record<string, unknown>;
}

export class PostgresStore extends SqlPaymentStore {
  private constructor(driver: SqlDriver) {
    super(driver);
  }

  /** Connects (creating the tables on first use). `pg` must be installed: npm install pg. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    let pool = options.pool;
    if (!pool) {
      const pg = await importPeer(() => import('pg'), 'pg', 'PostgresStore');
      const config = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection ?? {};
      const own = new pg.default.Pool({ max: 10, ...config });
      // An idle connection the server drops (restart, failover) must not end the process; the next query reconnects.
      own.on('error', () => undefined);
      pool = own;
    }
    return readyStore(new PostgresStore(postgresDriver(pool, options.pool === undefined)));
  }
}
