/**
 * The SQLite driver over better-sqlite3 (synchronous). WAL mode and BEGIN IMMEDIATE make the file safe for several
 * processes on one host; busy_timeout makes a writer wait for another instead of failing. Calls are serialised
 * through one queue, so an open transaction never sees another caller's statements. It runs inside the store's worker
 * thread (sqlite.ts), where its synchronous calls and fsyncs never touch the event loop.
 */
import Database from 'better-sqlite3';
import type { Query, QueryResult, SqlDriver } from './sql.js';

/** A FIFO of async sections: each runs after the one before it has finished. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  const db = new Database(file, options);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  return db;
}

export function sqliteDriver(db: Database.Database): SqlDriver {
  const statements = new Map<string, Database.Statement>();
  const run: Query = async (sql, params = []) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (statements.size < 200) statements.set(sql, stmt);
    }
    if (stmt.reader) return { rows: stmt.all(...(params as unknown[])) as QueryResult['rows'], changes: 0 };
    return { rows: [], changes: stmt.run(...(params as unknown[])).changes };
  };
  const serial = new Serial();
  return {
    dialect: 'sqlite',
    query: (sql, params) => serial.run(() => run(sql, params)),
    transaction: (fn) =>
      serial.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const value = await fn(run, run);
          db.exec('COMMIT');
          return value;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    // A writer waits for the lock (busy_timeout) instead of being picked as a victim.
    retryable: () => false,
    close: async () => {
      await serial.run(async () => db.close());
    },
  };
}
