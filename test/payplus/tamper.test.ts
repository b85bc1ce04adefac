/**
 * Issue 18 §1 and the CC72 part of §2, end to end: a hostile buyer posts window results to pp_ax_hub (expressPpAxHub)
 * and to the window-return adapter (expressWindowReturn), which approve through the stand-in pp_cli against the
 * simulator. What was paid comes from KCP's answer; an answer for another order or a method the shop does not allow is
 * cancelled at KCP as tampering; a card company's time-out (CC72) keeps the order blocked.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  KcpDuplicateOrderError,
  KcpOutcomeUnknownError,
  PayPlus,
  SiteConf,
  expressPpAxHub,
  expressWindowReturn,
  silentLogger,
  type Approval,
  type PpAxHubResult,
} from '../../lib/index.js';
import { KcpTamperingError } from '../../lib/errors.js';
import { ExecaRunner, MemoryStore, startSimulator, type Simulator } from '../../lib/testing/index.js';
import type { PaymentMethod } from '../../lib/payplus/results.js';
import type { WindowReturnResult } from '../../lib/window/index.js';
import { standinPath } from '../sim/support/standin.js';

interface Order {
  amount: number;
  status: 'ordered' | 'paid' | 'awaiting_deposit';
  tno?: string;
  method?: string;
  allowedMethods?: readonly PaymentMethod[];
}

type Result = PpAxHubResult<Order, string> | WindowReturnResult<Order, string>;

function kcpHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-tamper-'));
  mkdirSync(path.join(home, 'bin'));
  copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
  return home;
}

/** A shop: orders, a PayPlus on the simulator (optionally restricted to some methods), and both adapters on 127.0.0.1. */
async function startShop(sim: Simulator, allowedMethods?: readonly PaymentMethod[]) {
  const home = kcpHome();
  const conf = SiteConf.testPreset({
    homeDir: home,
    logDir: path.join(home, 'log'),
    gwUrl: '127.0.0.1',
    gwPort: String(sim.port),
    jsUrl: `${sim.url}/plugin/payplus_test.js`,
  });
  const store = new MemoryStore();
  const payplus = new PayPlus(conf, { runner: new ExecaRunner(), logger: silentLogger, store, allowedMethods });
  const orders = new Map<string, Order>();
  const results: Result[] = [];
  const commits: Approval[] = [];
  const common = {
    payplus,
    findOrder: (id: string) => orders.get(id),
    // The README's quick start: a virtual account is not paid until its deposit is notified.
    commit: (approval: Approval, order: Order) => {
      commits.push(approval);
      order.tno = approval.tno;
      order.method = approval.method;
      order.status = approval.method === 'vbank' ? 'awaiting_deposit' : 'paid';
      return approval.tno;
    },
    respond: (res: http.ServerResponse, result: Result) => {
      results.push(result);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(result.status);
    },
  };
  const hub = expressPpAxHub<Order, string>(common);
  const ret = expressWindowReturn<Order, string>(common);
  const server = http.createServer((req, res) => (req.url === '/m/return' ? ret(req, res) : hub(req, res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    payplus,
    store,
    orders,
    commits,
    results,
    base,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type Shop = Awaited<ReturnType<typeof startShop>>;

const ADAPTERS: Array<[string, string]> = [
  ['expressPpAxHub', '/pp_ax_hub'],
  ['expressWindowReturn', '/m/return'],
];

async function post(shop: Shop, route: string, fields: Record<string, string>): Promise<Result> {
  const before = shop.results.length;
  const res = await fetch(shop.base + route, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(shop.results.length, before + 1);
  return shop.results.at(-1)!;
}

describe('tampering with the payment window result (issue 18), end to end against the simulator', () => {
  let sim: Simulator;
  let open: Shop; // takes any method: approval.method says what KCP approved
  let cardOnly: Shop; // allowedMethods: ['card']
  let seq = 0;
  const orderId = (tag: string) => `TMP-${tag}-${process.pid}-${++seq}`;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    open = await startShop(sim);
    cardOnly = await startShop(sim, ['card']);
  });
  after(async () => {
    await open?.close();
    await cardOnly?.close();
    await sim?.close();
  });

  /** A window result from the simulator for an order the shop holds at `amount`. */
  function windowFor(shop: Shop, ordrIdxx: string, amount: number, method: 'card' | 'vbank', card?: string) {
    shop.orders.set(ordrIdxx, { amount, status: 'ordered' });
    return sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: amount, method, card });
  }

  for (const [adapter, route] of ADAPTERS) {
    describe(`through ${adapter}`, () => {
      for (const posted of ['100000000000', '000100000000']) {
        it(`a virtual-account result posted as use_pay_method=${posted} is approved as what KCP issued: a virtual account, not paid`, async () => {
          const ordrIdxx = orderId('swap');
          const w = windowFor(open, ordrIdxx, 15000, 'vbank');
          assert.equal(w.use_pay_method, '001000000000');
          const r = await post(open, route, { ...w, use_pay_method: posted, ordr_idxx: ordrIdxx, good_mny: '15000' });
          assert.equal(r.status, 'approved');
          assert.ok(r.status === 'approved');
          assert.equal(r.approval.method, 'vbank');
          assert.equal(r.approval.payMethod, 'PAVC');
          assert.equal(r.approval.orderNo, ordrIdxx);
          assert.equal(r.approval.method === 'vbank' && r.approval.account.length > 0, true);
          assert.deepEqual(open.orders.get(ordrIdxx), { amount: 15000, status: 'awaiting_deposit', tno: r.approval.tno, method: 'vbank' });
          assert.equal(sim.gateway.transactions.get(r.approval.tno)!.state, 'issued');
          assert.equal((await open.store.get(r.attemptId))!.method, 'vbank');
        });
      }

      it("an order's own allowedMethods reach processPayment: a vbank result for a card-only order is cancelled as tampering", async () => {
        const ordrIdxx = orderId('perorder');
        const w = windowFor(open, ordrIdxx, 12000, 'vbank');
        open.orders.set(ordrIdxx, { amount: 12000, status: 'ordered', allowedMethods: ['card'] });
        const commitsBefore = open.commits.length;
        const r = await post(open, route, { ...w, use_pay_method: '100000000000', ordr_idxx: ordrIdxx, good_mny: '12000' });
        assert.equal(r.status, 'cancelled');
        assert.ok(r.status === 'cancelled');
        assert.equal(r.reason, 'tampering');
        assert.ok(r.cause instanceof KcpTamperingError);
        assert.deepEqual([r.cause.field, r.cause.expected, r.cause.answered], ['pay_method', 'card', 'vbank']);
        assert.equal(open.commits.length, commitsBefore, 'commit never ran');
        assert.equal(sim.gateway.transactions.get(r.approval.tno)!.state, 'cancelled');
      });

      it('a virtual-account result posted as a card payment to a card-only shop is cancelled at KCP as tampering', async () => {
        const ordrIdxx = orderId('only');
        const w = windowFor(cardOnly, ordrIdxx, 15000, 'vbank');
        const commitsBefore = cardOnly.commits.length;
        const r = await post(cardOnly, route, { ...w, use_pay_method: '100000000000', ordr_idxx: ordrIdxx, good_mny: '15000' });
        assert.equal(r.status, 'cancelled');
        assert.ok(r.status === 'cancelled');
        assert.equal(r.reason, 'tampering');
        assert.ok(r.cause instanceof KcpTamperingError);
        assert.deepEqual(
          { name: r.cause.name, code: r.cause.code, field: r.cause.field, expected: r.cause.expected, answered: r.cause.answered },
          { name: 'KcpTamperingError', code: 'tampering_detected', field: 'pay_method', expected: 'card', answered: 'vbank' },
        );
        assert.equal(r.cancel.resCd, '0000');
        assert.equal(cardOnly.commits.length, commitsBefore, 'commit never ran');
        assert.deepEqual(cardOnly.orders.get(ordrIdxx), { amount: 15000, status: 'ordered' });
        const tx = sim.gateway.transactions.get(r.approval.tno)!;
        assert.equal(tx.state, 'cancelled');
        assert.deepEqual(tx.history.map((h) => h.modType), ['STSR', 'STSC']);
        const attempt = (await cardOnly.store.get(r.attemptId))!;
        assert.deepEqual([attempt.state, attempt.cancelReason, attempt.cancelModType, attempt.method], ['cancelled', 'tampering', 'STSC', 'vbank']);
        // The order stays payable: a genuine card payment goes through.
        const again = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 15000, method: 'card' });
        const ok = await post(cardOnly, route, { ...again, ordr_idxx: ordrIdxx, good_mny: '15000' });
        assert.equal(ok.status, 'approved');
        assert.equal(cardOnly.orders.get(ordrIdxx)!.status, 'paid');
      });

      it("another order's window result at the same price is cancelled as tampering; neither order is paid", async () => {
        const x = orderId('X');
        const y = orderId('Y');
        const wx = windowFor(open, x, 8000, 'card');
        open.orders.set(y, { amount: 8000, status: 'ordered' });
        const r = await post(open, route, { ...wx, ordr_idxx: y, good_mny: '8000' });
        assert.equal(r.status, 'cancelled');
        assert.ok(r.status === 'cancelled');
        assert.equal(r.reason, 'tampering');
        assert.ok(r.cause instanceof KcpTamperingError);
        assert.deepEqual([r.cause.field, r.cause.expected, r.cause.answered], ['order_no', y, x]);
        assert.equal(r.approval.orderNo, x);
        assert.equal(r.cancel.resCd, '0000');
        assert.equal(sim.gateway.transactions.get(r.approval.tno)!.state, 'cancelled');
        assert.deepEqual(open.orders.get(x), { amount: 8000, status: 'ordered' });
        assert.deepEqual(open.orders.get(y), { amount: 8000, status: 'ordered' });
        assert.equal((await open.store.get(r.attemptId))!.state, 'cancelled');
      });

      it('a card company time-out (CC72) is outcome unknown: the order stays blocked, nothing is committed', async () => {
        const ordrIdxx = orderId('cc72');
        const w = windowFor(open, ordrIdxx, 5000, 'card', 'TIMEOUT');
        const r = await post(open, route, { ...w, ordr_idxx: ordrIdxx, good_mny: '5000' });
        assert.equal(r.status, 'unknown');
        assert.ok(r.status === 'unknown');
        assert.ok(r.error instanceof KcpOutcomeUnknownError);
        assert.deepEqual(
          [r.error.name, r.error.code, r.error.resCd, r.error.outcomeKnown, r.error.raw.res_cd],
          ['KcpOutcomeUnknownError', 'outcome_unknown', 'CC72', false, 'CC72'],
        );
        assert.equal((await open.store.get(r.attemptId))!.state, 'unknown');
        assert.deepEqual(open.orders.get(ordrIdxx), { amount: 5000, status: 'ordered' });
        // A second payment of the same order is refused before anything reaches KCP.
        const txBefore = sim.gateway.transactions.size;
        const again = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 5000, method: 'card' });
        const second = await post(open, route, { ...again, ordr_idxx: ordrIdxx, good_mny: '5000' });
        assert.equal(second.status, 'refused');
        assert.ok(second.status === 'refused');
        assert.ok(second.error instanceof KcpDuplicateOrderError);
        assert.match(second.error.message, /unknown outcome/);
        assert.equal(sim.gateway.transactions.size, txBefore);
        assert.equal((await open.store.get(r.attemptId))!.state, 'unknown');
      });
    });
  }
});
