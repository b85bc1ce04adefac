/**
 * End to end through the real spawn path: PayPlus → runner (native and execa) → stand-in pp_cli → simulator over
 * HTTP on 127.0.0.1. And a deposit notification delivered to a test server that refuses once, then accepts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PayPlus, SiteConf, commonReturnHandler, silentLogger, type KcpNotification, type Runner } from '../../lib/index.js';
import { ExecaRunner, MemoryStore, startSimulator, type Simulator } from '../../lib/testing/index.js';
import { KcpAlreadyCancelledError } from '../../lib/errors.js';
import { nativeRunner, requireAddon } from '../helpers/native.js';
import { standinPath } from '../sim/support/standin.js';

function kcpHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-e2e-'));
  mkdirSync(path.join(home, 'bin'));
  copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
  return home;
}

// Both variants are always registered: without the addon the native one fails under CI (skips elsewhere) with the fix.
const runners: Array<[string, () => Runner]> = [
  ['native', () => nativeRunner()],
  ['execa', () => new ExecaRunner()],
];

describe('PayPlus end to end (stand-in pp_cli + simulator)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ port: 0, retryDelaysMs: [20] });
  });
  after(async () => {
    await sim.close();
  });

  for (const [name, makeRunner] of runners) {
    describe(`with the ${name} runner`, function () {
      let payplus: PayPlus;
      let seq = 0;
      const orderId = () => `E2E-${name}-${Date.now()}-${++seq}`;

      before(function () {
        if (name === 'native') requireAddon(this);
      });
      before(() => {
        const home = kcpHome();
        const conf = SiteConf.testPreset({
          homeDir: home,
          logDir: path.join(home, 'log'),
          gwUrl: '127.0.0.1',
          gwPort: String(sim.port),
          jsUrl: `${sim.url}/plugin/payplus_test.js`,
        });
        payplus = new PayPlus(conf, { runner: makeRunner(), logger: silentLogger, store: new MemoryStore() });
      });

      async function approve(amount: number, extra: { method?: 'card' | 'vbank' | 'bank' | 'mobile'; escrow?: boolean } = {}) {
        const ordrIdxx = orderId();
        const window = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: amount, method: extra.method ?? 'card', escw_used: extra.escrow ? 'Y' : 'N' });
        const approval = await payplus.approve({
          tranCd: window.tran_cd,
          encData: window.enc_data,
          encInfo: window.enc_info,
          traceNo: window.trace_no,
          ordrIdxx,
          amount,
          custIp: '127.0.0.1',
          usePayMethod: window.use_pay_method,
        });
        return { approval, ordrIdxx };
      }

      it('approve → partial cancel → cancel, with a Korean reason', async () => {
        const { approval } = await approve(5000);
        assert.equal(approval.method, 'card');
        assert.equal(approval.amount, 5000);
        assert.match(approval.tno, /^\d{14}$/);

        const partial = await payplus.partialCancel({ tno: approval.tno, amount: 1000, cancellableBalance: 5000, reason: '부분 취소 요청', custIp: '127.0.0.1' });
        assert.equal(partial.resCd, '0000');
        assert.equal(partial.cancelledAmount, 1000);
        assert.equal(partial.remainingAmount, 4000);
        const history = sim.state.transactions.get(approval.tno)!.history.map((h) => h.modType);
        assert.deepEqual(history, ['STSR', 'STPC']);

        const cancel = await payplus.cancel({ tno: approval.tno, reason: '결과 처리 오류 - 자동 취소', custIp: '127.0.0.1' });
        assert.equal(cancel.resCd, '0000');
        assert.equal(sim.state.transactions.get(approval.tno)!.state, 'cancelled');
        const seen = sim.state.requests.at(-1)!;
        assert.equal(seen.fields.modx_data?.includes('mod_desc=결과 처리 오류 - 자동 취소'), true, JSON.stringify(seen.fields));

        await assert.rejects(payplus.cancel({ tno: approval.tno, reason: 'again', custIp: '127.0.0.1' }), (err: unknown) => {
          assert.ok(err instanceof KcpAlreadyCancelledError);
          assert.deepEqual([err.code, err.resCd], ['already_cancelled', '8133']);
          return true;
        });
      });

      it('a partial cancel with a stale balance is refused by the gateway', async () => {
        const { approval } = await approve(3000);
        await assert.rejects(
          payplus.partialCancel({ tno: approval.tno, amount: 500, cancellableBalance: 2500, reason: 'x', custIp: '127.0.0.1' }),
          { code: 'gateway_refused' },
        );
      });

      it('capture (STMR)', async () => {
        const { approval } = await approve(2000);
        const res = await payplus.capture({ tno: approval.tno, custIp: '127.0.0.1' });
        assert.equal(res.resCd, '0000');
        assert.equal(sim.state.transactions.get(approval.tno)!.captured, true);
      });

      it('escrow: shipping start (STE1)', async () => {
        const { approval } = await approve(7000, { escrow: true });
        assert.equal(approval.escrow, true);
        const res = await payplus.escrow({ modType: 'STE1', tno: approval.tno, custIp: '127.0.0.1', deliNumb: '123412341234', deliCorp: 'CJ대한통운' });
        assert.equal(res.resCd, '0000');
        assert.equal(sim.state.transactions.get(approval.tno)!.escrowState, 'shipping');
      });

      it('cash receipt issue and query (07010000 / 07030000), Korean goods name', async () => {
        const ordrIdxx = orderId();
        const issued = await payplus.issueCashReceipt({
          ordrIdxx, goodName: '테스트 상품', tradTime: '20261126120000', trCode: '0', idInfo: '01000001234',
          amtTot: 1100, amtSup: 1000, amtSvc: 0, amtTax: 100, custIp: '127.0.0.1',
        });
        assert.equal(issued.resCd, '0000');
        assert.match(issued.cashNo, /^\d{14}$/);
        const kept = sim.state.cashReceipts.get(issued.cashNo);
        assert.deepEqual(kept && { siteCd: kept.siteCd, ordrIdxx: kept.ordrIdxx, amount: kept.amount, state: kept.state }, { siteCd: 'T0000', ordrIdxx, amount: 1100, state: 'issued' });
        const queried = await payplus.queryCashReceipt({ modValue: issued.cashNo, modGubn: 'MG01', tradTime: '20261126120000' });
        assert.equal(queried.resCd, '0000');
        assert.equal(queried.cashNo, issued.cashNo);
      });

      it('the tamper check: ordr_mony that differs from the window amount is refused with 8059', async () => {
        const ordrIdxx = orderId();
        const window = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 100, method: 'card' });
        await assert.rejects(
          payplus.approve({ tranCd: window.tran_cd, encData: window.enc_data, encInfo: window.enc_info, ordrIdxx, amount: 5000, custIp: '127.0.0.1' }),
          { name: 'KcpAmountMismatchError', code: 'amount_mismatch', resCd: '8059', resMsg: '포맷에러(지불정보-공통:결제금액 불일치)' },
        );
      });
    });
  }

  it('delivers a deposit notification, re-sending after a non-0000 answer', async () => {
    const received: KcpNotification[] = [];
    let calls = 0;
    const handler = commonReturnHandler({
      env: 'TEST',
      allowLocal: true,
      handler: (n) => {
        calls += 1;
        if (calls === 1) throw new Error('database busy');
        received.push(n);
      },
    });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      sim.notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/common_return`;
      const window = sim.pay({ site_cd: 'T0000', ordr_idxx: 'E2E-VBANK-1', good_mny: 10000, method: 'vbank' });
      const home = kcpHome();
      const payplus = new PayPlus(
        SiteConf.testPreset({ homeDir: home, logDir: path.join(home, 'log'), gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_test.js` }),
        { runner: new ExecaRunner(), logger: silentLogger, store: new MemoryStore() },
      );
      const approval = await payplus.approve({
        tranCd: window.tran_cd, encData: window.enc_data, encInfo: window.enc_info, ordrIdxx: 'E2E-VBANK-1', amount: 10000,
        custIp: '127.0.0.1', usePayMethod: window.use_pay_method,
      });
      assert.equal(approval.method, 'vbank');

      const report = await sim.deposit(approval.tno, { amount: 10000, remitter: '홍길동' });
      assert.equal(report.delivered, true);
      assert.equal(report.attempts.length, 2);
      assert.equal(calls, 2);
      assert.equal(received.length, 1);
      const n = received[0]!;
      assert.equal(n.txCd, 'TX00');
      assert.equal(n.tno, approval.tno);
      assert.equal('kind' in n && n.kind, 'deposit');
      assert.equal('amount' in n && n.amount, 10000);
      assert.equal(n.raw.remitter, '홍길동');
    } finally {
      sim.notifyUrl = undefined;
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
