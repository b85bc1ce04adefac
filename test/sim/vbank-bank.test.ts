/**
 * The simulator's window issues the bank it shows: the bank preselected in the virtual-account (and transfer) window is
 * the one a window confirmed without a choice gets, a bank chosen there is the one in KCP's answer and the deposit
 * notification, and a bank that cannot issue virtual accounts is refused.
 */
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { encodeForm } from '../../lib/sim/codec.js';
import { Gateway } from '../../lib/sim/gateway.js';
import { TokenIssuer } from '../../lib/sim/token.js';
import { confirmWindow } from '../../lib/sim/window.js';

const US = '\x1f';
const KEY = '3grptw1.zW0GSo4PQdaGvsF__';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('simulator: the virtual-account window issues the bank it shows', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterEach(() => sim.close());

  /** Opens a standard-web window for a vbank+bank order and returns the page. */
  async function windowPage(ordrIdxx: string): Promise<string> {
    const body = encodeForm([
      ['site_cd', 'T0000'], ['ordr_idxx', ordrIdxx], ['good_mny', '5000'], ['pay_method', '011000000000'],
      ['__js', 'TEST:utf-8'], ['__mode', 'web'], ['__origin', 'http://127.0.0.1:9'],
    ]);
    return (await fetch(`${sim.url}/window`, { method: 'POST', headers: FORM, body: new Uint8Array(body) })).text();
  }

  /** The option a browser shows first in a select: the one marked selected, else the first. */
  function shownOption(page: string, name: string): { code: string; label: string } {
    const select = new RegExp(`<select name="${name}" id="${name}">(.*?)</select>`).exec(page)![1]!;
    const opts = [...select.matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)];
    const chosen = opts.find((o) => o[2]) ?? opts[0]!;
    return { code: chosen[1]!, label: chosen[3]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))) };
  }

  /** Confirms the window with the given form fields and approves the result at the gateway, as pp_cli would. */
  async function payThroughWindow(ordrIdxx: string, choice: string): Promise<Record<string, string>> {
    const blob = /name="__order" value="([^"]+)"/.exec(await windowPage(ordrIdxx))![1]!;
    const page = await (await fetch(`${sim.url}/window/confirm`, { method: 'POST', headers: FORM, body: `__order=${blob}&${choice}` })).text();
    const enc = (name: string) => new RegExp(`"${name}":"([^"]*)"`).exec(page)![1]!;
    const res = await fetch(`${sim.url}/00100000`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=euc-kr' },
      body: new Uint8Array(encodeForm(Object.entries({
        site_cd: 'T0000', site_key: KEY, tx_cd: '00100000', ordr_idxx: ordrIdxx, ordr_data: `ordr_data=ordr_mony=5000${US}`,
        enc_data: enc('enc_data'), enc_info: enc('enc_info'), trace_no: enc('trace_no'), cust_ip: '127.0.0.1',
      }))),
    });
    const line = iconv.decode(Buffer.from(await res.arrayBuffer()), 'cp949');
    return Object.fromEntries(line.split(US).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
  }

  it('the bank the window shows first is the bank a confirmed window without a choice issues', async () => {
    const page = await windowPage('VB-1');
    const shown = shownOption(page, 'vbank');
    assert.deepEqual(shown, { code: '04', label: '국민은행' });
    const answer = await payThroughWindow('VB-1', 'method=vbank');
    assert.deepEqual([answer.res_cd, answer.bankcode, answer.bankname], ['0000', `BK${shown.code}`, shown.label]);
    assert.deepEqual(shownOption(page, 'bank'), { code: '04', label: '국민은행' });
  });

  it('issues the bank chosen in the window (기업은행 03) in the answer, for a transfer too', async () => {
    const answer = await payThroughWindow('VB-2', 'method=vbank&vbank=03');
    assert.deepEqual([answer.res_cd, answer.pay_method, answer.bankcode, answer.bankname], ['0000', 'PAVC', 'BK03', '기업은행']);
    assert.equal(sim.state.transactions.get(answer.tno!)!.bank, '03');
    const transfer = await payThroughWindow('BK-2', 'method=bank&bank=03');
    assert.deepEqual([transfer.bank_code, transfer.bank_name], ['BK03', '기업은행']);
  });

  it("the deposit notification names the account's bank", () => {
    const tokens = new TokenIssuer('secret');
    const gateway = new Gateway(tokens);
    const w = confirmWindow(tokens, { fields: { site_cd: 'T0000', ordr_idxx: 'VB-5', good_mny: '5000' }, env: 'TEST' }, { method: 'vbank', bank: '03' }, '127.0.0.1', new Date());
    const answer = gateway.handle('00100000', new Map(Object.entries({
      site_cd: 'T0000', site_key: KEY, ordr_idxx: 'VB-5', ordr_data: `ordr_data=ordr_mony=5000${US}`, enc_data: w.enc_data, enc_info: w.enc_info,
    })));
    const tno = answer.fields.find(([k]) => k === 'tno')![1];
    const notice = new Map(gateway.deposit(tno, { notiId: 'N1' }));
    assert.equal(notice.get('bank_code'), 'BK03');
  });

  it('refuses a bank that does not issue virtual accounts, naming it', async () => {
    const blob = /name="__order" value="([^"]+)"/.exec(await windowPage('VB-3'))![1]!;
    const res = await fetch(`${sim.url}/window/confirm`, { method: 'POST', headers: FORM, body: `__order=${blob}&method=vbank&vbank=02` });
    assert.equal(res.status, 400);
    const text = (await res.text()).replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
    assert.match(text, /가상계좌를 발급할 수 없는 은행입니다 \(bank &quot;02&quot; is not one of 03, 04/);
    assert.throws(() => sim.pay({ site_cd: 'T0000', ordr_idxx: 'VB-4', good_mny: 5000, method: 'vbank', bank: '02' }), /sim pay: 가상계좌를 발급할 수 없는 은행입니다/);
  });
});
