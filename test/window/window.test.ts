/**
 * The standard-web order page, what a window hands back (3001 is the buyer's own exit), sm_form, and the return
 * handler: a closed window never reaches pp_cli, a completed one goes through processPayment unchanged.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { KcpConfigError, KcpInputError } from '../../lib/errors.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { silentLogger } from '../../lib/log/types.js';
import { orderForm } from '../../lib/order/index.js';
import { expressWindowReturn, readWindowResult, standardWebOrderPage, type WindowReturnResult } from '../../lib/window/index.js';
import { smartphoneOrderForm, type TradeRegistration } from '../../lib/trade/index.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';

const WEB = testConfData({ jsUrl: 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp', window: 'standard-web' });
const ORDER = { ordrIdxx: 'WEB-0001', payMethod: 'card' as const, goodName: '기계식 키보드', goodMny: 89000, buyrName: '홍길동' };

describe('standardWebOrderPage', () => {
  it('declares m_Completepayment before loading payplus_web.jsp, and posts only a 0000 result', () => {
    const page = standardWebOrderPage(WEB, ORDER, { action: '/pp_ax_hub', onFailure: 'shopWindowClosed' });
    assert.equal(page.jsUrl, 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp');
    const callback = page.head.indexOf('function m_Completepayment(FormOrJson, closeEvent)');
    const script = page.head.indexOf('<script src="https://testpay.kcp.co.kr/plugin/payplus_web.jsp"></script>');
    assert.ok(callback >= 0 && script > callback, 'the callback comes first');
    assert.ok(page.head.includes('GetField(frm, FormOrJson);'));
    assert.ok(page.head.includes("if (frm.res_cd.value === '0000') {\n    HTMLFormElement.prototype.submit.call(frm);"));
    assert.ok(page.head.includes('window["shopWindowClosed"](frm.res_cd.value, frm.res_msg.value);\n    closeEvent();'));
    assert.ok(page.head.includes('try { KCP_Pay_Execute(form); } catch (e)'));
    assert.equal(page.payOnClick, 'jsf__pay(this.form); return false;');
    assert.ok(page.formStart.startsWith('<form name="order_info" id="order_info" method="post" action="/pp_ax_hub" accept-charset="utf-8">\n'));
  });

  it('with reportExit, also posts an exit (ordr_idxx, res_cd, res_msg) to the action in the background; not by default', () => {
    const page = standardWebOrderPage(WEB, ORDER, { action: '/pp_ax_hub', onFailure: 'shopWindowClosed', reportExit: true });
    assert.ok(page.head.includes(`  } else {
    if (navigator.sendBeacon && window.URLSearchParams) {
      navigator.sendBeacon("/pp_ax_hub", new URLSearchParams({ ordr_idxx: frm.ordr_idxx.value, res_cd: frm.res_cd.value, res_msg: frm.res_msg.value }));
    }
    window["shopWindowClosed"](frm.res_cd.value, frm.res_msg.value);
    closeEvent();`), page.head);
    assert.equal(page.head.split('sendBeacon(').length, 2, 'only on an exit');
    for (const options of [{ action: '/pp_ax_hub' }, { action: '/pp_ax_hub', reportExit: false }]) {
      assert.ok(!standardWebOrderPage(WEB, ORDER, options).head.includes('sendBeacon'), JSON.stringify(options));
    }
  });

  it("carries orderForm's fields plus the res_cd/res_msg the window fills, and never the site key", () => {
    const page = standardWebOrderPage(WEB, ORDER, { action: 'https://shop.example.com/kcp/pp_ax_hub' });
    const plain = orderForm(WEB, ORDER).fields;
    assert.deepEqual(page.fields, { ...plain, res_cd: '', res_msg: '' });
    assert.ok(!page.formStart.includes(WEB.siteKey));
    assert.ok(page.formStart.includes('<input type="hidden" name="res_cd" value="">'));
    assert.ok(page.head.includes("alert('[' + frm.res_cd.value + '] ' + frm.res_msg.value);"), 'KCP\'s alert by default');
  });

  it('validates like orderForm and refuses what would end up in script or markup', () => {
    assert.throws(() => standardWebOrderPage(WEB, { ...ORDER, goodMny: '89,000' }, { action: '/pp_ax_hub' }), (e: unknown) => e instanceof KcpInputError && e.field === 'good_mny');
    assert.throws(() => standardWebOrderPage(WEB, ORDER, { action: 'javascript:alert(1)' }), /^KcpInputError: options\.action must be your pp_ax_hub URL/);
    assert.throws(() => standardWebOrderPage(WEB, ORDER, { action: '/x', onFailure: 'alert(1)' }), /^KcpInputError: options\.onFailure must be a plain JavaScript identifier/);
    assert.throws(() => standardWebOrderPage(WEB, ORDER, { action: '/x', formName: 'a"b' }), /^KcpInputError: options\.formName must be a plain JavaScript identifier/);
  });

  it('refuses a plug-in configuration, and the REAL script with a TEST site (3014)', () => {
    assert.throws(() => standardWebOrderPage(testConfData(), ORDER, { action: '/x' }), (e: unknown) => {
      assert.ok(e instanceof KcpConfigError);
      assert.equal(e.message, 'g_conf_js_url "https://pay.kcp.co.kr/plugin/payplus_test.js" is the plug-in window, not the standard-web window this page is for. Set g_conf_js_url to https://testpay.kcp.co.kr/plugin/payplus_web.jsp (TEST) or https://pay.kcp.co.kr/plugin/payplus_web.jsp (REAL), or build the page with orderForm for the plug-in window.');
      return true;
    });
    const mixed = { ...WEB, jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_web.jsp' };
    assert.throws(() => standardWebOrderPage(mixed, ORDER, { action: '/x' }), (e: unknown) => {
      assert.ok(e instanceof KcpConfigError);
      // SiteConf's rule (orderForm takes only a validated conf): KCP's code in the message, resCd for answers only.
      assert.equal(e.resCd, undefined);
      assert.equal(
        e.message,
        'g_conf_js_url: "https://pay.kcp.co.kr/plugin/payplus_web.jsp" is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code. ' +
          'Fix: use "https://testpay.kcp.co.kr/plugin/payplus_web.jsp" with a TEST site code, or your contracted site code with "https://pay.kcp.co.kr/plugin/payplus_web.jsp". ' +
          'Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
      return true;
    });
  });

  it('orderForm hands out the standard-web script for a standard-web configuration', () => {
    assert.equal(orderForm(WEB, ORDER, { charset: 'euc-kr' }).jsUrl, 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp');
  });
});

describe('readWindowResult', () => {
  it('reads 3001 as the buyer closing the window, other codes as a window failure, 0000 or nothing as completed', () => {
    assert.deepEqual(readWindowResult({ res_cd: '3001', res_msg: '사용자 취소' }), { status: 'user_cancelled', resCd: '3001', resMsg: '사용자 취소' });
    assert.deepEqual(readWindowResult({ res_cd: '3001' }), { status: 'user_cancelled', resCd: '3001', resMsg: '사용자 취소' });
    assert.deepEqual(readWindowResult({ res_cd: '9999', res_msg: '결제창 오류' }), { status: 'window_failed', resCd: '9999', resMsg: '결제창 오류' });
    assert.deepEqual(readWindowResult({ res_cd: '0000', tran_cd: '00100000' }), { status: 'completed' });
    assert.deepEqual(readWindowResult({ tran_cd: '00100000' }), { status: 'completed' }, 'plug-in pages post no res_cd');
  });
});

describe('smartphoneOrderForm', () => {
  const registration: TradeRegistration = Object.freeze({
    ordrIdxx: 'M-0001', amount: '89000', goodName: '기계식 키보드', payMethod: 'VCNT', returnUrl: 'https://shop.example.com/m/return', escrow: false,
    approvalKey: 'KEY_123', payUrl: 'https://testsmpay.kcp.co.kr/pay/mobileGW.kcp', resCd: '0000', resMsg: '정상처리', endpoint: 'https://testsmpay.kcp.co.kr/services/KCPPaymentService',
  });

  it('builds sm_form from the registered trade: euc-kr, approval_key, Ret_URL, currency 410', () => {
    const form = smartphoneOrderForm(WEB, registration, { buyrName: '홍길동', buyrTel2: '010-0000-1111' });
    assert.deepEqual(form.fields, {
      req_tx: 'pay', site_cd: 'T0000', shop_name: 'TEST SHOP', pay_method: 'VCNT', ordr_idxx: 'M-0001', good_name: '기계식 키보드', good_mny: '89000',
      buyr_name: '홍길동', buyr_tel2: '010-0000-1111', currency: '410', approval_key: 'KEY_123', Ret_URL: 'https://shop.example.com/m/return', escw_used: 'N', pay_mod: 'N',
    });
    assert.ok(form.formStart.startsWith('<form name="sm_form" id="sm_form" method="post" action="https://testsmpay.kcp.co.kr/pay/mobileGW.kcp" accept-charset="euc-kr">\n'));
  });

  it('checks the buyer fields like the order page and refuses a payUrl that is not http(s)', () => {
    assert.throws(() => smartphoneOrderForm(WEB, registration, { buyrMail: 'not-mail' }), (e: unknown) => e instanceof KcpInputError && e.field === 'buyr_mail');
    assert.throws(() => smartphoneOrderForm(WEB, { ...registration, payUrl: 'javascript:x' }), /^KcpInputError: registration\.payUrl must be the http\(s\) URL KCP returned/);
  });
});

describe('expressWindowReturn', () => {
  const US = '\x1f';
  type Order = { id: string; amount: number };
  let server: http.Server;
  let url: string;
  let runner: CannedRunner;
  let results: Array<WindowReturnResult<Order, string>>;
  let handler: ReturnType<typeof expressWindowReturn<Order, string>>;
  const orders = new Map<string, Order>([['RET-1', { id: 'RET-1', amount: 5000 }]]);

  before(async () => {
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m/return`;
  });
  // Each test its own runner, payment state and results: the tests pass alone and in any order.
  beforeEach(() => {
    results = [];
    runner = new CannedRunner([`res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=20261128000001${US}amount=5000${US}card_cd=CCSS\n`]);
    const payplus = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-window-')) }), { runner, logger: silentLogger, store: new MemoryStore() });
    handler = expressWindowReturn<Order, string>({
      payplus,
      findOrder: (id) => orders.get(id),
      commit: (approval, order) => `${order.id}:${approval.tno}`,
      respond: (res, result) => {
        results.push(result);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(result.status);
      },
    });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (fields: Record<string, string>) => {
    const enc = (t: string) => [...iconv.encode(t, 'cp949')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const body = Object.entries(fields).map(([k, v]) => `${k}=${enc(v)}`).join('&');
    return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text());
  };

  it('answers the buyer closing the window (3001, EUC-KR) itself: typed result, nothing sent to pp_cli', async () => {
    assert.equal(await post({ res_cd: '3001', res_msg: '사용자 취소', ordr_idxx: 'RET-1', tran_cd: '', enc_data: '', enc_info: '' }), 'user_cancelled');
    assert.equal(runner.calls.length, 0);
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.ok(r.status === 'user_cancelled');
    assert.deepEqual([r.resCd, r.resMsg, r.order], ['3001', '사용자 취소', { id: 'RET-1', amount: 5000 }]);
  });

  it('reports another window code as window_failed, also without pp_cli', async () => {
    assert.equal(await post({ res_cd: '9999', res_msg: '오류', ordr_idxx: 'NOPE' }), 'window_failed');
    assert.equal(runner.calls.length, 0);
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.ok(r.status === 'window_failed');
    assert.equal(r.order, undefined);
  });

  it('hands a completed window to processPayment (approval with the order\'s own amount)', async () => {
    assert.equal(await post({ res_cd: '0000', res_msg: '정상처리', ordr_idxx: 'RET-1', tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INFO', good_mny: '5000' }), 'approved');
    assert.equal(runner.calls.length, 1);
    assert.ok(runner.optionBytes(0).includes(Buffer.from('ordr_mony=5000')));
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.ok(r.status === 'approved');
    assert.equal(r.committed, 'RET-1:20261128000001');
  });
});

describe('expressWindowReturn behind an Express body parser', () => {
  type Order = { amount: number };
  const closed = Buffer.from(`res_cd=3001&res_msg=${[...iconv.encode('사용자 취소', 'cp949')].map((b) => `%${b.toString(16)}`).join('')}&ordr_idxx=RET-2`);

  async function withApp(parser: 'raw' | 'urlencoded', body: Buffer, contentType: string): Promise<{ text: string; result: WindowReturnResult<Order, string> | undefined }> {
    const express = (await import('express')).default;
    const runner = new CannedRunner([]);
    const payplus = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-window-')) }), { runner, logger: silentLogger, store: new MemoryStore() });
    let seen: WindowReturnResult<Order, string> | undefined;
    const app = express();
    app.post(
      '/ret',
      parser === 'raw' ? express.raw({ type: '*/*' }) : express.urlencoded({ extended: false }),
      expressWindowReturn<Order, string>({
        payplus,
        findOrder: () => ({ amount: 5000 }),
        commit: () => 'never',
        respond: (res, result) => {
          seen = result;
          res.end(result.status);
        },
      }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ret`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
      assert.equal(runner.calls.length, 0);
      return { text: await res.text(), result: seen };
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('express.raw(): the Buffer the parser read is decoded (EUC-KR), once, without reading the spent stream again', async () => {
    const { text, result } = await withApp('raw', closed, 'application/x-www-form-urlencoded; charset=euc-kr');
    assert.equal(text, 'user_cancelled');
    assert.ok(result?.status === 'user_cancelled');
    assert.deepEqual([result.resCd, result.resMsg, result.form.ordr_idxx], ['3001', '사용자 취소', 'RET-2']);
  });

  it('express.urlencoded(): the parsed fields are taken as they are', async () => {
    const { text, result } = await withApp('urlencoded', Buffer.from('res_cd=3001&res_msg=closed&ordr_idxx=RET-3'), 'application/x-www-form-urlencoded');
    assert.equal(text, 'user_cancelled');
    assert.ok(result?.status === 'user_cancelled');
    assert.deepEqual([result.resMsg, result.form.ordr_idxx], ['closed', 'RET-3']);
  });
});
