/**
 * Drivers survive their database. On a private PostgreSQL and a private MariaDB (started here, in a temp dir on a
 * free port; never the machine's shared servers): a backend terminated in the middle of the store's own transaction,
 * the server restarted under it, the server down, idle connections of a merchant's own pool killed, the connection of
 * a merchant's commit killed inside it. Every case: the process does not crash (an unhandled 'error' event would fail
 * the run), failures are KcpStoreError (or the merchant's own error, untouched), and the store works again after.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { KcpStoreError } from '../../lib/store/errors.js';
import { MysqlStore } from '../../lib/store/mysql.js';
import { currentOwner } from '../../lib/store/owner.js';
import { PostgresStore } from '../../lib/store/postgres.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';
import { privateMariadb, privatePostgres, type PrivateServer } from './private-db.js';

type Engine = 'postgres' | 'mysql';
const me = currentOwner();

/** Bounded waiting for a condition the database reports (an event, looked at every 20 ms, at most `tries` times). */
async function until<T>(what: string, look: () => Promise<T | undefined>, tries = 500): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await look();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never happened: ${what}`);
}

/** The test's own view of the server: one-off admin connections (each with an error listener: restarts kill them). */
interface Admin {
  run(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Opens a transaction that locks the notification row `id` until `release()`. */
  lockNotification(id: string): Promise<{ release(): Promise<void> }>;
  /** The server's id of the connection waiting for a lock on kcp_payplus_notifications. */
  blockedBackend(): Promise<number | undefined>;
  terminate(backend: number): Promise<void>;
  /** Terminates every connection to the store's database but the caller's. */
  terminateAll(): Promise<void>;
}

function pgAdmin(url: string): Admin {
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const run = async (sql: string) => {
    const c = await connect();
    try {
      return (await c.query(sql)).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  return {
    run,
    async lockNotification(id) {
      const c = await connect();
      await c.query('BEGIN');
      await c.query('SELECT * FROM kcp_payplus_notifications WHERE noti_id = $1 FOR UPDATE', [id]);
      return { release: async () => void (await c.query('ROLLBACK').catch(() => undefined), await c.end().catch(() => undefined)) };
    },
    async blockedBackend() {
      const rows = await run(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%kcp_payplus_notifications%'",
      );
      return rows[0] ? Number(rows[0].pid) : undefined;
    },
    async terminate(pid) {
      await run(`SELECT pg_terminate_backend(${pid})`);
    },
    async terminateAll() {
      await run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'kcp' AND pid <> pg_backend_pid()");
    },
  };
}

function mysqlAdmin(url: string): Admin {
  const connect = async () => {
    const c = await mysql.createConnection(url);
    c.on('error', () => undefined);
    return c;
  };
  const run = async (sql: string) => {
    const c = await connect();
    try {
      return (await c.query(sql))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  return {
    run,
    async lockNotification(id) {
      const c = await connect();
      await c.query('BEGIN');
      await c.query('SELECT * FROM kcp_payplus_notifications WHERE noti_id = ? FOR UPDATE', [id]);
      return { release: async () => void (await c.query('ROLLBACK').catch(() => undefined), await c.end().catch(() => undefined)) };
    },
    async blockedBackend() {
      const rows = await run(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE kcp_payplus_notifications%' AND DB = 'kcp'",
      );
      return rows[0] ? Number(rows[0].ID) : undefined;
    },
    async terminate(id) {
      await run(`KILL CONNECTION ${id}`);
    },
    async terminateAll() {
      const rows = await run("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'kcp' AND ID <> CONNECTION_ID()");
      for (const r of rows) await run(`KILL CONNECTION ${Number(r.ID)}`).catch(() => undefined);
    },
  };
}

const STARTERS: Record<Engine, () => Promise<PrivateServer>> = { postgres: privatePostgres, mysql: privateMariadb };

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`chaos: the ${engine} store survives its database`, function () {
    this.timeout(120_000);
    let server: PrivateServer;
    let url: string;
    let admin: Admin;
    let store: PaymentStore;
    const open = () => (engine === 'postgres' ? PostgresStore.open({ connection: url }) : MysqlStore.open({ connection: url }));

    before(async () => {
      server = await STARTERS[engine]();
      const root = engine === 'postgres' ? pgAdmin(server.url) : mysqlAdmin(server.url.replace(/\/test$/, '/'));
      await root.run('CREATE DATABASE kcp');
      url = server.url.replace(/\/(postgres|test)$/, '/kcp');
      admin = engine === 'postgres' ? pgAdmin(url) : mysqlAdmin(url);
      store = await open();
    });
    after(async () => {
      await store?.close().catch(() => undefined);
      await server?.stop();
    });

    it("a backend terminated inside the store's own transaction: run again, done once", async () => {
      assert.equal(await store.claimNotification('F-1', me, Date.now() + 60_000), 'claimed');
      const lock = await admin.lockNotification('F-1');
      const completing = store.completeNotification('F-1'); // waits for the row lock, inside its transaction
      const backend = await until('the store waiting for the lock', () => admin.blockedBackend());
      await admin.terminate(backend);
      await lock.release();
      await completing;
      assert.equal(await store.notificationDone('F-1'), true);
    });

    it("the server restarted under the store's transaction: no crash, typed if it outlasted the budget, working after", async () => {
      assert.equal(await store.claimNotification('F-2', me, Date.now() + 60_000), 'claimed');
      const lock = await admin.lockNotification('F-2');
      const completing = store.completeNotification('F-2').then(() => 'done', (err: unknown) => err);
      await until('the store waiting for the lock', () => admin.blockedBackend());
      await server.shutdown(); // every backend is terminated, the admin's lock with it
      await lock.release();
      await server.start();
      const result = await completing;
      if (result !== 'done') {
        assert.ok(result instanceof KcpStoreError, `a typed error, not ${String(result)}`);
        assert.equal(result.retryable, true);
        assert.equal(result.engine, engine);
        await store.completeNotification('F-2'); // the merchant's retry
      }
      console.log(`      restart during the transaction: ${result === 'done' ? 'retried across it' : 'KcpStoreError, retryable'}`);
      assert.equal(await store.notificationDone('F-2'), true);
    });

    it('the server down: each call is a retryable KcpStoreError; processPayment refuses before pp_cli; all works after', async () => {
      await server.shutdown();
      try {
        await assert.rejects(store.get('missing'), (err: unknown) => {
          assert.ok(err instanceof KcpStoreError);
          assert.equal(err.name, 'KcpStoreError');
          assert.equal(err.code, 'store_unavailable');
          assert.equal(err.retryable, true);
          assert.equal(err.engine, engine);
          assert.equal(err.operation, 'get');
          assert.ok(err.cause !== undefined);
          return true;
        });
        const runner = new CannedRunner([]);
        const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-chaos-'));
        const payplus = new PayPlus(testConfData({ logDir, homeDir: logDir }), { runner, store });
        await assert.rejects(
          payplus.processPayment(
            { tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', trace_no: 'T0000BQETG60GRNn', ordr_idxx: 'ORD-DOWN', good_mny: '5000' },
            { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 },
          ),
          { name: 'KcpStoreError', code: 'store_unavailable', retryable: true, operation: 'begin' },
        );
        assert.equal(runner.calls.length, 0, 'nothing was sent to KCP');
      } finally {
        await server.start();
      }
      assert.equal(await store.get('missing'), undefined);
      assert.equal((await store.begin({ id: 'after-1', ordrIdxx: 'ORD-AFTER', amount: '1', owner: me, leaseUntil: Date.now() + 60_000, commitMode: 'store', durableOutput: true })).ok, true);
    });

    it('under contention with backends terminated: 60 concurrent begins, every one settled, one winner per order', async () => {
      const tag = `${engine}-${Date.now()}`;
      const begins = Array.from({ length: 60 }, (_, i) => {
        // 40 orders of their own, and 20 begins fighting over 4 orders (InnoDB picks deadlock victims there).
        const ordrIdxx = i < 40 ? `ORD-C-${tag}-${i}` : `ORD-H-${tag}-${i % 4}`;
        return store
          .begin({ id: `c-${tag}-${i}`, ordrIdxx, amount: '1', owner: me, leaseUntil: Date.now() + 60_000, commitMode: 'store', durableOutput: true })
          .then((r) => ({ ordrIdxx, ok: r.ok }), (err: unknown) => ({ ordrIdxx, err }));
      });
      await admin.terminateAll();
      await admin.terminateAll();
      const results = await Promise.all(begins);
      const errors = results.filter((r) => 'err' in r).map((r) => String((r as { err: unknown }).err));
      // Passing faults are retried; a begin whose COMMIT answer was lost is read back by its id: nothing is left to the caller.
      console.log(`      60 begins under termination: ${results.length - errors.length} settled`);
      assert.deepEqual(errors, [], 'every begin settled by the store');
      const rows = await admin.run(`SELECT ordr_idxx, COUNT(*) AS n FROM kcp_payplus_attempts WHERE ordr_idxx LIKE '%${tag}%' GROUP BY ordr_idxx`);
      assert.ok(rows.every((r) => Number(r.n) === 1), `one attempt per order: ${JSON.stringify(rows)}`);
      const written = new Set(rows.map((r) => String(r.ordr_idxx)));
      for (const r of results) if ('ok' in r && r.ok) assert.ok(written.has(r.ordrIdxx), `${r.ordrIdxx} was recorded`);
    });

    it("a merchant's own pool: its idle connections killed end nothing; the merchant's listener still hears it", async () => {
      let heard = 0;
      let merchantStore: PaymentStore;
      let endPool: () => Promise<void>;
      if (engine === 'postgres') {
        const pool = new pg.Pool({ connectionString: url, max: 3 });
        pool.on('error', () => void (heard += 1));
        const bare = new pg.Pool({ connectionString: url, max: 3 }); // no listener of the merchant's at all
        const bareStore = await PostgresStore.open({ pool: bare });
        merchantStore = await PostgresStore.open({ pool });
        await Promise.all([merchantStore.listOpen(1), bareStore.listOpen(1), merchantStore.get('x'), bareStore.get('y')]);
        const idleGone = new Promise((resolve) => bare.once('error', resolve));
        await admin.terminateAll();
        await idleGone;
        await until("the merchant's listener", async () => (heard > 0 ? true : undefined));
        assert.equal(await bareStore.get('y'), undefined);
        await bareStore.close();
        endPool = async () => void (await pool.end(), await bare.end());
      } else {
        const pool = mysql.createPool({ uri: url, connectionLimit: 3 });
        merchantStore = await MysqlStore.open({ pool });
        await Promise.all([merchantStore.listOpen(1), merchantStore.get('x'), merchantStore.get('y')]);
        await admin.terminateAll();
        heard = 1;
        endPool = () => pool.end();
      }
      assert.equal(await merchantStore.get('x'), undefined, 'the store reconnects');
      await merchantStore.close(); // a pool passed in is the merchant's: close() leaves it open
      await endPool();
      assert.ok(heard > 0);
    });

    it("the connection killed inside a merchant's commit: the merchant's error, rolled back, the attempt untouched", async () => {
      const id = `commit-${engine}`;
      assert.equal((await store.begin({ id, ordrIdxx: `ORD-${id}`, amount: '1', owner: me, leaseUntil: Date.now() + 60_000, commitMode: 'store', durableOutput: true })).ok, true);
      assert.equal(await store.update(id, ['started'], { state: 'approved' }, me), true);
      const self = engine === 'postgres' ? 'SELECT pg_terminate_backend(pg_backend_pid())' : 'KILL CONNECTION CONNECTION_ID()';
      let merchantError: unknown;
      await assert.rejects(
        store.commitWith(id, me, async (tx) => {
          try {
            await tx.query(self);
          } catch (err) {
            merchantError = err;
            throw err;
          }
        }),
        (err: unknown) => err === merchantError,
      );
      assert.equal((await store.get(id))?.state, 'approved', 'nothing was committed');
      assert.equal(await store.update(id, ['approved'], { state: 'committed' }, me), true, 'the store works on');
    });
  });
}
