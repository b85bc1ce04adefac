import assert from 'node:assert/strict';
import { MemoryStore } from '../../lib/store/memory.js';
import { currentOwner } from '../../lib/store/owner.js';
import {
  MemoryNotificationStore,
  PaymentStoreNotifications,
  NotificationInbox,
  parseNotification,
  type KcpNotification,
  type NotificationStore,
} from '../../lib/notify/index.js';
import type { LogEvent } from '../../lib/log/types.js';

const OK = '<html><body><form><input type="hidden" name="result" value="0000"></form></body></html>';
const RETRY = '<html><body><form><input type="hidden" name="result" value="9999"></form></body></html>';

function deposit(notiId: string): KcpNotification {
  const body = new URLSearchParams({
    site_cd: 'T0000', tno: '20120101999999', order_no: 'ORD-1', tx_cd: 'TX00', tx_tm: '20120101000000',
    ipgm_mnyx: '1004', op_cd: '50', noti_id: notiId,
  }).toString();
  return parseNotification(body, { remoteIp: '203.238.36.58', env: 'TEST' });
}

/** A promise the test resolves by hand, to hold a handler in flight. */
/** `store`, telling when a claim was refused (another inbox holds the id): the waiting delivery is then seen waiting. */
function watchingRefusals(store: NotificationStore): { store: NotificationStore; refused: Promise<void> } {
  let seen!: () => void;
  const refused = new Promise<void>((r) => (seen = r));
  return {
    refused,
    store: {
      claim: async (id) => {
        const taken = await store.claim(id);
        if (!taken) seen();
        return taken;
      },
      complete: (id) => store.complete(id),
      release: (id) => store.release(id),
      isCompleted: (id) => store.isCompleted(id),
    },
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('NotificationInbox', () => {
  it('processes the same noti_id delivered 10 times once, answering 0000 each time', async () => {
    const inbox = new NotificationInbox();
    let calls = 0;
    const results = [];
    for (let i = 0; i < 10; i += 1) results.push(await inbox.handle(deposit('N-1'), () => void (calls += 1)));
    assert.equal(calls, 1);
    assert.deepEqual(results.map((r) => r.status), ['processed', ...Array(9).fill('duplicate')]);
    assert.ok(results.every((r) => r.answer === OK && r.resultCode === '0000'));
  });

  it('processes 10 concurrent deliveries of one noti_id once', async () => {
    const inbox = new NotificationInbox();
    const hold = gate();
    let calls = 0;
    const pending = Array.from({ length: 10 }, () =>
      inbox.handle(deposit('N-2'), async () => {
        calls += 1;
        await hold.promise;
      }),
    );
    hold.open();
    const results = await Promise.all(pending);
    assert.equal(calls, 1);
    assert.equal(results.filter((r) => r.status === 'processed').length, 1);
    assert.equal(results.filter((r) => r.status === 'duplicate').length, 9);
    assert.ok(results.every((r) => r.answer === OK));
  });

  it('answers 9999 when the handler fails, and processes the re-send', async () => {
    const inbox = new NotificationInbox();
    const failure = new Error('database down');
    const first = await inbox.handle(deposit('N-3'), async () => {
      throw failure;
    });
    assert.equal(first.status, 'failed');
    assert.equal(first.resultCode, '9999');
    assert.equal(first.answer, RETRY);
    assert.equal(first.error, failure);
    let calls = 0;
    const second = await inbox.handle(deposit('N-3'), () => void (calls += 1));
    assert.equal(second.status, 'processed');
    assert.equal(second.answer, OK);
    assert.equal(calls, 1);
  });

  it('gives concurrent duplicates of a failing delivery the same non-0000 answer', async () => {
    const inbox = new NotificationInbox();
    const hold = gate();
    let calls = 0;
    const pending = Array.from({ length: 3 }, () =>
      inbox.handle(deposit('N-4'), async () => {
        calls += 1;
        await hold.promise;
        throw new Error('nope');
      }),
    );
    hold.open();
    const results = await Promise.all(pending);
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.resultCode === '9999' && r.status === 'failed'));
  });

  it('answers 9999 (in_progress) when another inbox holds the claim past the wait', async () => {
    const store = new MemoryNotificationStore();
    const a = new NotificationInbox({ store });
    const b = new NotificationInbox({ store, waitMs: 30, pollMs: 10 });
    const hold = gate();
    const first = a.handle(deposit('N-5'), () => hold.promise);
    let calls = 0;
    const second = await b.handle(deposit('N-5'), () => void (calls += 1));
    assert.equal(second.status, 'in_progress');
    assert.equal(second.answer, RETRY);
    hold.open();
    assert.equal((await first).status, 'processed');
    assert.equal((await b.handle(deposit('N-5'), () => void (calls += 1))).status, 'duplicate');
    assert.equal(calls, 0);
  });

  it('waits for another inbox that holds the claim, and answers 0000 when it completes', async () => {
    const store = new MemoryNotificationStore();
    const a = new NotificationInbox({ store });
    const watched = watchingRefusals(store);
    const b = new NotificationInbox({ store: watched.store, waitMs: 10_000, pollMs: 5 });
    const hold = gate();
    const first = a.handle(deposit('N-6'), () => hold.promise);
    let calls = 0;
    const second = b.handle(deposit('N-6'), () => void (calls += 1));
    await watched.refused; // b found the id held by a, whose handler is still running
    hold.open();
    assert.deepEqual([(await first).status, (await second).status], ['processed', 'duplicate']);
    assert.equal((await second).answer, OK);
    assert.equal(calls, 0);
  });

  it('takes over when the other inbox fails: the waiting delivery runs the handler itself', async () => {
    const store = new MemoryNotificationStore();
    const a = new NotificationInbox({ store });
    const watched = watchingRefusals(store);
    const b = new NotificationInbox({ store: watched.store, waitMs: 10_000, pollMs: 5 });
    const hold = gate();
    const first = a.handle(deposit('N-7'), async () => {
      await hold.promise;
      throw new Error('db down');
    });
    let calls = 0;
    const second = b.handle(deposit('N-7'), () => void (calls += 1));
    await watched.refused;
    hold.open();
    assert.deepEqual([(await first).status, (await second).status], ['failed', 'processed']);
    assert.equal(calls, 1);
  });

  it('still answers 0000 when recording completion fails, and reports it', async () => {
    const storeError = new Error('disk full');
    const store: NotificationStore = {
      claim: async () => true,
      complete: async () => {
        throw storeError;
      },
      release: async () => undefined,
      isCompleted: async () => false,
    };
    const events: LogEvent[] = [];
    const inbox = new NotificationInbox({ store, logger: { log: (e) => events.push(e) } });
    const result = await inbox.handle(deposit('N-6'), () => undefined);
    assert.equal(result.status, 'processed');
    assert.equal(result.answer, OK);
    assert.equal(result.storeError, storeError);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event, 'notify.processed');
    assert.equal(events[0]!.level, 0);
    assert.deepEqual(events[0]!.fields, {
      txCd: 'TX00', tno: '20120101999999', noti_id: 'N-6', resultCode: '0000', storeError: 'disk full',
    });
  });

  it('answers 9999 when the store cannot claim', async () => {
    const store: NotificationStore = {
      claim: async () => {
        throw new Error('db unreachable');
      },
      complete: async () => undefined,
      release: async () => undefined,
      isCompleted: async () => false,
    };
    let calls = 0;
    const result = await new NotificationInbox({ store }).handle(deposit('N-7'), () => void (calls += 1));
    assert.equal(result.status, 'failed');
    assert.equal(result.answer, RETRY);
    assert.equal(calls, 0);
  });
});

describe('PaymentStoreNotifications (the inbox on the payment store)', () => {
  it('claims once, completes for good, and gives a released claim to the next delivery', async () => {
    const store = new PaymentStoreNotifications(new MemoryStore());
    assert.equal(await store.claim('P-1'), true);
    assert.equal(await store.claim('P-1'), false, 'held by this live process');
    await store.release('P-1');
    assert.equal(await store.isCompleted('P-1'), false);
    assert.equal(await store.claim('P-1'), true, 'released: the next delivery takes it');
    await store.complete('P-1');
    assert.equal(await store.isCompleted('P-1'), true);
    assert.equal(await store.claim('P-1'), false);
  });

  it("takes over a claim whose process is gone", async () => {
    const payments = new MemoryStore();
    // A process of this boot and PID namespace (start `<boot>:<ns>:<ticks>`) that no longer runs: /proc can tell.
    const dead = { host: currentOwner().host, pid: 2 ** 22 + 7, start: currentOwner().start.replace(/[^:]+$/, '1') };
    assert.equal(await payments.claimNotification('P-2', dead, Date.now() + 60_000), 'claimed');
    const store = new PaymentStoreNotifications(payments);
    assert.equal(await store.claim('P-2'), true);
  });

  it('processes each noti_id once through NotificationInbox, remembered by the store', async () => {
    const payments = new MemoryStore();
    let calls = 0;
    const one = await new NotificationInbox({ store: new PaymentStoreNotifications(payments) }).handle(deposit('P-3'), () => void (calls += 1));
    const two = await new NotificationInbox({ store: new PaymentStoreNotifications(payments) }).handle(deposit('P-3'), () => void (calls += 1));
    assert.deepEqual([one.status, two.status, calls], ['processed', 'duplicate', 1]);
  });
});
