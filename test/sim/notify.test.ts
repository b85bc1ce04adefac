/**
 * common_return notifications: EUC-KR form posts, re-sent until the merchant answers result=0000, at most 10 times.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseForm } from '../../lib/sim/codec.js';
import { isAccepted, startSimulator, type Simulator } from '../../lib/sim/index.js';

const OK_PAGE = '<html><body><form><input type="hidden" name="result" value="0000"></form></body></html>';

/** A merchant common_return page on port 0 answering with the scripted bodies, then the last one forever. */
async function merchant(answers: Array<{ status: number; body: string }>) {
  const received: Array<{ fields: Map<string, string>; contentType: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ fields: parseForm(Buffer.concat(chunks), 'euc-kr'), contentType: String(req.headers['content-type']) });
      const a = answers[Math.min(received.length - 1, answers.length - 1)]!;
      res.writeHead(a.status, { 'Content-Type': 'text/html; charset=euc-kr' });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/common_return`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('simulator notifications', () => {
  let sim: Simulator;
  let tno: string;

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, retryDelaysMs: [5, 5, 10], now: () => new Date(2026, 10, 26, 14, 29, 16) });
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'VA-1', good_mny: 15000, method: 'vbank', buyr_name: '홍길동' });
    const answer = sim.gateway.handle('00100000', new Map([
      ['site_cd', 'T0000'], ['enc_data', w.enc_data], ['enc_info', w.enc_info], ['ordr_data', 'ordr_data=ordr_mony=15000\x1f'],
    ]));
    tno = answer.fields.find(([k]) => k === 'tno')![1];
  });
  afterEach(() => sim.close());

  it('re-sends a deposit notice after answers without result=0000 and stops at the first 0000', async () => {
    const shop = await merchant([
      { status: 200, body: '<input type="hidden" name="result" value="9999">' },
      { status: 500, body: 'error' },
      { status: 200, body: OK_PAGE },
    ]);
    sim.notifyUrl = shop.url;
    try {
      const report = await sim.deposit(tno, { remitter: '김입금' });
      assert.equal(report.delivered, true);
      assert.equal(report.attempts.length, 3);
      assert.deepEqual(report.attempts.map((a) => a.accepted), [false, false, true]);
      assert.equal(shop.received.length, 3);
      const f = Object.fromEntries(shop.received[0]!.fields);
      assert.deepEqual(f, {
        site_cd: 'T0000', tno, order_no: 'VA-1', tx_cd: 'TX00', tx_tm: '20261126142916', ipgm_name: '홍길동', remitter: '김입금',
        ipgm_mnyx: '15000', totl_mnyx: '15000', ipgm_time: '20261126142916', bank_code: 'BK04',
        account: sim.state.transactions.get(tno)!.account, op_cd: '00', noti_id: report.notiId, cash_a_no: '', cash_a_dt: '', cash_no: '',
      });
      assert.equal(shop.received[0]!.contentType, 'application/x-www-form-urlencoded');
      assert.equal(shop.received[2]!.fields.get('noti_id'), report.notiId, 're-sends keep the noti_id');
      assert.equal(sim.state.transactions.get(tno)!.state, 'deposited');
    } finally {
      await shop.close();
    }
  });

  it('gives up after 10 attempts when the merchant never answers 0000', async () => {
    const shop = await merchant([{ status: 200, body: 'result=9999' }]);
    sim.notifyUrl = shop.url;
    try {
      const report = await sim.deposit(tno);
      assert.equal(report.delivered, false);
      assert.equal(report.attempts.length, 10);
      assert.equal(shop.received.length, 10);
    } finally {
      await shop.close();
    }
  });

  it('sends op_cd=13 for a cancelled deposit, and TX02 / TX03 escrow notices', async () => {
    const shop = await merchant([{ status: 200, body: OK_PAGE }]);
    sim.notifyUrl = shop.url;
    try {
      await sim.deposit(tno);
      const cancel = await sim.cancelDeposit(tno);
      assert.equal(cancel.delivered, true);
      assert.equal(shop.received[1]!.fields.get('op_cd'), '13');
      assert.equal(shop.received[1]!.fields.get('totl_mnyx'), '0');
      await sim.notifyEscrow(tno, 'TX02', { st_cd: 'N', can_msg: '단순 변심' });
      const tx02 = Object.fromEntries(shop.received[2]!.fields);
      assert.equal(tx02.tx_cd, 'TX02');
      assert.equal(tx02.st_cd, 'N');
      assert.equal(tx02.can_msg, '단순 변심');
      await sim.notifyEscrow(tno, 'TX03', { waybill_no: '1234', waybill_corp: 'CJ' });
      assert.equal(shop.received[3]!.fields.get('waybill_no'), '1234');
    } finally {
      await shop.close();
    }
  });

  it('serves the admin API: POST /_admin/deposit with wait, and a clear error for an unknown tno', async () => {
    const shop = await merchant([{ status: 200, body: OK_PAGE }]);
    sim.notifyUrl = shop.url;
    try {
      const res = await fetch(`${sim.url}/_admin/deposit`, { method: 'POST', body: JSON.stringify({ tno, amount: 5000, wait: true }) });
      const report = (await res.json()) as { delivered: boolean; attempts: unknown[] };
      assert.equal(res.status, 200);
      assert.equal(report.delivered, true);
      assert.equal(shop.received[0]!.fields.get('ipgm_mnyx'), '5000');
      const bad = await fetch(`${sim.url}/_admin/deposit`, { method: 'POST', body: JSON.stringify({ tno: '20000101000000' }) });
      assert.equal(bad.status, 400);
      assert.deepEqual(await bad.json(), { error: 'sim deposit: 20000101000000 is not a virtual-account transaction of this simulator' });
    } finally {
      await shop.close();
    }
  });

  it('refuses a deposit while no notify URL is configured, before changing state', async () => {
    await assert.rejects(sim.deposit(tno), /no notify URL configured/);
    assert.equal(sim.state.transactions.get(tno)!.state, 'issued');
  });
});

describe('isAccepted()', () => {
  it('accepts KCP\'s answer forms and nothing else', () => {
    assert.equal(isAccepted(OK_PAGE), true);
    assert.equal(isAccepted("<input type='hidden' value='0000' name='result'>"), true);
    assert.equal(isAccepted('result=0000'), true);
    assert.equal(isAccepted('result=00001'), false);
    assert.equal(isAccepted('<input name="result" value="9999">'), false);
    assert.equal(isAccepted('my_result=0000'), false);
    assert.equal(isAccepted(''), false);
  });
});
