/**
 * commitInStore on PostgreSQL and MariaDB/MySQL: the store's transaction opens at the merchant commit's first
 * tx.query (or at its end, when it sends none), as SQLite's does (sqlite-commit-lock.test.ts), so a commit busy with
 * its own work holds no pooled connection and no lock on its attempt's row. From its first query to its end the row
 * is locked: recovery's claim (FOR UPDATE SKIP LOCKED) passes it by. The transaction re-checks that the attempt is
 * still this owner's approved one when it opens, and writes the merchant's rows and the committed mark together, or
 * neither. "Is the row locked?" is asked from another connection without waiting (FOR UPDATE NOWAIT): no clocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentOwner } from '../../lib/store/owner.js';
import { storeTables } from '../../lib/store/sql.js';
import type { NewAttempt, Owner, PaymentStore } from '../../lib/store/types.js';
import { freshDatabase, type FreshDatabase } from '../helpers/databases.js';

const me = currentOwner();
const rival: Owner = { ...me, start: `${me.start}-rival` };
let seq = 0;
const attempt = (ordrIdxx: string): NewAttempt => ({
  id: `srvlock-${process.pid}-${++seq}`,
  ordrIdxx,
  amount: '1000',
  owner: me,
  leaseUntil: Date.now() + 60_000,
  commitMode: 'store',
  durableOutput: true,
});

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`${engine} commitInStore: no connection and no row lock while the merchant works`, function () {
    this.timeout(60_000);
    let db: FreshDatabase;
    let store: PaymentStore;
    const attempts = storeTables(engine, {}).attempts;

    /** Whether another connection could lock the attempt's row right now, without waiting. */
    const rowFree = async (id: string): Promise<boolean> => {
      try {
        await db.query(`SELECT id FROM ${attempts} WHERE id = '${id}' FOR UPDATE NOWAIT`);
        return true;
      } catch (err) {
        // PostgreSQL: 55P03 lock_not_available; MariaDB/MySQL: a lock wait error (1205 / 3572).
        assert.match(String((err as { code?: unknown }).code), /^(55P03|ER_LOCK_WAIT_TIMEOUT|ER_LOCK_NOWAIT)$/);
        return false;
      }
    };

    const approved = async (ordr: string): Promise<NewAttempt> => {
      const a = attempt(ordr);
      assert.equal((await store.begin(a)).ok, true);
      assert.equal(await store.update(a.id, ['started'], { state: 'approved', tno: '20261203000001' }, me), true);
      return a;
    };

    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-srv-lock-')));
      store = await db.open();
      await store.listOpen(1);
      await db.exec('CREATE TABLE shop_orders (id VARCHAR(40) PRIMARY KEY)');
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('locks nothing before its first query; locks its row from there to its end; row and mark land together', async () => {
      const a = await approved('SRV-1');
      const working = gate();
      const queried = gate();
      const finish = gate();
      const committing = store.commitWith(a.id, me, async (tx) => {
        working.open();
        await queried.wait;
        await tx.query(`INSERT INTO shop_orders (id) VALUES (${engine === 'postgres' ? '$1' : '?'})`, ['SRV-1']);
        finish.open();
        await finish.wait;
        return 'done';
      });
      await working.wait;
      assert.equal(await rowFree(a.id), true, 'the merchant is still at its own work: its attempt is not locked');
      assert.equal(await store.claim(a.id, me, me, Date.now() + 60_000), true, 'the lease is renewed meanwhile');
      queried.open();
      await finish.wait;
      assert.equal(await rowFree(a.id), false, 'from its first query the commit holds its attempt');
      assert.equal(await store.claim(a.id, me, rival, Date.now() + 60_000), false, 'recovery passes a committing attempt by');
      assert.equal(await committing, 'done');
      assert.equal(await rowFree(a.id), true);
      assert.equal((await store.get(a.id))?.state, 'committed');
      assert.deepEqual((await db.query(`SELECT id FROM shop_orders WHERE id = 'SRV-1'`)).map((r) => r.id), ['SRV-1']);
    });

    it('a commit whose attempt was taken over while it worked writes nothing and is not marked', async () => {
      const a = await approved('SRV-3');
      const working = gate();
      const resume = gate();
      const committing = store.commitWith(a.id, me, async (tx) => {
        working.open();
        await resume.wait;
        await tx.query(`INSERT INTO shop_orders (id) VALUES (${engine === 'postgres' ? '$1' : '?'})`, ['SRV-3']);
      });
      await working.wait;
      assert.equal(await store.claim(a.id, me, rival, Date.now() + 60_000), true, 'recovery takes it over meanwhile');
      resume.open();
      await assert.rejects(committing, /no longer this process's approved attempt/);
      const now = await store.get(a.id);
      assert.equal(now?.state, 'approved');
      assert.deepEqual(now?.owner, rival);
      assert.deepEqual(await db.query(`SELECT id FROM shop_orders WHERE id = 'SRV-3'`), []);
    });

    it('a commit that sends no SQL is marked; one that throws before or after its SQL leaves nothing; a lost attempt never runs it', async () => {
      const a = await approved('SRV-4');
      assert.equal(await store.commitWith(a.id, me, async () => 7), 7);
      assert.equal((await store.get(a.id))?.state, 'committed');

      const b = await approved('SRV-5');
      const mine = new Error('out of stock');
      await assert.rejects(store.commitWith(b.id, me, async () => { throw mine; }), (err) => err === mine);
      await assert.rejects(
        store.commitWith(b.id, me, async (tx) => {
          await tx.query(`INSERT INTO shop_orders (id) VALUES (${engine === 'postgres' ? '$1' : '?'})`, ['SRV-5']);
          throw mine;
        }),
        (err) => err === mine,
      );
      assert.equal((await store.get(b.id))?.state, 'approved');
      assert.deepEqual(await db.query(`SELECT id FROM shop_orders WHERE id = 'SRV-5'`), [], 'rolled back');
      assert.equal(await rowFree(b.id), true, 'nothing left locked');

      let ran = 0;
      await assert.rejects(store.commitWith(b.id, rival, async () => { ran++; }), /no longer this process's approved attempt \(approved\)/);
      assert.equal(ran, 0);
    });
  });
}
