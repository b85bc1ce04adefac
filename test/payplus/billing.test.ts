/**
 * Recurring billing through the payment store (payplus.billing), against the simulator's PG-API over https, on every
 * store engine (SQLite, PostgreSQL, MariaDB):
 * - one billing period is charged once, ever: a second charge is refused with the first one's state and sends nothing;
 *   a decline gives the period back and a charge after it is the only money taken;
 * - charges of one period that overlap in time, from separate store connections: exactly one reaches KCP, every other
 *   one is refused while the winner's HTTPS call is provably still open;
 * - an outcome left unknown after sending (a cut answer, a time-out, a worker killed): with a tno, recover() settles it
 *   by KCP's inquiry; without one it stays unknown and keeps the period taken (docs/kcp-rest-api.md §10.1), although
 *   KCP did charge;
 * - the events of a charge (approved, declined, unknown) are the approvals' events.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpConfigError, KcpDuplicateOrderError, KcpInputError, KcpOutcomeUnknownError } from '../../lib/errors.js';
import { KcpPeriodChargedError, RestCredentials, RestGateway, type BatchKey, type ChargeBatchKeyRequest, type InquireRequest, type InquiryOutcome } from '../../lib/gateway/index.js';
import { PayPlus, SiteConf, silentLogger, type PaymentEvent } from '../../lib/index.js';
import { billingOrderId } from '../../lib/payplus/billing.js';
import type { Approval } from '../../lib/payplus/results.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';
import { currentOwner } from '../../lib/store/owner.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { ENGINES, freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import { restSiteConf } from '../helpers/rest-conf.js';
import { seeded } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait.js';

const GROUP = 'BA0011000348';

/** A REST gateway whose charge can be held at a gate, cut after KCP answered, and whose inquiry can be unreachable. */
class FaultyGateway extends RestGateway {
  gate: Promise<void> | undefined;
  /** Told when a charge reached the gate (its attempt is written, its HTTPS call not sent yet). */
  onGate: (() => void) | undefined;
  /** Throw an outcome-unknown error after KCP answered, keeping the tno the answer carried. */
  cutAfterAnswer = false;
  inquiryDown = false;

  override async chargeBatchKey(request: ChargeBatchKeyRequest): Promise<Approval> {
    if (this.gate) {
      this.onGate?.();
      await this.gate;
    }
    const approval = await super.chargeBatchKey(request);
    if (!this.cutAfterAnswer) return approval;
    throw new KcpOutcomeUnknownError('batch charge: the connection broke while the answer was read', { raw: { ...approval.raw, res_cd: 'S204' } });
  }

  override async inquire(request: InquireRequest): Promise<InquiryOutcome> {
    if (this.inquiryDown) return { kind: 'unknown', reason: 'KCP could not be reached (test)' };
    return super.inquire(request);
  }
}

describe('recurring billing through the payment store', function () {
  this.timeout(300_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let conf: SiteConf;
  let credentials: RestCredentials;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    rest = await startRestSimulator(sim, { slowMs: 20_000 });
    conf = restSiteConf(mkdtempSync(path.join(os.tmpdir(), 'kcp-billing-')), sim, rest);
    credentials = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: rest.merchant.password } });
  });
  after(async () => {
    await rest?.close();
    await sim?.close();
  });

  const gateway = (extra: Partial<ConstructorParameters<typeof RestGateway>[0]> = {}) =>
    new FaultyGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem, ...extra });
  /** Charges KCP's ledger holds for an order id (approved or not). */
  const ledger = (ordrIdxx: string) => [...sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === ordrIdxx);
  /** Charge requests that reached the PG-API for an order id. */
  const sent = (ordrIdxx: string) => rest.requests.filter((r) => r.path === '/gw/hub/v1/payment' && r.fields.ordr_idxx === ordrIdxx).length;

  it('is offered only on the REST transport: pp_cli gets a KcpConfigError naming payplus.transport', () => {
    const ppcli = new PayPlus(SiteConf.testPreset({ homeDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-billing-')) }), { logger: silentLogger, store: {} as PaymentStore });
    assert.throws(() => ppcli.billing, (e: unknown) => e instanceof KcpConfigError && e.field === 'payplus.transport' && /transport to 'rest'/.test(e.message));
  });

  it('names one order id per (subscription, period) and refuses names that could collide', () => {
    assert.equal(billingOrderId('SUB-7', '2026-12'), 'SUB-7.2026-12');
    for (const [sub, period, field] of [['SUB.7', '2026-12', 'subscriptionId'], ['SUB7', '2026.12', 'period'], ['SUB7', '', 'period'], ['S'.repeat(33), '2026-12', 'subscriptionId']]) {
      assert.throws(() => billingOrderId(sub!, period!), (e: unknown) => e instanceof KcpInputError && e.field === field, `${sub} ${period}`);
    }
  });

  for (const engine of ENGINES) {
    describe(`on ${engine}`, function () {
      let db: FreshDatabase;
      const stores: PaymentStore[] = [];
      const events: PaymentEvent[] = [];
      let key: BatchKey;
      const random = seeded(`billing ${engine}`);
      const sub = () => `S${engine.slice(0, 2)}${random.int(1e9)}`;

      /** A PayPlus on its own connection to this engine's database. */
      async function payplusOn(gw = gateway()): Promise<PayPlus> {
        const store = await db.open();
        stores.push(store);
        return new PayPlus(conf, { logger: silentLogger, store, gateway: gw, onEvent: (e) => void events.push(e) });
      }

      before(async () => {
        db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-billing-db-')));
        const win = rest.batchWindow({ siteCd: 'T0000', groupId: GROUP });
        key = await (await payplusOn()).billing.issueKey({ encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
      });
      after(async () => {
        for (const s of stores) await s.close().catch(() => undefined);
        await db?.drop();
      });

      it('charges one period once, ever: the second charge is refused with the first one\'s state and sends nothing', async () => {
        const payplus = await payplusOn();
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        const charge = { batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9900, goodName: '월 구독' };
        const first = await payplus.billing.charge(charge);
        assert.equal(first.status, 'approved');
        assert.ok(first.status === 'approved');
        assert.equal(first.approval.orderNo, order);
        assert.equal(first.approval.amount, 9900);
        assert.equal((await payplus.store.get(first.attemptId))?.state, 'committed');
        await assert.rejects(payplus.billing.charge({ ...charge, amount: 12000 }), (e: unknown) =>
          e instanceof KcpPeriodChargedError && e instanceof KcpDuplicateOrderError && !e.pending &&
          e.charge.state === 'committed' && e.charge.tno === first.approval.tno && e.charge.attemptId === first.attemptId && e.charge.amount === '9900');
        assert.equal(sent(order), 1);
        assert.equal(ledger(order).length, 1);
        const approved = events.filter((e) => e.type === 'approved' && e.ordrIdxx === order);
        assert.deepEqual(approved.map((e) => e.type === 'approved' && [e.attemptId, e.tno]), [[first.attemptId, first.approval.tno]]);
        assert.equal(events.filter((e) => e.type === 'duplicate' && e.ordrIdxx === order).length, 1);
        // The next period is another order.
        assert.equal((await payplus.billing.charge({ ...charge, period: '2027-01' })).status, 'approved');
      });

      it('a declined charge gives the period back, and the charge after it is the only money taken', async () => {
        const payplus = await payplusOn();
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        const charge = { batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', goodName: '월 구독' };
        const declined = await payplus.billing.charge({ ...charge, amount: 10991 }); // the simulator's decline trigger
        assert.equal(declined.status, 'declined');
        assert.ok(declined.status === 'declined');
        assert.equal(declined.error.resCd, '8108');
        assert.equal((await payplus.store.get(declined.attemptId))?.state, 'declined');
        assert.deepEqual(events.filter((e) => e.ordrIdxx === order && e.type === 'declined').map((e) => e.type === 'declined' && e.resCd), ['8108']);
        const paid = await payplus.billing.charge({ ...charge, amount: 9900 });
        assert.equal(paid.status, 'approved');
        assert.deepEqual(ledger(order).map((t) => [t.state, t.amount]), [['approved', 9900]]);
      });

      it('the merchant\'s commit runs in the store\'s transaction; one that throws rolls back and cancels the charge', async () => {
        await db.exec('CREATE TABLE IF NOT EXISTS shop_paid_periods (order_id VARCHAR(64) PRIMARY KEY, tno VARCHAR(20) NOT NULL)');
        const payplus = await payplusOn();
        const record = (fail: boolean) => ({
          commitInStore: true,
          commit: async (approval: Approval, tx: { query(sql: string): Promise<unknown> } | undefined) => {
            await tx!.query(`INSERT INTO shop_paid_periods (order_id, tno) VALUES ('${approval.orderNo}', '${approval.tno}')`);
            if (fail) throw new Error('the shop could not record the period');
          },
        });
        const charge = (subscriptionId: string) => ({ batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9900, goodName: '월 구독' });
        const kept = sub();
        const ok = await payplus.billing.charge(charge(kept), record(false));
        assert.equal(ok.status, 'approved');
        const failing = sub();
        const undone = await payplus.billing.charge(charge(failing), record(true));
        assert.equal(undone.status, 'cancelled');
        assert.ok(undone.status === 'cancelled');
        assert.equal(undone.reason, 'commit_failed');
        const rows = await db.query('SELECT order_id FROM shop_paid_periods');
        assert.deepEqual(rows.map((r) => r.order_id ?? r.ORDER_ID), [billingOrderId(kept, '2026-12')]);
        assert.deepEqual(ledger(billingOrderId(failing, '2026-12')).map((t) => t.state), ['cancelled']);
        assert.equal((await payplus.store.get(undone.attemptId))?.state, 'cancelled');
        assert.deepEqual(events.filter((e) => e.ordrIdxx === billingOrderId(failing, '2026-12') && e.type === 'auto_cancelled').map((e) => e.type === 'auto_cancelled' && e.reason), ['commit_failed']);
      });

      it('charges of one period that overlap in time: one reaches KCP, the others are refused while its call is open', async () => {
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        const held = gateway();
        let open!: () => void;
        held.gate = new Promise<void>((resolve) => (open = resolve));
        let atGate!: () => void;
        const reached = new Promise<void>((resolve) => (atGate = resolve));
        held.onGate = atGate;
        // Six workers, each with its own connection; all share the gate, so the winner waits inside its HTTPS step.
        const workers = await Promise.all(Array.from({ length: 6 }, () => payplusOn(held)));
        const charge = { batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9900, goodName: '월 구독' };
        const refusals: KcpPeriodChargedError[] = [];
        const runs = workers.map((p) =>
          p.billing.charge(charge).then(
            (outcome) => ({ outcome }),
            (error: unknown) => {
              if (error instanceof KcpPeriodChargedError) refusals.push(error);
              return { error };
            },
          ),
        );
        // The winner is at its gate (never opened yet): the five refusals happen while its charge is in progress.
        await reached;
        await waitFor(() => refusals.length === 5, 'five refused charges');
        assert.equal(sent(order), 0, 'nothing reached KCP while the winner was held');
        for (const e of refusals) {
          assert.equal(e.pending, true);
          assert.equal(e.charge.state, 'started');
        }
        assert.equal(new Set(refusals.map((e) => e.charge.attemptId)).size, 1);
        open();
        const won = (await Promise.all(runs)).flatMap((r) => ('outcome' in r ? [r.outcome] : []));
        assert.deepEqual(won.map((o) => [o.status, o.attemptId]), [['approved', refusals[0]!.charge.attemptId]]);
        assert.equal(sent(order), 1);
        assert.equal(ledger(order).length, 1);
      });

      it('an answer cut after KCP charged is unknown, never declined; recover() settles it by KCP\'s inquiry (tno)', async () => {
        const cut = gateway();
        cut.cutAfterAnswer = true;
        cut.inquiryDown = true; // the flow's own attempt to settle it at once cannot reach KCP either
        const payplus = await payplusOn(cut);
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        const charge = { batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9900, goodName: '월 구독' };
        const outcome = await payplus.billing.charge(charge);
        assert.equal(outcome.status, 'unknown');
        const [tx] = ledger(order);
        assert.equal(tx?.state, 'approved', 'KCP charged although the answer was lost');
        const attempt = await payplus.store.get(outcome.attemptId);
        assert.deepEqual([attempt?.state, attempt?.tno], ['unknown', tx!.tno]);
        assert.deepEqual(events.filter((e) => e.ordrIdxx === order && e.type === 'unknown').map((e) => e.type === 'unknown' && e.attemptId), [outcome.attemptId]);
        await assert.rejects(payplus.billing.charge(charge), (e: unknown) => e instanceof KcpPeriodChargedError && e.pending && e.charge.state === 'unknown' && e.charge.tno === tx!.tno);
        assert.equal(sent(order), 1);

        cut.inquiryDown = false;
        const report = await payplus.recover();
        // Proof from the inquiry; the merchant's commit never ran (commitInStore: no mark), so the charge is cancelled.
        assert.deepEqual(report.cancelled.map((r) => [r.id, r.tno]), [[outcome.attemptId, tx!.tno]]);
        assert.equal((await payplus.store.get(outcome.attemptId))?.state, 'cancelled');
        assert.equal(tx!.state, 'cancelled');
        assert.ok(rest.requests.some((r) => r.path === '/std/inquery' && r.fields.tno === tx!.tno));
        assert.deepEqual(events.filter((e) => e.ordrIdxx === order && e.type === 'recovered').map((e) => e.type === 'recovered' && e.result), ['cancelled']);
      });

      it('a worker killed after sending (its attempt left started): the next charge settles it to unknown first and charges nothing', async () => {
        const payplus = await payplusOn();
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        // The dead worker's charge reached KCP (money moved), then the process died before anything was recorded.
        await gateway().chargeBatchKey({ batchKey: key.batchKey, groupId: GROUP, orderId: order, amount: 9900, goodName: '월 구독' });
        const me = currentOwner();
        const dead = { host: me.host, pid: 2 ** 22 + 17, start: me.start.replace(/[^:]+$/, '1') };
        const begun = await payplus.store.begin({ id: `dead-${subscriptionId}`, ordrIdxx: order, amount: '9900', owner: dead, leaseUntil: 0, commitMode: 'store', durableOutput: false });
        assert.ok(begun.ok);
        await assert.rejects(
          payplus.billing.charge({ batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9900, goodName: '월 구독' }),
          (e: unknown) => e instanceof KcpPeriodChargedError && e.pending && e.charge.attemptId === `dead-${subscriptionId}` && e.charge.state === 'unknown',
        );
        assert.match((await payplus.store.get(`dead-${subscriptionId}`))?.note ?? '', /no tno/);
        assert.equal(sent(order), 1);
        assert.equal(ledger(order).length, 1);
      });

      it('a time-out after sending, without a tno, stays unknown through recover() and keeps the period taken', async () => {
        const payplus = await payplusOn(gateway({ timeoutMs: 300 }));
        const subscriptionId = sub();
        const order = billingOrderId(subscriptionId, '2026-12');
        const charge = { batchKey: key.batchKey, groupId: GROUP, subscriptionId, period: '2026-12', amount: 9993, goodName: '월 구독' }; // held answer
        const outcome = await payplus.billing.charge(charge);
        assert.equal(outcome.status, 'unknown');
        assert.ok(outcome.status === 'unknown');
        assert.equal(outcome.error.outcomeKnown, false);
        assert.equal(ledger(order)[0]?.state, 'approved', 'KCP charged: exactly why the period must stay taken');
        const report = await payplus.recover();
        const left = report.unknown.find((r) => r.id === outcome.attemptId);
        assert.match(left?.why ?? '', /no tno.*KCP's admin/);
        await assert.rejects(payplus.billing.charge({ ...charge, amount: 9900 }), (e: unknown) =>
          e instanceof KcpPeriodChargedError && e.pending && e.charge.state === 'unknown' && e.charge.tno === undefined);
        assert.equal(sent(order), 1);
        assert.equal(ledger(order).length, 1);
      });
    });
  }
});
