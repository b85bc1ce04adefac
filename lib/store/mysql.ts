/**
 * MysqlStore: the payment store on MariaDB or MySQL (the `mysql2` package, an optional peer dependency) — what most
 * Korean shops run. Pass your own mysql2/promise pool (the merchant's database, so a commit can write the order and
 * the payment marker in one transaction) or connection options. Tables are InnoDB, utf8mb4.
 */
import { isTransientStoreError, markCommitUnknown } from './errors.js';
import { importPeer, poolSizeOf, readyStore, SqlPaymentStore, storeTables, type Query, type QueryResult, type SqlDriver, type StoreNames } from './sql.js';

/**
 * What the store uses of a `mysql2/promise` pool: any `mysql.createPool(…)` fits. Declared here so that the package's
 * types do not need `mysql2` (an optional peer) installed to compile.
 */
export interface MysqlPool {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
  getConnection(): Promise<MysqlPoolConnection>;
  end(): Promise<void>;
  /** mysql2's core (callback) pool behind the promise wrapper: its 'connection' event names each new connection. */
  pool?: { on?(event: 'connection', listener: (conn: Emitter) => void): unknown };
}

export interface MysqlPoolConnection {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  release(): void;
  /** Drops a broken connection from the pool instead of lending it again. */
  destroy?(): void;
  /** mysql2's core connection behind the promise wrapper. */
  connection?: Emitter;
}

interface Emitter {
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

/** Connections the store has put its 'error' listener on (each once; a merchant's own listeners stay as they are). */
const guarded = new WeakSet<object>();

/**
 * mysql2 emits 'error' on a connection whose server went away (a restart, KILL, a dropped socket) when no command is
 * waiting for the answer, and a pool connection listens only once: a second such error with nobody listening would end
 * the process. The store listens on every connection of its pool (a merchant's too); the failure itself reaches the
 * caller through the query that was running, as a KcpStoreError.
 */
function guard(conn: Emitter | undefined, onError: (err: Error) => void = () => undefined): void {
  if (!conn || typeof conn.on !== 'function' || guarded.has(conn)) return;
  guarded.add(conn);
  conn.on('error', onError);
}

function runner(client: MysqlPool | MysqlPoolConnection): Query {
  return async (sql, params = []) => {
    const [result] = await client.query(sql, params as unknown[]);
    if (Array.isArray(result)) return { rows: result as QueryResult['rows'], changes: 0 };
    return { rows: [], changes: (result as { affectedRows: number }).affectedRows };
  };
}

export function mysqlDriver(pool: MysqlPool, ownsPool: boolean): SqlDriver {
  if (pool.pool && typeof pool.pool.on === 'function' && !guarded.has(pool.pool)) {
    guarded.add(pool.pool);
    pool.pool.on('connection', (conn) => guard(conn));
  }
  return {
    dialect: 'mysql',
    query: runner(pool),
    async transaction(fn) {
      const conn = await pool.getConnection();
      let broken = false;
      guard(conn.connection);
      try {
        await conn.beginTransaction();
        const q = runner(conn);
        const value = await fn(q, q);
        try {
          await conn.commit();
        } catch (err) {
          throw markCommitUnknown(err);
        }
        return value;
      } catch (err) {
        if ((err as { fatal?: unknown }).fatal) broken = true;
        else await conn.rollback().catch(() => (broken = true));
        throw err;
      } finally {
        if (broken && typeof conn.destroy === 'function') conn.destroy();
        else conn.release();
      }
    },
    // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, a lost connection, a server shutting down or restarting
    retryable: isTransientStoreError,
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
  /**
   * Prefix of the store's table names (default `kcp_payplus_`), for a database the store shares: lower-case letters,
   * digits and `_`. (A schema is a database on MariaDB/MySQL: name it in the connection.)
   */
  tablePrefix?: string;
  /**
   * Connections of the pool the store makes from `connection` (default 10; not with `pool`). With commitInStore each
   * payment holds one from its commit's first query to its end: size it to the payments one process runs at once.
   */
  poolSize?: number;
}

export class MysqlStore extends SqlPaymentStore {
  private constructor(driver: SqlDriver, names: StoreNames) {
    super(driver, names);
  }

  /**
   * Connects (creating the tables on first use, unless they are there at the current version: then the user needs no
   * CREATE). `mysql2` must be installed: npm install mysql2.
   */
  static async open(options: MysqlStoreOptions): Promise<MysqlStore> {
    // A schema option (a JavaScript caller's) is refused by name: on MariaDB the database is the schema.
    const names: StoreNames = { schema: (options as { schema?: string }).schema, tablePrefix: options.tablePrefix };
    storeTables('mysql', names); // a wrong name is refused before anything connects
    const poolSize = poolSizeOf(options); // so is a wrong pool size
    let pool = options.pool;
    if (!pool) {
      const mysql = await importPeer(() => import('mysql2/promise'), 'mysql2', 'MysqlStore');
      const config = typeof options.connection === 'string' ? { uri: options.connection } : options.connection ?? {};
      pool = mysql.default.createPool({ connectionLimit: poolSize, ...config });
    }
    return readyStore(new MysqlStore(mysqlDriver(pool, options.pool === undefined), names));
  }
}
