/**
 * The commit fence's SQL on every engine (README "The commit fence"): the statements fenceStatements() gives, run the
 * way the README tells a merchant to — the commit's insert inside its order transaction, the fence hook's statements
 * each on their own — on a fresh database per engine. A fenced attempt's commit fails on the primary key; a fence that
 * meets a commit in flight waits for it and answers by how it ended.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import Database from 'better-sqlite3';
import { fenceStatements, sqlFence, type FenceDialect } from '../../lib/payplus/fence.js';
import { ENGINES, freshDatabase, type FreshDatabase } from '../helpers/databases.js';

/** One connection that can hold a transaction open, and a pool-like runner for the fence hook, per engine. */
interface Conn {
  run(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

async function connect(db: FreshDatabase): Promise<Conn> {
  if (db.engine === 'postgres') {
    const c = new pg.Client({ connectionString: db.location });
    c.on('error', () => undefined);
    await c.connect();
    return { run: async (sql, p) => (await c.query(sql, p)).rows as Array<Record<string, unknown>>, close: () => c.end() };
  }
  if (db.engine === 'mysql') {
    const c = await mysql.createConnection(db.location);
    return { run: async (sql, p) => ((await c.query(sql, p))[0] as unknown as Array<Record<string, unknown>>) ?? [], close: () => c.end() };
  }
  const c = new Database(db.location);
  c.pragma('busy_timeout = 10000');
  return {
    run: async (sql, p = []) => {
      const stmt = c.prepare(sql);
      if (stmt.reader) return stmt.all(...p) as Array<Record<string, unknown>>;
      stmt.run(...p);
      return [];
    },
    close: async () => void c.close(),
  };
}

const DUPLICATE = /duplicate key|Duplicate entry|UNIQUE constraint failed/;

for (const engine of ENGINES) {
  describe(`the commit fence's SQL on ${engine}`, function () {
    this.timeout(60_000);
    let db: FreshDatabase;
    let worker: Conn;
    let recovery: Conn;
    const dialect = engine as FenceDialect;
    const sql = fenceStatements(dialect);
    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-fence-sql-')));
      worker = await connect(db);
      recovery = await connect(db);
      await worker.run(sql.create);
      await worker.run(sql.create); // idempotent
    });
    after(async () => {
      await worker?.close();
      await recovery?.close();
      await db?.drop();
    });

    it('a fenced attempt: the fence answers abandoned (twice alike), and the late commit fails on the primary key', async () => {
      const fence = sqlFence(dialect, (s, p) => recovery.run(s, p));
      assert.equal(await fence({ id: 'a-1', ordrIdxx: 'O-1' }), 'abandoned');
      assert.equal(await fence({ id: 'a-1', ordrIdxx: 'O-1' }), 'abandoned');
      await worker.run('BEGIN');
      await assert.rejects(worker.run(sql.commit, ['a-1', Date.now()]), DUPLICATE);
      await worker.run('ROLLBACK');
    });

    it('a committed attempt: the fence answers committed', async () => {
      await worker.run('BEGIN');
      await worker.run(sql.commit, ['a-2', Date.now()]);
      await worker.run('COMMIT');
      assert.equal(await sqlFence(dialect, (s, p) => recovery.run(s, p))({ id: 'a-2', ordrIdxx: 'O-2' }), 'committed');
    });

    if (engine !== 'sqlite') {
      it('a fence that meets a commit in flight waits for it: committed when it commits, abandoned when it rolls back', async () => {
        for (const [id, end, expected] of [['a-3', 'COMMIT', 'committed'], ['a-4', 'ROLLBACK', 'abandoned']] as const) {
          await worker.run('BEGIN');
          await worker.run(sql.commit, [id, Date.now()]);
          const fencing = Promise.resolve(sqlFence(dialect, (s, p) => recovery.run(s, p))({ id, ordrIdxx: 'O' }));
          let settled = false;
          void fencing.then(() => (settled = true), () => (settled = true));
          // The fence's insert meets the uncommitted row and waits on it (checked once the database has seen it).
          for (let i = 0; i < 50 && !settled; i++) await new Promise((r) => setTimeout(r, 10));
          assert.equal(settled, false, `the fence of ${id} must wait for the commit in flight`);
          await worker.run(end);
          assert.equal(await fencing, expected);
        }
      });
    }
  });
}
