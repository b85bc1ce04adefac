/**
 * The payment store contract, the same tests on every engine (SQLite through its worker thread, PostgreSQL, MariaDB):
 * the order id as a unique key, compare-and-set updates and claims, commits inside the store's transaction, the
 * archive, the notification inbox, and the schema's version. PostgreSQL runs it a second time in a named schema with a
 * table prefix, MariaDB with a table prefix (the names a DBA chooses: test/store/names.test.ts has the rest).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentOwner } from '../../lib/store/owner.js';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../lib/store/open.js';
import { SCHEMA_VERSION, storeTables, type StoreNames } from '../../lib/store/sql.js';
import type { NewAttempt, Owner, PaymentStore } from '../../lib/store/types.js';
import { ENGINES, freshDatabase, type Engine, type FreshDatabase } from '../helpers/databases.js';
import { attemptMaker } from '../helpers/attempts.js';

const me = currentOwner();
/** Another incarnation in this boot and PID namespace (start ticks 1): /proc can tell it is gone. */
const earlier = `${me.start.split(':').slice(0, 2).join(':')}:1`;
const other: Owner = { host: me.host, pid: 2 ** 22 + 11, start: earlier };
const attempt = attemptMaker(`att-${process.pid}`);

const unique = randomBytes(3).toString('hex');
const VARIANTS: Array<{ engine: Engine; names: StoreNames }> = [
  ...ENGINES.map((engine) => ({ engine, names: {} })),
  { engine: 'postgres', names: { schema: `payments_${unique}`, tablePrefix: 'shop1_' } },
  { engine: 'mysql', names: { tablePrefix: 'shop1_' } },
];

for (const { engine, names } of VARIANTS) {
  const named = Object.keys(names).length > 0;
  const t = storeTables(engine, names);
  describe(`payment store contract: ${engine}${named ? ` ${JSON.stringify(names)}` : ''}`, function () {
    this.timeout(30_000);
    let db: FreshDatabase;
    let store: PaymentStore;
    const ph = (n: number) => (engine === 'postgres' ? `$${n}` : '?');
    /** Opens the store as the application would: by location, the names as its query parameters. */
    const open = () => (named ? openStore(`${db.location}?${new URLSearchParams(names as Record<string, string>).toString()}`) : db.open());

    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-store-')));
      store = await open();
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('creates its tables on first use and records the schema version', async () => {
      assert.deepEqual(await store.listOpen(5), []);
      const rows = await db.query(`SELECT version FROM ${t.version}`);
      assert.deepEqual(rows.map((r) => Number(r.version)), [SCHEMA_VERSION]);
    });

    it('refuses a schema newer than this SDK, naming the fix', async () => {
      // The check runs when a process first opens the location (stores on one location share a connection).
      await store.close();
      await db.exec(`UPDATE ${t.version} SET version = 99`);
      try {
        let opened: PaymentStore | undefined;
        const newer = await open()
          .then(async (s) => {
            opened = s;
            await s.listOpen(1);
            return 'opened';
          })
          .catch((err: Error) => err.message);
        await opened?.close();
        assert.match(String(newer), /the payment store's schema is version 99, newer than this kcp-payplus \(1\); upgrade kcp-payplus on this server too/);
      } finally {
        await db.exec(`UPDATE ${t.version} SET version = ${SCHEMA_VERSION}`);
        store = await open();
      }
    });

    it('one open attempt per order: the second begin gets the holder, and nothing is written', async () => {
      const a = attempt('UNIQ-1');
      const first = await store.begin(a);
      assert.equal(first.ok, true);
      const second = await store.begin(attempt('UNIQ-1'));
      assert.equal(second.ok, false);
      assert.equal(!second.ok && second.blocking.id, a.id);
      assert.deepEqual((await store.listOpen(100)).filter((x) => x.ordrIdxx === 'UNIQ-1').map((x) => x.id), [a.id]);
    });

    it('twenty concurrent begins of one order: exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.begin(attempt('RACE-1'))));
      assert.equal(results.filter((r) => r.ok).length, 1);
    });

    it('declined and cancelled give the order id back; committed and kept keep it', async () => {
      for (const [state, free] of [['declined', true], ['cancelled', true], ['committed', false], ['kept', false]] as const) {
        const order = `REL-${state}`;
        const a = attempt(order);
        await store.begin(a);
        const path: Array<'approved' | 'cancelling'> = state === 'cancelled' ? ['approved', 'cancelling'] : state === 'declined' ? [] : ['approved'];
        let from: 'started' | 'approved' | 'cancelling' = 'started';
        for (const step of path) {
          assert.equal(await store.update(a.id, [from], { state: step, tno: '20261128000001' }, me), true);
          from = step;
        }
        assert.equal(await store.update(a.id, [from], { state }, me), true);
        assert.equal((await store.begin(attempt(order))).ok, free, state);
      }
    });

    it('update is a compare-and-set on state and owner', async () => {
      const a = attempt('CAS-1');
      await store.begin(a);
      assert.equal(await store.update(a.id, ['approved'], { state: 'committed' }, me), false, 'wrong state');
      assert.equal(await store.update(a.id, ['started'], { state: 'approved' }, other), false, 'wrong owner');
      assert.equal(await store.update(a.id, ['started'], { state: 'approved', tno: '20261128000002' }, me), true);
      const got = await store.get(a.id);
      assert.equal(got?.state, 'approved');
      assert.equal(got?.tno, '20261128000002');
    });

    it('claim takes an attempt over from its current owner only, once', async () => {
      const a = attempt('CLAIM-1', { owner: other });
      await store.begin(a);
      const rivals: Owner[] = [{ ...me, start: 'r1' }, { ...me, start: 'r2' }, { ...me, start: 'r3' }];
      const won = await Promise.all(rivals.map((r) => store.claim(a.id, other, r, Date.now() + 1000)));
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal(await store.claim(a.id, other, me, 1), false, 'the old owner no longer holds it');
    });

    it('commitWith writes the merchant row and the committed mark together, or neither', async () => {
      await db.exec('CREATE TABLE merchant_orders (id VARCHAR(40) PRIMARY KEY)');
      const ok = attempt('TXN-1');
      await store.begin(ok);
      await store.update(ok.id, ['started'], { state: 'approved', tno: '20261128000003' }, me);
      const value = await store.commitWith(ok.id, me, async (tx) => {
        await tx.query(`INSERT INTO merchant_orders (id) VALUES (${ph(1)})`, ['TXN-1']);
        return (await tx.query('SELECT id FROM merchant_orders')).length;
      });
      assert.equal(value, 1);
      assert.equal((await store.get(ok.id))?.state, 'committed');

      const bad = attempt('TXN-2');
      await store.begin(bad);
      await store.update(bad.id, ['started'], { state: 'approved', tno: '20261128000004' }, me);
      await assert.rejects(
        store.commitWith(bad.id, me, async (tx) => {
          await tx.query(`INSERT INTO merchant_orders (id) VALUES (${ph(1)})`, ['TXN-2']);
          throw new Error('the merchant said no');
        }),
        /the merchant said no/,
      );
      assert.equal((await store.get(bad.id))?.state, 'approved');
      assert.deepEqual((await db.query('SELECT id FROM merchant_orders ORDER BY id')).map((r) => r.id), ['TXN-1']);
      await assert.rejects(store.commitWith(bad.id, other, async () => 0), /no longer this process's approved attempt \(approved\)/);
    });

    it('archives settled attempts; their order ids stay taken and get() still finds them', async () => {
      const a = attempt('ARCH-1');
      await store.begin(a);
      await store.update(a.id, ['started'], { state: 'approved', tno: '20261128000005' }, me);
      await store.update(a.id, ['approved'], { state: 'committed' }, me);
      const open = attempt('ARCH-2');
      await store.begin(open);
      const moved = await store.archive(Date.now() + 1000);
      assert.ok(moved >= 1);
      assert.equal((await store.get(a.id))?.state, 'committed');
      assert.equal((await db.query(`SELECT count(*) AS n FROM ${t.attempts} WHERE id = '${a.id}'`)).map((r) => Number(r.n))[0], 0);
      const again = await store.begin(attempt('ARCH-1'));
      assert.equal(!again.ok && again.blocking.id, a.id);
      assert.ok((await store.listOpen(1000)).some((x) => x.id === open.id), 'open attempts are never archived');
    });

    it('notifications: claimed once, busy while held, done for good, taken over from a dead holder', async () => {
      assert.equal(await store.claimNotification('N-1', { ...me, start: earlier }, Date.now() + 60_000), 'claimed');
      assert.equal(await store.claimNotification('N-1', me, Date.now() + 60_000), 'claimed', 'an earlier incarnation of our pid is gone');
      assert.equal(await store.claimNotification('N-1', { ...me, start: 'x' }, Date.now() + 60_000), 'busy', 'we hold it and live');
      await store.completeNotification('N-1');
      assert.equal(await store.notificationDone('N-1'), true);
      assert.equal(await store.claimNotification('N-1', me, Date.now() + 60_000), 'done');

      assert.equal(await store.claimNotification('N-2', other, Date.now() + 60_000), 'claimed');
      assert.equal(await store.claimNotification('N-2', me, Date.now() + 60_000), 'claimed', 'the holder is dead');
      await store.releaseNotification('N-2', me);
      assert.equal(await store.notificationDone('N-2'), false);
      assert.equal(await store.claimNotification('N-2', { ...me, host: 'elsewhere' }, Date.now() + 60_000), 'claimed');
      assert.equal(await store.claimNotification('N-2', me, Date.now() + 60_000), 'busy', "another host's live lease");
    });
  });
}
