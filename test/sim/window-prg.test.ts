/**
 * The simulator's window answers every form post with 303 to a page read by GET (POST → redirect → GET), so a
 * browser's back button never lands on a form post: opening the window (plug-in form, standard-web frame, smartphone
 * sm_form), confirming and closing it. What the pages show is kept under random ids in a bounded store (WindowStore):
 * an entry expires, and the oldest go at the count or byte cap.
 */
import assert from 'node:assert/strict';
import { SiteConf } from '../../lib/config/index.js';
import { encodeForm, htmlText } from '../../lib/sim/codec.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { WindowStore } from '../../lib/sim/window-store.js';
import { registerTrade } from '../../lib/trade/index.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const FINISHED = htmlText('이미 끝난 결제창입니다.');
const handle = (page: string) => /name="__order" value="([^"]+)"/.exec(page)?.[1];

describe('simulator: the window posts, then redirects (POST → 303 → GET)', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterEach(() => sim.close());

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>) => fetch(`${sim.url}${path}`, { method: 'POST', headers: FORM, body, redirect: 'manual' });
  const get = (location: string) => fetch(new URL(location, sim.url), { redirect: 'manual' });

  /** A 303 to `path` with one query value; returns the Location. */
  function seeOther(res: Response, path: string, param: string): string {
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const location = res.headers.get('location')!;
    assert.match(location, new RegExp(`^${path.replace(/\./g, '\\.')}\\?${param}=[A-Za-z0-9_-]{24}$`));
    return location;
  }

  const plugInOrder = () => new Uint8Array(encodeForm([
    ['site_cd', 'T0000'], ['ordr_idxx', 'PRG-1'], ['good_name', 'mug'], ['good_mny', '1004'], ['pay_method', '100000000000'],
    ['__return_url', 'http://127.0.0.1:9/pp_ax_hub'], ['__js', 'TEST:utf-8'],
  ]));

  it('opening, confirming and reading the result are each a redirect to a GET; a finished window says so (410)', async () => {
    const windowUrl = seeOther(await post('/window', plugInOrder()), '/window', 'w');
    const page = await get(windowUrl);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.equal(handle(html), new URL(windowUrl, sim.url).searchParams.get('w'), 'the confirm and close posts carry the window handle');
    assert.ok(html.includes('id="kcp-sim-pay"'));
    assert.equal((await get(windowUrl)).status, 200, 'a reload shows the window again');

    const body = `__order=${handle(html)}&method=card&card=CCBC&quota=00`;
    const resultUrl = seeOther(await post('/window/confirm', body), '/window/result', 'r');
    assert.equal(seeOther(await post('/window/confirm', body), '/window/result', 'r'), resultUrl, 'a double click finds the same result');
    assert.equal(seeOther(await post('/window/close', `__order=${handle(html)}`), '/window/result', 'r'), resultUrl, 'so does a late close');
    assert.equal(sim.state.requests.length, 0);

    const result = await get(resultUrl);
    assert.equal(result.status, 200);
    const back = await result.text();
    assert.ok(back.includes('<form method="post" action="http://127.0.0.1:9/pp_ax_hub" accept-charset="utf-8">'), back);
    assert.match(back, /name="enc_data" value="[A-Za-z0-9._-]+"/);

    for (const [what, res] of [
      ['the result, read a second time', await get(resultUrl)],
      ['the window after its result', await get(windowUrl)],
      ['a confirm with an unknown handle', await post('/window/confirm', '__order=nope&method=card')],
      ['a close without a handle', await post('/window/close', '')],
    ] as const) {
      assert.equal(res.status, 410, what);
      const text = await res.text();
      assert.ok(text.includes(FINISHED) && !text.includes('kcp-sim-pay') && !text.includes('enc_data'), `${what}: ${text}`);
    }
  });

  it('a refused confirm (a bank that issues no virtual account) leaves the window open', async () => {
    const order = new Uint8Array(encodeForm([
      ['site_cd', 'T0000'], ['ordr_idxx', 'PRG-2'], ['good_mny', '1004'], ['pay_method', '001000000000'], ['__return_url', 'http://127.0.0.1:9/x'], ['__js', 'TEST:utf-8'],
    ]));
    const windowUrl = seeOther(await post('/window', order), '/window', 'w');
    const id = handle(await (await get(windowUrl)).text());
    assert.equal((await post('/window/confirm', `__order=${id}&method=vbank&vbank=99`)).status, 400);
    assert.equal((await get(windowUrl)).status, 200);
    seeOther(await post('/window/confirm', `__order=${id}&method=vbank&vbank=04`), '/window/result', 'r');
  });

  it('the standard-web frame and the close button: redirect, then the 3001 result once', async () => {
    const order = new Uint8Array(encodeForm([
      ['site_cd', 'T0000'], ['ordr_idxx', 'PRG-3'], ['good_mny', '15000'], ['pay_method', '100000000000'], ['__js', 'TEST:utf-8'], ['__mode', 'web'], ['__origin', 'http://127.0.0.1:9'],
    ]));
    const windowUrl = seeOther(await post('/window', order), '/window', 'w');
    const id = handle(await (await get(windowUrl)).text());
    const resultUrl = seeOther(await post('/window/close', `__order=${id}`), '/window/result', 'r');
    const page = await (await get(resultUrl)).text();
    assert.ok(page.includes('"res_cd":"3001"') && page.includes('parent.postMessage('), page);
    assert.equal((await get(resultUrl)).status, 410);
  });

  it('the smartphone window: sm_form posted to the payUrl is redirected to the same path, read by GET', async () => {
    const conf = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_web.jsp` });
    const reg = await registerTrade(conf, { ordrIdxx: 'PRG-4', amount: 89000, goodName: 'keyboard', payMethod: 'card', returnUrl: 'http://127.0.0.1:9/m/return', userAgent: 'test' });
    const smForm = new Uint8Array(encodeForm([
      ['req_tx', 'pay'], ['site_cd', 'T0000'], ['pay_method', 'CARD'], ['ordr_idxx', 'PRG-4'], ['good_mny', '89000'], ['currency', '410'],
      ['approval_key', reg.approvalKey], ['Ret_URL', 'http://127.0.0.1:9/m/return'],
    ]));
    const res = await fetch(reg.payUrl, { method: 'POST', headers: FORM, body: smForm, redirect: 'manual' });
    const windowUrl = seeOther(res, '/smpay/mobileGW.kcp', 'w');
    const page = await get(windowUrl);
    assert.equal(page.status, 200);
    const id = handle(await page.text());
    const result = await (await get(seeOther(await post('/window/confirm', `__order=${id}&method=card`), '/window/result', 'r'))).text();
    assert.ok(result.includes('action="http://127.0.0.1:9/m/return" accept-charset="euc-kr"'));
    assert.equal((await get(windowUrl)).status, 410, 'back to the window after paying: finished, no pay button');
  });
});

describe('WindowStore: what the window keeps stays bounded', () => {
  let clock = 0;
  const at = () => clock;
  beforeEach(() => {
    clock = 0;
  });

  it('reads an entry until it expires; take reads it once', () => {
    const store = new WindowStore<string>({ ttlMs: 1000, clock: at });
    const a = store.put('a');
    const b = store.put('b');
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{24}$/);
    clock = 999;
    assert.equal(store.get(a), 'a');
    assert.equal(store.take(b), 'b');
    assert.equal(store.get(b), undefined);
    clock = 1000;
    assert.equal(store.get(a), undefined);
    assert.equal(store.size, 0, 'an expired entry is dropped when read');
    assert.equal(store.get(undefined), undefined);
    assert.equal(store.get('nope'), undefined);
  });

  it('drops expired entries when a new one comes in, and the oldest at the count cap', () => {
    const store = new WindowStore<number>({ ttlMs: 1000, maxEntries: 3, clock: at });
    const ids = [store.put(1), store.put(2)];
    clock = 500;
    ids.push(store.put(3));
    clock = 1000; // 1 and 2 have expired
    ids.push(store.put(4));
    assert.equal(store.size, 2);
    ids.push(store.put(5), store.put(6)); // at the cap: 3 goes
    assert.equal(store.size, 3);
    assert.deepEqual(ids.map((id) => store.get(id)), [undefined, undefined, undefined, 4, 5, 6]);
  });

  it('drops the oldest at the byte cap', () => {
    const store = new WindowStore<string>({ ttlMs: 1000, maxBytes: 25, clock: at });
    const ids = ['a'.repeat(8), 'b'.repeat(8), 'c'.repeat(8)].map((v) => store.put(v)); // 10 bytes each as JSON
    assert.deepEqual(ids.map((id) => store.get(id)?.[0]), [undefined, 'b', 'c']);
    store.take(ids[1]);
    ids.push(store.put('d'.repeat(8)));
    assert.deepEqual(ids.map((id) => store.get(id)?.[0]), [undefined, undefined, 'c', 'd'], 'a taken entry frees its bytes');
  });
});
