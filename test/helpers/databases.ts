/**
 * Real database engines for the store tests: a fresh database per test file on the machine's PostgreSQL and MariaDB
 * (every development and CI machine of this project runs both; README "Tests: the databases they need" says how to
 * start them). An unreachable engine is a failure that says how to start it, under CI=true and elsewhere alike.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MysqlStore } from '../../lib/store/mysql.js';
import { PostgresStore } from '../../lib/store/postgres.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import type { PaymentStore } from '../../lib/store/types.js';

export const PG_URL = process.env.KCP_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = process.env.KCP_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test';

const FIX: Record<Engine, string> = {
  sqlite: 'npm ci builds better-sqlite3; run it again',
  postgres: `start PostgreSQL on 127.0.0.1:5432 with trust auth (pg_ctlcluster <version> main start), or set KCP_TEST_POSTGRES`,
  mysql: `start MariaDB on 127.0.0.1:3306 with root and an empty password (start-stop-daemon --start --background --exec /usr/sbin/mariadbd), or set KCP_TEST_MYSQL`,
};

export type Engine = 'sqlite' | 'postgres' | 'mysql';
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres', 'mysql'];

/** A new, empty database: its store location (for openStore and child processes) and how to drop it. */
export interface FreshDatabase {
  engine: Engine;
  location: string;
  open(): Promise<PaymentStore>;
  /** Runs SQL on the database directly (the test's own view of the merchant's tables). */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Runs a statement that changes something (creates the merchant's table, say). */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database server of the test's own (test/chaos/private-db.ts): where fresh databases go instead of the shared one. */
export interface DatabaseServer {
  /** A connection URL on it (its database part is replaced by the fresh database's name). */
  readonly url: string;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** A fresh database of `engine` on the machine's shared server, or on `server` when given (PostgreSQL, MariaDB). */
export async function freshDatabase(engine: Engine, dir: string, server?: DatabaseServer): Promise<FreshDatabase> {
  const name = `kcp_t_${randomBytes(5).toString('hex')}`;
  const pgUrl = server?.url ?? PG_URL;
  // The admin connection names no database: a private MariaDB has no `test` database.
  const mysqlUrl = server ? withDatabase(server.url, '') : MYSQL_URL;
  try {
    if (engine === 'sqlite') {
      const location = `${dir}/payplus.sqlite`;
      const Database = (await import('better-sqlite3')).default;
      return {
        engine, location,
        open: async () => new SqliteStore(location),
        query: async (sql) => {
          const db = new Database(location, { readonly: true });
          try {
            return db.prepare(sql).all() as Array<Record<string, unknown>>;
          } finally {
            db.close();
          }
        },
        exec: async (sql) => {
          const db = new Database(location);
          try {
            db.pragma('busy_timeout = 10000');
            db.exec(sql);
          } finally {
            db.close();
          }
        },
        drop: async () => undefined,
      };
    }
    if (engine === 'postgres') {
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const location = withDatabase(pgUrl, name);
      const pool = new pg.Pool({ connectionString: location, max: 2 });
      pool.on('error', () => undefined);
      return {
        engine, location,
        open: () => PostgresStore.open({ connection: location }),
        query: async (sql) => (await pool.query(sql)).rows as Array<Record<string, unknown>>,
        exec: async (sql) => void (await pool.query(sql)),
        drop: async () => {
          await pool.end();
          const c = new pg.Client({ connectionString: pgUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    }
    const admin = await mysql.createConnection(mysqlUrl);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const location = withDatabase(mysqlUrl, name);
    const pool = mysql.createPool({ uri: location, connectionLimit: 2 });
    return {
      engine, location,
      open: () => MysqlStore.open({ connection: location }),
      query: async (sql) => (await pool.query(sql))[0] as Array<Record<string, unknown>>,
      exec: async (sql) => void (await pool.query(sql)),
      drop: async () => {
        await pool.end();
        const c = await mysql.createConnection(mysqlUrl);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.end();
      },
    };
  } catch (err) {
    const fix = server ? "the test's own server (test/chaos/private-db.ts) did not take it; read its error above" : FIX[engine];
    throw new Error(`the ${engine} test database is not reachable (${String((err as Error).message ?? err)}). Fix: ${fix}`);
  }
}
