/**
 * The simulator's gateway endpoint, driven over HTTP exactly as the stand-in drives it (POST /<tx_cd>, EUC-KR form).
 */
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { encodeForm } from '../../lib/sim/codec.js';

const US = '\x1f';
const KEY = '3grptw1.zW0GSo4PQdaGvsF__';
const NOW = new Date(2026, 10, 26, 14, 29, 16);

interface Answer {
  line: string;
  f: Record<string, string>;
}

async function gateway(sim: Simulator, txCd: string, fields: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${sim.url}/${txCd}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=euc-kr' },
    body: new Uint8Array(encodeForm(Object.entries({ site_cd: 'T0000', site_key: KEY, tx_cd: txCd, ...fields }))),
  });
  assert.equal(res.status, 200);
  const line = iconv.decode(Buffer.from(await res.arrayBuffer()), 'cp949');
  const f: Record<string, string> = {};
  for (const t of line.split(US)) f[t.slice(0, t.indexOf('='))] = t.slice(t.indexOf('=') + 1);
  return { line, f };
}

const mod = (items: Record<string, string>) =>
  `mod_data=${Object.entries(items).map(([k, v]) => `${k}=${v}${US}`).join('')}`;

describe('simulator gateway (HTTP)', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ port: 0, now: () => new Date(NOW), slowMs: 50 });
  });
  afterEach(() => sim.close());

  async function approve(order: Parameters<Simulator['pay']>[0], ordrMony = String(order.good_mny)): Promise<Answer> {
    const w = sim.pay(order);
    assert.match(w.enc_data, /^[A-Za-z0-9._-]+$/);
    assert.match(w.enc_info, /^[A-Za-z0-9._-]+$/);
    return gateway(sim, w.tran_cd, {
      site_cd: order.site_cd, site_key: order.site_cd === 'T0007' ? '4Ho4YsuOZlLXUZUdOxM1Q7X__' : KEY, ordr_idxx: order.ordr_idxx, ordr_data: `ordr_data=ordr_mony=${ordrMony}${US}`, enc_data: w.enc_data, enc_info: w.enc_info,
      trace_no: w.trace_no, cust_ip: '127.0.0.1',
    });
  }

  it('approves a card payment, partially cancels it, cancels the rest, then refuses a second cancel', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'ORD-1', good_mny: 5000, method: 'card', card: 'CCKM' });
    assert.equal(a.f.res_cd, '0000');
    assert.deepEqual(Object.keys(a.f).slice(0, 6), ['res_cd', 'res_msg', 'res_en_msg', 'pay_method', 'order_no', 'card_cd']);
    assert.equal(a.f.res_msg, '정상처리');
    assert.equal(a.f.pay_method, 'PACA');
    assert.equal(a.f.card_name, 'KB국민카드');
    assert.equal(a.f.tno, '20261126962625');
    assert.equal(a.f.amount, '5000');
    assert.match(a.f.card_no!, /^\d{6}\*{6}\d{4}$/);
    assert.match(a.f.app_no!, /^\d{8}$/);

    const wrongBalance = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STPC', mod_mny: '1000', rem_mny: '4000' }) });
    assert.equal(wrongBalance.line, `res_cd=8735${US}res_msg=취소가능잔액 불일치${US}res_en_msg=cancellable balance mismatch`);

    const part = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STPC', mod_ip: '1.2.3.4', mod_mny: '1000', rem_mny: '5000' }) });
    assert.equal(part.line, [
      'res_cd=0000', 'res_msg=정상처리', 'res_en_msg=processing completed', `tno=${a.f.tno}`, 'amount=5000', 'panc_mod_mny=1000',
      'panc_rem_mny=4000', 'panc_card_mod_mny=1000', 'panc_coupon_mod_mny=0', 'card_cd=CCKM', 'card_name=KB국민카드',
      'coupon_mny=0', 'canc_time=20261126142916',
    ].join(US));

    const tooMuch = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STPC', mod_mny: '4001', rem_mny: '4000' }) });
    assert.equal(tooMuch.f.res_cd, '8734');

    const cancel = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STSC', mod_ip: '1.2.3.4', mod_desc: '고객 요청' }) });
    assert.equal(cancel.line, `res_cd=0000${US}res_msg=정상처리${US}res_en_msg=processing completed${US}tno=${a.f.tno}${US}amount=5000${US}canc_time=20261126142916`);

    const again = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STSC' }) });
    assert.equal(again.line, `res_cd=8133${US}res_msg=이미 취소된 거래${US}res_en_msg=already cancelled transaction`);
    assert.deepEqual(sim.state.transactions.get(a.f.tno!)!.history.map((h) => h.modType), ['STSR', 'STPC', 'STSC']);
  });

  it('answers 8059 when ordr_mony differs from the amount the window approved', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'ORD-2', good_mny: 1004 }, '1000');
    assert.equal(a.line, `res_cd=8059${US}res_msg=포맷에러(지불정보-공통:결제금액 불일치)${US}res_en_msg=format error(payment amount mismatch)`);
    assert.equal(sim.state.transactions.size, 0);
  });

  it('refuses to approve the same window result twice', async () => {
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'DUP', good_mny: 1000 });
    const body = { ordr_data: `ordr_data=ordr_mony=1000${US}`, enc_data: w.enc_data, enc_info: w.enc_info };
    assert.equal((await gateway(sim, '00100000', body)).f.res_cd, '0000');
    assert.equal((await gateway(sim, '00100000', body)).line, `res_cd=8128${US}res_msg=신용카드 중복거래 요청 거절${US}res_en_msg=duplicate card transaction refused`);
  });

  it('answers 6003 for enc_data it did not issue or a mismatched enc_info', async () => {
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'X', good_mny: 1000 });
    assert.equal((await gateway(sim, '00100000', { enc_data: `${w.enc_data}x`, enc_info: w.enc_info })).f.res_cd, '6003');
    const other = sim.pay({ site_cd: 'T0000', ordr_idxx: 'Y', good_mny: 1000 });
    assert.equal((await gateway(sim, '00100000', { enc_data: w.enc_data, enc_info: other.enc_info })).f.res_cd, '6003');
  });

  it('answers 3014 for an unknown site, a wrong key, or a REAL site code with the TEST window; 8001 for a REAL site on the TEST gateway', async () => {
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'S', good_mny: 1000 });
    const enc = { enc_data: w.enc_data, enc_info: w.enc_info };
    assert.equal((await gateway(sim, '00100000', { ...enc, site_key: 'wrongkey' })).line, `res_cd=3014${US}res_msg=미등록 가맹점${US}res_en_msg=unregistered merchant`);
    assert.equal((await gateway(sim, '00200000', { site_cd: 'T1234', modx_data: mod({ tno: '1', mod_type: 'STSC' }) })).f.res_cd, '3014');
    const real = sim.pay({ site_cd: 'SR123', ordr_idxx: 'R', good_mny: 1000, env: 'TEST' });
    assert.equal((await gateway(sim, '00100000', { site_cd: 'SR123', enc_data: real.enc_data, enc_info: real.enc_info })).f.res_cd, '3014');
    const realWindow = sim.pay({ site_cd: 'SR123', ordr_idxx: 'R', good_mny: 1000, env: 'REAL' });
    assert.equal((await gateway(sim, '00100000', { site_cd: 'SR123', enc_data: realWindow.enc_data, enc_info: realWindow.enc_info })).line,
      `res_cd=8001${US}res_msg=사이트 DB 설정 오류${US}res_en_msg=site DB setting error`);
  });

  it('declines on the documented triggers: DECLINE card → 8108, TIMEOUT card → CC72, amount …991 → 8108, …994 → 8105', async () => {
    assert.equal((await approve({ site_cd: 'T0000', ordr_idxx: 'D1', good_mny: 1000, card: 'DECLINE' })).line, `res_cd=8108${US}res_msg=카드번호 오류${US}res_en_msg=card number error`);
    assert.equal((await approve({ site_cd: 'T0000', ordr_idxx: 'D2', good_mny: 1000, card: 'TIMEOUT' })).line, `res_cd=CC72${US}res_msg=카드사 TIME-OUT${US}res_en_msg=card company time-out`);
    assert.equal((await approve({ site_cd: 'T0000', ordr_idxx: 'D3', good_mny: 12991 })).f.res_cd, '8108');
    assert.equal((await approve({ site_cd: 'T0000', ordr_idxx: 'D4', good_mny: 12994 })).f.res_cd, '8105');
  });

  it('approves and records an amount ending in 995 but answers 0000 without its tno (the outcome-unknown case)', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'NOTNO', good_mny: 2995 });
    assert.deepEqual([a.f.res_cd, a.f.order_no, a.f.amount, 'tno' in a.f], ['0000', 'NOTNO', '2995', false]);
    const recorded = [...sim.state.transactions.values()].filter((t) => t.ordrIdxx === 'NOTNO');
    assert.deepEqual(recorded.map((t) => [t.state, t.amount]), [['approved', 2995]]);
  });

  it('amount …996: CC72 with the tno while the ledger holds the charge approved (the simulator\'s own case)', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'D5', good_mny: 12996 });
    const [tx, ...others] = [...sim.state.transactions.values()].filter((t) => t.ordrIdxx === 'D5');
    assert.equal(others.length, 0);
    assert.deepEqual([tx!.state, tx!.amount], ['approved', 12996]);
    assert.equal(
      a.line,
      `res_cd=CC72${US}res_msg=카드사 TIME-OUT${US}res_en_msg=card company time-out${US}pay_method=PACA${US}order_no=D5${US}tno=${tx!.tno}${US}amount=12996`,
    );
  });

  it('holds the answer for slowMs on amounts ending in 993, then approves', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'SLOW', good_mny: 1993 });
    assert.equal(a.f.res_cd, '0000');
  });

  it('issues virtual accounts, bank transfers, mobile, point and gift-card approvals with their fields', async () => {
    const v = await approve({ site_cd: 'T0000', ordr_idxx: 'VA', good_mny: 5000, method: 'vbank', buyr_name: '홍길동' });
    assert.deepEqual([v.f.pay_method, v.f.bankcode, v.f.bankname, v.f.depositor, v.f.va_date, v.f.va_name],
      ['PAVC', 'BK04', '국민은행', 'KCP 테스트', '20261203235959', '홍길동']);
    assert.match(v.f.account!, /^T04\d{11}$/);
    const b = await approve({ site_cd: 'T0000', ordr_idxx: 'BK', good_mny: 5000, method: 'bank' });
    assert.deepEqual([b.f.pay_method, b.f.bank_code, b.f.bank_name, b.f.bk_mny], ['PABK', 'BK04', '국민은행', '5000']);
    const m = await approve({ site_cd: 'T0000', ordr_idxx: 'MC', good_mny: 5000, method: 'mobile' });
    assert.deepEqual([m.f.pay_method, m.f.commid, m.f.mobile_no], ['PAMC', 'SKT', '010****1111']);
    const p = await approve({ site_cd: 'T0000', ordr_idxx: 'PT', good_mny: 5000, method: 'point' });
    assert.deepEqual([p.f.pay_method, p.f.pnt_amount, p.f.pnt_issue], ['PAPT', '5000', 'SCSK']);
    const g = await approve({ site_cd: 'T0000', ordr_idxx: 'TK', good_mny: 5000, method: 'giftcard' });
    assert.deepEqual([g.f.pay_method, g.f.tk_order_id], ['PATK', 'TK']);
  });

  it('captures a card approval once (STMR)', async () => {
    const a = await approve({ site_cd: 'T0000', ordr_idxx: 'CAP', good_mny: 3000 });
    const first = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STMR' }) });
    assert.equal(first.f.res_cd, '0000');
    const second = await gateway(sim, '00200000', { modx_data: mod({ tno: a.f.tno!, mod_type: 'STMR' }) });
    assert.equal(second.line, `res_cd=8136${US}res_msg=이미 매입요청된 거래${US}res_en_msg=already captured transaction`);
  });

  it('walks an escrow payment through STE1 and refuses STE2 after shipping, accepts STE4', async () => {
    const a = await approve({ site_cd: 'T0007', ordr_idxx: 'ESC', good_mny: 7000, escw_used: 'Y' });
    assert.equal(a.f.escw_yn, 'Y');
    const site = { site_cd: 'T0007', site_key: '4Ho4YsuOZlLXUZUdOxM1Q7X__' };
    assert.equal((await gateway(sim, '00200000', { ...site, modx_data: mod({ tno: a.f.tno!, mod_type: 'STE1', deli_numb: '' }) })).f.res_cd, '8101');
    assert.equal((await gateway(sim, '00200000', { ...site, modx_data: mod({ tno: a.f.tno!, mod_type: 'STE1', deli_numb: '1234', deli_corp: 'CJ대한통운' }) })).f.res_cd, '0000');
    assert.equal((await gateway(sim, '00200000', { ...site, modx_data: mod({ tno: a.f.tno!, mod_type: 'STE2' }) })).f.res_cd, '8138');
    assert.equal((await gateway(sim, '00200000', { ...site, modx_data: mod({ tno: a.f.tno!, mod_type: 'STE4' }) })).f.res_cd, '0000');
    const plain = await approve({ site_cd: 'T0000', ordr_idxx: 'NOESC', good_mny: 7000 });
    assert.equal((await gateway(sim, '00200000', { modx_data: mod({ tno: plain.f.tno!, mod_type: 'STE1' }) })).f.res_cd, '8139');
  });

  it('cancels an unpaid escrow virtual account with STE5', async () => {
    const a = await approve({ site_cd: 'T0007', ordr_idxx: 'ESCVA', good_mny: 7000, method: 'vbank', escw_used: 'Y' });
    const r = await gateway(sim, '00200000', { site_cd: 'T0007', site_key: '4Ho4YsuOZlLXUZUdOxM1Q7X__', modx_data: mod({ tno: a.f.tno!, mod_type: 'STE5' }) });
    assert.equal(r.f.res_cd, '0000');
    assert.equal(sim.state.transactions.get(a.f.tno!)!.state, 'cancelled');
  });

  it('issues, queries and cancels a cash receipt (07010000 / 07030000 / 07020000)', async () => {
    const ordr = `ordr_data=ordr_idxx=CR1${US}good_name=책${US}buyr_name=홍길동${US}rcpt_data=user_type=PGNW${US}trad_time=20261126142916${US}tr_code=0${US}id_info=01012345678${US}amt_tot=1100${US}amt_sup=1000${US}amt_svc=0${US}amt_tax=100${US}pay_type=PAXX${US}${US}corp_data=corp_type=0${US}${US}`;
    const issued = await gateway(sim, '07010000', { ordr_idxx: 'CR1', ordr_data: ordr });
    assert.equal(issued.f.res_cd, '0000');
    assert.equal(issued.f.reg_stat, 'NTNC');
    const cashNo = issued.f.cash_no!;
    const modx = (t: string) => mod({ mod_type: t, mod_value: cashNo, mod_gubn: 'MG01', trad_time: '20261126142916' });
    assert.equal((await gateway(sim, '07030000', { modx_data: modx('STSQ') })).f.reg_stat, 'NTNC');
    assert.equal((await gateway(sim, '07020000', { modx_data: modx('STSC') })).f.reg_stat, 'CNCL');
    assert.equal((await gateway(sim, '07020000', { modx_data: modx('STSC') })).f.res_cd, '8133');
    assert.equal((await gateway(sim, '07010000', { ordr_data: 'ordr_data=amt_tot=abc\x1f' })).f.res_cd, '8101');
  });
});

describe('simulator payment window (HTTP)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ port: 0, now: () => new Date(NOW) });
  });
  after(() => sim.close());

  it('serves the plugin scripts with the entry functions, bound to the simulator origin', async () => {
    const res = await fetch(`${sim.url}/plugin/payplus_test.js`);
    assert.equal(res.status, 200);
    const js = await res.text();
    for (const name of ['KCP_Pay_Execute', 'KCP_Pay_Execute_Web', 'MakePayMessage', 'StartSmartUpdate']) assert.ok(js.includes(`window.${name} =`), name);
    assert.ok(js.includes(`var ORIGIN = "${sim.url}", ENV = "TEST", CHARSET = "euc-kr"`));
    assert.ok((await (await fetch(`${sim.url}/plugin/payplus_test_un.js`)).text()).includes('CHARSET = "utf-8"'));
    assert.equal((await fetch(`${sim.url}/plugin/other.js`)).status, 404);
  });

  it('takes an EUC-KR order form, lets the payer confirm, and posts the form back with enc_data, enc_info, tran_cd, trace_no, use_pay_method', async () => {
    const order = encodeForm([
      ['req_tx', 'pay'], ['site_cd', 'T0000'], ['ordr_idxx', 'WIN-1'], ['good_name', '테스트 상품'], ['good_mny', '1004'],
      ['pay_method', '100000000000'], ['buyr_name', '홍길동'], ['__return_url', 'http://127.0.0.1:9/pp_ax_hub'], ['__js', 'TEST:euc-kr'],
    ]);
    const page = await (await fetch(`${sim.url}/window`, { method: 'POST', body: new Uint8Array(order), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).text();
    assert.ok(page.includes('<div class="kcp-amount" id="good_mny">1,004&#50896;</div>'), 'the amount as 1,004원');
    assert.ok(page.includes('<input type="hidden" name="method" value="card">'), 'one method: no choice to make');
    assert.ok(!page.includes('value="vbank"'), 'only the methods of pay_method are offered');
    assert.ok(page.includes('TEST &#49884;&#48044;&#47112;&#51060;&#53552;'), 'labelled TEST 시뮬레이터');
    const blob = /name="__order" value="([^"]+)"/.exec(page)![1]!;
    const confirm = await fetch(`${sim.url}/window/confirm`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `__order=${blob}&method=card&card=CCBC&quota=00`,
    });
    assert.equal(confirm.headers.get('content-type'), 'text/html; charset=euc-kr');
    const back = await confirm.text();
    assert.ok(back.includes('action="http://127.0.0.1:9/pp_ax_hub" accept-charset="euc-kr"'));
    const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(back)?.[1];
    assert.equal(field('good_name'), '&#53580;&#49828;&#53944; &#49345;&#54408;');
    assert.equal(field('tran_cd'), '00100000');
    assert.equal(field('use_pay_method'), '100000000000');
    assert.equal(field('trace_no'), 'T0000BQETG60GRNn');
    assert.equal(field('__js'), undefined);
    const w = { enc_data: field('enc_data')!, enc_info: field('enc_info')! };
    const approved = await gateway(sim, '00100000', { ...w, ordr_data: `ordr_data=ordr_mony=1004${US}` });
    assert.equal(approved.f.card_cd, 'CCBC');
    assert.equal(approved.f.order_no, 'WIN-1');
  });

  it('shows an error page for an order without a valid good_mny', async () => {
    const res = await fetch(`${sim.url}/window`, { method: 'POST', body: new Uint8Array(encodeForm([['site_cd', 'T0000'], ['ordr_idxx', 'A'], ['good_mny', '1,000'], ['__return_url', 'http://x/']])) });
    assert.equal(res.status, 400);
    assert.ok((await res.text()).includes('good_mny must be a positive integer'));
  });
});
