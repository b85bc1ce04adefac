/**
 * The notification inbox on the payment store, per engine: with handleInStore the handler's writes and the noti_id's
 * completion commit together or not at all; a claim lost to another process runs nothing; outside the store's
 * transaction the claim is renewed while the handler runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotificationInbox, PaymentStoreNotifications, parseNotification, type KcpNotification } from '../../lib/notify/index.js';
import { currentOwner } from '../../lib/store/owner.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { ENGINES, freshDatabase, type FreshDatabase } from '../helpers/databases.js';

function deposit(notiId: string): KcpNotification {
  const body = new URLSearchParams({
    site_cd: 'T0000', tno: '20120101999999', order_no: 'ORD-1', tx_cd: 'TX00', tx_tm: '20120101000000',
    ipgm_mnyx: '1004', op_cd: '50', noti_id: notiId,
  }).toString();
  return parseNotification(body, { remoteIp: '203.238.36.58', env: 'TEST' });
}

for (const engine of ENGINES) {
  describe(`notifications on the payment store: ${engine}`, function () {
    this.timeout(30_000);
    let db: FreshDatabase;
    let store: PaymentStore;
    const me = currentOwner();
    const ph = (n: number) => (engine === 'postgres' ? `$${n}` : '?');
    const effects = async (id: string) =>
      Number((await db.query(`SELECT COUNT(*) AS n FROM shop_deposits WHERE noti_id = '${id}'`))[0]!.n);

    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-noti-')));
      store = await db.open();
      await store.listOpen(1);
      await db.exec('CREATE TABLE shop_deposits (noti_id VARCHAR(100) NOT NULL, amount INTEGER NOT NULL)');
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('handleInStore: the handler writes through tx and the completion commits with it; a re-send is a duplicate', async () => {
      const inbox = new NotificationInbox({ store: new PaymentStoreNotifications(store), handleInStore: true });
      const handler = async (n: KcpNotification, tx?: { query: (sql: string, p?: readonly unknown[]) => Promise<unknown> }) => {
        assert.ok(tx, 'the handler gets the transaction');
        await tx.query(`INSERT INTO shop_deposits (noti_id, amount) VALUES (${ph(1)}, ${ph(2)})`, [n.id, 1004]);
      };
      assert.equal((await inbox.handle(deposit('I-1'), handler)).status, 'processed');
      assert.equal((await inbox.handle(deposit('I-1'), handler)).status, 'duplicate');
      assert.equal(await effects('I-1'), 1);
      assert.equal(await store.notificationDone('I-1'), true);
    });

    it('handleInStore: a handler that fails after writing leaves neither its write nor the completion; the re-send runs once', async () => {
      const inbox = new NotificationInbox({ store: new PaymentStoreNotifications(store), handleInStore: true });
      const failure = new Error('merchant bug');
      const first = await inbox.handle(deposit('I-2'), async (n, tx) => {
        await tx!.query(`INSERT INTO shop_deposits (noti_id, amount) VALUES (${ph(1)}, ${ph(2)})`, [n.id, 1004]);
        throw failure;
      });
      assert.equal(first.status, 'failed');
      assert.equal(first.error, failure, "the merchant's own error, untouched");
      assert.equal(await effects('I-2'), 0);
      assert.equal(await store.notificationDone('I-2'), false);
      const second = await inbox.handle(deposit('I-2'), async (n, tx) => {
        await tx!.query(`INSERT INTO shop_deposits (noti_id, amount) VALUES (${ph(1)}, ${ph(2)})`, [n.id, 1004]);
      });
      assert.equal(second.status, 'processed');
      assert.equal(await effects('I-2'), 1);
    });

    it('completeNotificationWith runs nothing when the claim is not this process\'s', async () => {
      const other = { host: 'another-host', pid: 4242, start: 'x' };
      assert.equal(await store.claimNotification('I-3', other, Date.now() + 60_000), 'claimed');
      let ran = false;
      await assert.rejects(
        store.completeNotificationWith!('I-3', currentOwner(), async () => void (ran = true)),
        { name: 'KcpStoreError', operation: 'completeNotificationWith', message: /no longer claimed by this process \(processing\)/ },
      );
      assert.equal(ran, false);
      assert.equal(await store.notificationDone('I-3'), false);
    });

    it('outside the store: the claim is renewed while a slow handler runs', async () => {
      const inbox = new NotificationInbox({ store: new PaymentStoreNotifications(store, 300) });
      const lease = async () => Number((await db.query("SELECT lease_until FROM kcp_payplus_notifications WHERE noti_id = 'I-4'"))[0]?.lease_until ?? 0);
      let first = 0;
      const done = inbox.handle(deposit('I-4'), async () => {
        first = await lease();
        // Waits for the renewal itself (bounded), not for a fixed time.
        for (let i = 0; i < 200 && (await lease()) <= first; i++) await new Promise((r) => setTimeout(r, 25));
      });
      assert.equal((await done).status, 'processed');
      assert.ok(first > 0);
      assert.equal(await store.notificationDone('I-4'), true);
      assert.equal(await store.renewNotification!('I-4', currentOwner(), Date.now() + 1000), false, 'a done id is not renewed');
    });

    it('a claim held on another host is taken over when its lease runs out, never while its holder renews it', async () => {
      // The holder is on another host, so this process can judge it by its lease alone.
      const holder = { host: 'another-host', pid: 4242, start: 'x' };
      const lease = () => Date.now() + 1000;
      assert.equal(await store.claimNotification('I-5', holder, lease()), 'claimed');
      // The holder renews every 100 ms while the handler runs (past its first lease); this process looks in between.
      const deadline = Number((await db.query("SELECT lease_until FROM kcp_payplus_notifications WHERE noti_id = 'I-5'"))[0]!.lease_until) + 500;
      let looks = 0;
      while (Date.now() < deadline || looks < 5) {
        assert.equal(await store.renewNotification!('I-5', holder, lease()), true);
        assert.equal(await store.claimNotification('I-5', me, Date.now() + 60_000), 'busy', 'renewed: not taken over');
        looks += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The holder stops renewing (it died): once its lease has run out, the next delivery takes the claim.
      const expired = Number((await db.query("SELECT lease_until FROM kcp_payplus_notifications WHERE noti_id = 'I-5'"))[0]!.lease_until);
      await new Promise((r) => setTimeout(r, Math.max(0, expired - Date.now() + 5)));
      assert.equal(await store.claimNotification('I-5', me, Date.now() + 60_000), 'claimed');
      assert.equal(await store.renewNotification!('I-5', holder, lease()), false, 'the old holder has lost it');
    });

    it('a store without transactions cannot be used with handleInStore: said at construction', () => {
      assert.throws(() => new NotificationInbox({ handleInStore: true }), /handleInStore needs a store that runs the handler in its transaction/);
    });
  });
}
