/**
 * commitInStore and locks (issue 17 item 9), on every engine: the store's transaction opens at the merchant commit's
 * first tx.query (or at its end, when it sends none), not when the commit starts. So a commit busy with its own work
 * holds nothing: on SQLite not the file's one write lock (other processes and this one write meanwhile), on
 * PostgreSQL and MariaDB/MySQL no pooled connection and no lock on its attempt's row. From its first query to its end
 * it holds them (the documented bound); there, recovery's claim (FOR UPDATE SKIP LOCKED) passes the attempt by. The
 * transaction re-checks that the attempt is still this owner's approved one when it opens, and writes the merchant's
 * rows and the committed mark together, or neither. "Is it held?" is asked from another connection without waiting
 * (SQLite: BEGIN IMMEDIATE with busy_timeout 0; the servers: SELECT … FOR UPDATE NOWAIT): no clocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { currentOwner } from '../../lib/store/owner.js';
import { storeTables } from '../../lib/store/sql.js';
import type { NewAttempt, Owner, PaymentStore } from '../../lib/store/types.js';
import { ENGINES, freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import { attemptMaker } from '../helpers/attempts.js';

const me = currentOwner();
const rival: Owner = { ...me, start: `${me.start}-rival` };
const attempt = attemptMaker(`lock-${process.pid}`);

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

for (const engine of ENGINES) {
  describe(`${engine} commitInStore: nothing held while the merchant works`, function () {
    this.timeout(60_000);
    let db: FreshDatabase;
    let store: PaymentStore;
    let sqlite: Database.Database | undefined;
    const attempts = storeTables(engine, {}).attempts;
    const insert = `INSERT INTO shop_orders (id) VALUES (${engine === 'postgres' ? '$1' : '?'})`;

    /** Whether another connection could take what a committing attempt holds, right now, without waiting. */
    const free = async (id: string): Promise<boolean> => {
      try {
        if (sqlite) {
          sqlite.exec('BEGIN IMMEDIATE');
          sqlite.exec('ROLLBACK');
        } else {
          await db.query(`SELECT id FROM ${attempts} WHERE id = '${id}' FOR UPDATE NOWAIT`);
        }
        return true;
      } catch (err) {
        // SQLite: SQLITE_BUSY; PostgreSQL: 55P03 lock_not_available; MariaDB/MySQL: a lock wait error.
        assert.match(String((err as { code?: unknown }).code), /^(SQLITE_BUSY|55P03|ER_LOCK_WAIT_TIMEOUT|ER_LOCK_NOWAIT)$/);
        return false;
      }
    };
    const orderRows = async (id: string) => (await db.query(`SELECT id FROM shop_orders WHERE id = '${id}'`)).map((r) => r.id);

    const approved = async (ordr: string): Promise<NewAttempt> => {
      const a = attempt(ordr);
      assert.equal((await store.begin(a)).ok, true);
      assert.equal(await store.update(a.id, ['started'], { state: 'approved', tno: '20261203000001' }, me), true);
      return a;
    };

    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-commit-lock-')));
      store = await db.open();
      await store.listOpen(1);
      await db.exec('CREATE TABLE shop_orders (id VARCHAR(40) PRIMARY KEY)');
      if (engine === 'sqlite') {
        sqlite = new Database(db.location);
        sqlite.pragma('busy_timeout = 0');
      }
    });
    after(async () => {
      sqlite?.close();
      await store?.close();
      await db?.drop();
    });

    it('holds nothing before its first query; holds it from there to its end; row and mark land together', async () => {
      const a = await approved('LOCK-1');
      const working = gate();
      const queried = gate();
      const inserted = gate();
      const finish = gate();
      const committing = store.commitWith(a.id, me, async (tx) => {
        working.open();
        await queried.wait;
        await tx.query(insert, ['LOCK-1']);
        inserted.open();
        await finish.wait; // held until the test has looked
        return 'done';
      });
      await working.wait;
      assert.equal(await free(a.id), true, 'the merchant is still at its own work: nothing is held');
      assert.equal((await store.begin(attempt('LOCK-2'))).ok, true, 'this process writes meanwhile too');
      queried.open();
      await inserted.wait;
      assert.equal(await free(a.id), false, 'from its first query the commit holds it');
      if (!sqlite) assert.equal(await store.claim(a.id, me, rival, Date.now() + 60_000), false, 'recovery passes a committing attempt by');
      finish.open();
      assert.equal(await committing, 'done');
      assert.equal(await free(a.id), true);
      assert.equal((await store.get(a.id))?.state, 'committed');
      assert.deepEqual(await orderRows('LOCK-1'), ['LOCK-1']);
    });

    it('a commit whose attempt was taken over while it worked writes nothing and is not marked', async () => {
      const a = await approved('LOCK-3');
      const working = gate();
      const resume = gate();
      const committing = store.commitWith(a.id, me, async (tx) => {
        working.open();
        await resume.wait;
        await tx.query(insert, ['LOCK-3']);
      });
      await working.wait;
      assert.equal(await store.claim(a.id, me, rival, Date.now() + 60_000), true, 'recovery takes it over meanwhile');
      resume.open();
      await assert.rejects(committing, /no longer this process's approved attempt/);
      const now = await store.get(a.id);
      assert.equal(now?.state, 'approved');
      assert.deepEqual(now?.owner, rival);
      assert.deepEqual(await orderRows('LOCK-3'), []);
    });

    it('a commit that sends no SQL is marked; one that throws before or after its SQL leaves nothing; a lost attempt never runs it', async () => {
      const a = await approved('LOCK-4');
      assert.equal(await store.commitWith(a.id, me, async () => 7), 7);
      assert.equal((await store.get(a.id))?.state, 'committed');

      const b = await approved('LOCK-5');
      const mine = new Error('out of stock');
      await assert.rejects(store.commitWith(b.id, me, async () => { throw mine; }), (err) => err === mine);
      await assert.rejects(
        store.commitWith(b.id, me, async (tx) => {
          await tx.query(insert, ['LOCK-5']);
          throw mine;
        }),
        (err) => err === mine,
      );
      assert.equal((await store.get(b.id))?.state, 'approved');
      assert.deepEqual(await orderRows('LOCK-5'), [], 'rolled back');
      assert.equal(await free(b.id), true, 'nothing left held');

      let ran = 0;
      await assert.rejects(store.commitWith(b.id, rival, async () => { ran++; }), /no longer this process's approved attempt \(approved\)/);
      assert.equal(ran, 0);
    });
  });
}
