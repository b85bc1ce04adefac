/**
 * PostgresStore: the payment store on PostgreSQL (the `pg` package, an optional peer dependency), for shops whose
 * servers share one database. Pass your own pg Pool (recommended: the merchant's database, so a commit can write the
 * order and the payment marker in one transaction) or a connection string.
 */
import { isTransientStoreError, markCommitUnknown } from './errors.js';
import { importPeer, poolSizeOf, readyStore, SqlPaymentStore, storeTables, type Query, type QueryResult, type SqlDriver, type StoreNames } from './sql.js';

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
  // any: pg's own overloads differ per event
  on?(event: 'error' | 'acquire', listener: (...args: any[]) => void): unknown;
}

export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  /** With an error, pg destroys the client instead of pooling it again. */
  release(err?: Error | boolean): void;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

/** Emitters the store has put its 'error' listener on (each once; a merchant's own listeners stay as they are). */
const guarded = new WeakSet<object>();
/** Clients whose connection failed: released with the error, so pg closes them instead of lending them again. */
const broken = new WeakSet<object>();

/**
 * An EventEmitter without an 'error' listener ends the process when it emits one: pg's Pool does so for an idle
 * client the server dropped, and a lent Client (the pool takes its own listener off while lent) for a backend
 * terminated or a server restarted mid-transaction — even between being lent and its borrower's next line, when the
 * termination arrives in the same packet. So the store listens on the pool and, from the pool's synchronous 'acquire'
 * event on, on every client it lends (to the store or to anyone else). The failure itself reaches the caller through
 * the query that was running, as a KcpStoreError; the client is marked broken, so it is destroyed, not lent again.
 */
function guardPool(pool: PgPool): void {
  if (typeof pool.on !== 'function' || guarded.has(pool)) return;
  guarded.add(pool);
  pool.on('error', () => undefined);
  pool.on('acquire', (client: PgPoolClient) => guardClient(client));
}

function guardClient(client: PgPoolClient): void {
  if (typeof client.on !== 'function' || guarded.has(client)) return;
  guarded.add(client);
  client.on('error', () => broken.add(client));
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
  guardPool(pool);
  return {
    dialect: 'postgres',
    query: runner(pool, true),
    async transaction(fn) {
      const client = await pool.connect();
      guardClient(client); // a pool without events (not pg's) gets its listener here
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        const value = await fn(runner(client, true), runner(client, false));
        try {
          await client.query('COMMIT');
        } catch (err) {
          throw markCommitUnknown(err);
        }
        return value;
      } catch (err) {
        failure = err as Error;
        if (!broken.has(client)) await client.query('ROLLBACK').catch(() => broken.add(client));
        throw err;
      } finally {
        client.release(broken.has(client) ? failure ?? true : undefined);
      }
    },
    // deadlock_detected, serialization_failure, a lost connection, admin_shutdown, a restarting server
    retryable: isTransientStoreError,
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
  /**
   * The schema that holds the store's tables (default: none, so the connection's search_path, usually `public`).
   * Created with the tables when missing and this user may; a plain lower-case identifier, refused otherwise.
   */
  schema?: string;
  /** Prefix of the store's table names (default `kcp_payplus_`): lower-case letters, digits and `_`. */
  tablePrefix?: string;
  /**
   * Connections of the pool the store makes from `connection` (default 10; not with `pool`). With commitInStore each
   * payment holds one from its commit's first query to its end: size it to the payments one process runs at once.
   */
  poolSize?: number;
}

export class PostgresStore extends SqlPaymentStore {
  private constructor(driver: SqlDriver, names: StoreNames) {
    super(driver, names);
  }

  /**
   * Connects (creating the tables on first use, unless they are there at the current version: then the user needs no
   * CREATE). `pg` must be installed: npm install pg.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const names: StoreNames = { schema: options.schema, tablePrefix: options.tablePrefix };
    storeTables('postgres', names); // a wrong name is refused before anything connects
    const poolSize = poolSizeOf(options); // so is a wrong pool size
    let pool = options.pool;
    if (!pool) {
      const pg = await importPeer(() => import('pg'), 'pg', 'PostgresStore');
      const config = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection ?? {};
      // An idle connection the server drops (restart, failover) must not end the process (guardPool listens);
      // the next query reconnects.
      pool = new pg.default.Pool({ max: poolSize, ...config });
    }
    return readyStore(new PostgresStore(postgresDriver(pool, options.pool === undefined), names));
  }
}
