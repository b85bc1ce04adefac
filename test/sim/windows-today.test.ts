/**
 * The simulator's windows of today over HTTP (the browser test drives them end to end): the standard-web script and
 * its frame, the close button's 3001, and the smartphone window at a registration's payUrl returning to Ret_URL.
 */
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { SiteConf } from '../../lib/config/index.js';
import { encodeForm } from '../../lib/sim/codec.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { registerTrade } from '../../lib/trade/index.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const field = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
/** The JSON a web-mode result page posts to the shop. */
function message(page: string): { type: string; fields: Record<string, string> } {
  const m = /parent\.postMessage\((\{.*\}), "http:\/\/127\.0\.0\.1:9"\);/.exec(page);
  assert.ok(m, `no postMessage to the shop origin in ${page}`);
  return JSON.parse(m[1]!) as { type: string; fields: Record<string, string> };
}

describe('simulator: windows of today', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterEach(() => sim.close());

  it('serves payplus_web.jsp: a layer that calls the page\'s m_Completepayment and provides GetField', async () => {
    const res = await fetch(`${sim.url}/plugin/payplus_web.jsp`);
    assert.equal(res.headers.get('content-type'), 'application/javascript; charset=utf-8');
    const js = await res.text();
    assert.ok(js.includes(`var ORIGIN = "${sim.url}"`));
    assert.ok(js.includes('window.m_Completepayment(result, closeEvent);'));
    assert.ok(js.includes('if (event.origin !== ORIGIN || !frame || event.source !== frame.contentWindow) return;'));
    assert.ok(js.includes('window.GetField = GetField;'));
    assert.ok(js.includes("document.body.style.position = 'fixed'"));
  });

  async function openWeb(): Promise<string> {
    const body = encodeForm([
      ['site_cd', 'T0000'], ['ordr_idxx', 'WEB-1'], ['good_name', '머그컵'], ['good_mny', '15000'], ['pay_method', '101000000000'],
      ['__js', 'TEST:utf-8'], ['__mode', 'web'], ['__origin', 'http://127.0.0.1:9'],
    ]);
    const page = await (await fetch(`${sim.url}/window`, { method: 'POST', headers: FORM, body: new Uint8Array(body) })).text();
    return /name="__order" value="([^"]+)"/.exec(page)![1]!;
  }

  it('web mode: the confirmed window posts 0000 and the tokens to the shop page, nowhere else', async () => {
    const blob = await openWeb();
    const page = await (await fetch(`${sim.url}/window/confirm`, { method: 'POST', headers: FORM, body: `__order=${blob}&method=card&card=CCBC&quota=00` })).text();
    const m = message(page);
    assert.equal(m.type, 'kcp-sim-web-result');
    assert.deepEqual(Object.keys(m.fields), ['ordr_idxx', 'res_cd', 'res_msg', 'enc_data', 'enc_info', 'tran_cd', 'trace_no', 'use_pay_method']);
    assert.deepEqual([m.fields.res_cd, m.fields.res_msg, m.fields.tran_cd, m.fields.use_pay_method], ['0000', '정상처리', '00100000', '100000000000']);
  });

  it('web mode: the close button answers 3001 사용자 취소 with no tokens', async () => {
    const blob = await openWeb();
    const page = await (await fetch(`${sim.url}/window/close`, { method: 'POST', headers: FORM, body: `__order=${blob}` })).text();
    assert.deepEqual(message(page).fields, { ordr_idxx: 'WEB-1', enc_data: '', enc_info: '', tran_cd: '', trace_no: '', use_pay_method: '', res_cd: '3001', res_msg: '사용자 취소' });
  });

  it('shows only the inputs each method needs', async () => {
    const body = encodeForm([['site_cd', 'T0000'], ['ordr_idxx', 'W-2'], ['good_mny', '1004'], ['pay_method', '011010000000'], ['__js', 'TEST:utf-8'], ['__mode', 'web'], ['__origin', 'http://127.0.0.1:9']]);
    const page = await (await fetch(`${sim.url}/window`, { method: 'POST', headers: FORM, body: new Uint8Array(body) })).text();
    assert.ok(page.includes('<fieldset class="kcp-inputs" data-method="bank">'), 'the first method is shown');
    assert.ok(page.includes('<fieldset class="kcp-inputs" data-method="vbank" hidden disabled>'));
    assert.ok(page.includes('<fieldset class="kcp-inputs" data-method="mobile" hidden disabled>'));
    assert.ok(!page.includes('name="card"'), 'no card selector without cards');
    assert.ok(page.includes('name="phone"') && page.includes('name="bank"') && page.includes('name="vbank"'));
  });

  async function register(payMethod: 'card' | 'vbank', ordrIdxx: string) {
    const conf = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_web.jsp` });
    return registerTrade(conf, { ordrIdxx, amount: 89000, goodName: '키보드', payMethod, returnUrl: 'http://127.0.0.1:9/m/return', userAgent: 'test' });
  }

  const smForm = (reg: { approvalKey: string }, extra: Array<[string, string]> = []) =>
    new Uint8Array(encodeForm([
      ['req_tx', 'pay'], ['site_cd', 'T0000'], ['shop_name', 'TEST SHOP'], ['pay_method', 'CARD'], ['ordr_idxx', 'M-1'], ['good_name', '키보드'], ['good_mny', '89000'],
      ['buyr_name', '홍길동'], ['currency', '410'], ['approval_key', reg.approvalKey], ['Ret_URL', 'http://127.0.0.1:9/m/return'], ...extra,
    ]));

  it('smartphone window: refuses an sm_form that differs from its registration', async () => {
    const reg = await register('card', 'M-1');
    const res = await fetch(reg.payUrl, { method: 'POST', headers: FORM, body: smForm(reg, [['good_mny', '100']]) });
    assert.equal(res.status, 400);
    assert.ok((await res.text()).includes('good_mny'));
    const unknown = await fetch(reg.payUrl, { method: 'POST', headers: FORM, body: smForm({ approvalKey: 'nope' }) });
    assert.equal(unknown.status, 400);
  });

  it('smartphone window: the confirmed payment returns to Ret_URL in EUC-KR with tokens the gateway approves', async () => {
    const reg = await register('card', 'M-1');
    const page = await (await fetch(reg.payUrl, { method: 'POST', headers: FORM, body: smForm(reg) })).text();
    assert.ok(page.includes('<input type="hidden" name="method" value="card">'));
    const blob = /name="__order" value="([^"]+)"/.exec(page)![1]!;
    const back = await fetch(`${sim.url}/window/confirm`, { method: 'POST', headers: FORM, body: `__order=${blob}&method=card&card=CCSS&quota=00` });
    assert.equal(back.headers.get('content-type'), 'text/html; charset=euc-kr');
    const html = iconv.decode(Buffer.from(await back.arrayBuffer()), 'cp949');
    assert.ok(html.includes('action="http://127.0.0.1:9/m/return" accept-charset="euc-kr"'));
    assert.deepEqual(
      ['res_cd', 'ordr_idxx', 'good_mny', 'approval_key', 'tran_cd', 'use_pay_method'].map((n) => field(html, n)),
      ['0000', 'M-1', '89000', reg.approvalKey, '00100000', '100000000000'],
    );
    assert.match(field(html, 'enc_data')!, /^[A-Za-z0-9._-]+$/);
    assert.equal(field(html, 'buyr_name'), undefined, 'only what KCP posts back, not the whole sm_form');
  });

  it('smartphone window: closing it returns 3001 to Ret_URL without tokens', async () => {
    const reg = await register('card', 'M-1');
    const page = await (await fetch(reg.payUrl, { method: 'POST', headers: FORM, body: smForm(reg) })).text();
    const blob = /name="__order" value="([^"]+)"/.exec(page)![1]!;
    const html = iconv.decode(Buffer.from(await (await fetch(`${sim.url}/window/close`, { method: 'POST', headers: FORM, body: `__order=${blob}` })).arrayBuffer()), 'cp949');
    assert.deepEqual(['res_cd', 'enc_data', 'tran_cd'].map((n) => field(html, n)), ['3001', '', '']);
    assert.equal(field(html, 'res_msg'), '&#49324;&#50857;&#51088; &#52712;&#49548;');
  });
});
