/**
 * Payment events in the sample shop, through a real browser (Debian's chromium through playwright-core), everything
 * on 127.0.0.1: a tampered amount, a closed window (smartphone and PC), an order paid twice and a virtual-account deposit (the
 * simulator's notification) each produce their event (the staff page /staff/events, fed by payplus.on('event')),
 * their SDK log line and their `kcp-payplus trace` entry, and /staff/metrics counts exactly them. Both staff pages
 * answer 401 without the staff login.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runTraceCommand } from '../../lib/cli/commands/trace.js';
import { logDirsOf } from '../../lib/log/paths.js';
import { listLogFiles } from '../../lib/trace/index.js';
import { startSample, type Sample } from '../../sample/runtime.js';
import { launchChromium, openWindow } from '../helpers/shop-browser.js';
import { waitFor } from '../helpers/wait.js';

const STAFF_PASSWORD = 'browser-test-staff-password';

interface ListedEvent {
  time: string;
  type: string;
  logEvent: string;
  ordrIdxx: string;
  fields: Record<string, unknown>;
}

describe('sample shop in chromium: payment events, SDK log, trace and counters', function () {
  this.timeout(120_000);
  let sample: Sample;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page; // the buyer
  let staff: Page; // a staff member, logged in, in the same browser

  before(async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kcp-shop-events-'));
    sample = await startSample({
      port: 0,
      simPort: 0,
      homeDir: path.join(tmp, 'kcp'),
      logDir: path.join(tmp, 'log'),
      cfgFile: path.join(tmp, 'cfg', 'site_conf_inc.json'),
      adminPassword: STAFF_PASSWORD,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    staff = await context.newPage();
    staff.setDefaultTimeout(20_000);
    const first = await staff.goto(`${sample.shopUrl}/staff/orders`);
    assert.equal(first?.status(), 401);
    await staff.fill('#password', STAFF_PASSWORD);
    await staff.click('#login');
    await staff.waitForURL(`${sample.shopUrl}/staff/orders`);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sample?.close();
  });

  /** What the staff member's browser gets from a staff page (status, content type, body). */
  async function staffGet(url: string): Promise<{ status: number; type: string; body: string }> {
    const response = await staff.goto(`${sample.shopUrl}${url}`);
    assert.ok(response);
    return { status: response.status(), type: response.headers()['content-type'] ?? '', body: await response.text() };
  }
  const listedEvents = async (): Promise<ListedEvent[]> => JSON.parse((await staffGet('/staff/events')).body) as ListedEvent[];
  /** The order's events as /staff/events lists them, oldest first. */
  const eventsOf = async (ordrIdxx: string) => (await listedEvents()).filter((e) => e.ordrIdxx === ordrIdxx).reverse();
  /** Waits (bounded) until /staff/events lists exactly `types` for the order, in that order; returns them. */
  async function awaitEvents(ordrIdxx: string, types: string[]): Promise<ListedEvent[]> {
    let seen: ListedEvent[] = [];
    await waitFor(async () => {
      seen = await eventsOf(ordrIdxx);
      return seen.length >= types.length;
    }, `${types.join(', ')} for ${ordrIdxx} on /staff/events`);
    assert.deepEqual(seen.map((e) => e.type), types);
    return seen;
  }

  /** The SDK log's lines (JSON lines in the sample's log folder). */
  const sdkLines = () =>
    listLogFiles(logDirsOf(sample.conf))
      .filter((f) => f.source === 'sdk')
      .flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  const logged = (event: string, ordrIdxx: string) => sdkLines().filter((l) => l.event === event && l.ordr_idxx === ordrIdxx);

  /** What `kcp-payplus trace <order> --log-dir …` prints for the order. */
  async function story(ordrIdxx: string): Promise<string> {
    const out: string[] = [];
    const args = [ordrIdxx, ...logDirsOf(sample.conf).flatMap((d) => ['--log-dir', d])];
    const code = await runTraceCommand(args, { loadConf: () => Promise.reject(new Error('no config here')), stdout: (t) => void out.push(t), stderr: (t) => void out.push(t) });
    assert.equal(code, 0, out.join(''));
    return out.join('');
  }

  /** Pays in the open window's frame until the shop's result page. */
  async function payInWindow(on: Page): Promise<void> {
    await on.frameLocator('#kcp_sim_web_frame').locator('#kcp-sim-pay').click();
    await on.waitForSelector('#status');
  }

  it('staff monitoring pages answer 401 without the staff login', async () => {
    for (const url of ['/staff/metrics', '/staff/events']) {
      const response = await fetch(`${sample.shopUrl}${url}`, { redirect: 'manual' });
      assert.equal(response.status, 401, url);
      const body = await response.text();
      assert.ok(!body.includes('kcp_payplus_events_total') && !body.includes('"logEvent"'), `${url} shows nothing without a login`);
    }
  });

  it('a tampered amount: refused (amount_mismatch) event, a level-0 SDK log line and its trace entry', async () => {
    const ordrIdxx = await openWindow(page, sample.shopUrl, 'keyboard', 'card', {
      before: (p) =>
        p.evaluate(() => {
          (document.querySelector('input[name=good_mny]') as HTMLInputElement).value = '100';
        }),
    });
    await payInWindow(page);
    assert.equal(await page.textContent('#status'), '결제를 진행하지 않았습니다');
    const [event] = await awaitEvents(ordrIdxx, ['refused']);
    assert.equal(event!.logEvent, 'payment.refused');
    assert.deepEqual(event!.fields, { reason: 'amount_mismatch', form_amount: '100', amount: '89000' });
    const lines = logged('payment.refused', ordrIdxx);
    assert.deepEqual(lines.map((l) => [l.level, l.fields]), [[0, { reason: 'amount_mismatch', form_amount: '100', amount: '89000' }]]);
    assert.match(await story(ordrIdxx), /payment\.refused \[refused\] reason=amount_mismatch form_amount=100 amount=89000\n/);
  });

  // The smartphone window: closing it posts res_cd 3001 to Ret_URL, so the server learns it.
  it('a closed window: window_closed event (3001), its SDK log line and trace entry', async () => {
    const ordrIdxx = await openWindow(page, sample.shopUrl, 'mug', 'card', { path: '/m/' });
    await page.click('#kcp-sim-close');
    await page.waitForSelector('#status');
    assert.equal(page.url(), `${sample.shopUrl}/orders/${ordrIdxx}?notice=user_cancelled`);
    const [event] = await awaitEvents(ordrIdxx, ['window_closed']);
    assert.equal(event!.logEvent, 'payment.window_exit');
    assert.equal(event!.fields.res_cd, '3001');
    const lines = logged('payment.window_exit', ordrIdxx);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 1);
    assert.equal((lines[0]!.fields as Record<string, unknown>).res_cd, '3001');
    assert.match(await story(ordrIdxx), /payment\.window_exit \[window_closed\] res_cd=3001 /);
  });

  // The PC standard-web window reports a close (3001) only to the page's m_Completepayment (docs/windows-today.md §1);
  // the sample's page (standardWebOrderPage with reportExit) posts it to pp_ax_hub in the background and stays put.
  it('a closed standard-web window (PC): the page reports it, so window_closed, its SDK log line and trace entry', async () => {
    const before = sample.sim.state.requests.length;
    const ordrIdxx = await openWindow(page, sample.shopUrl, 'mug', 'card');
    await page.frameLocator('#kcp_sim_web_frame').locator('#kcp-sim-close').click();
    await page.waitForSelector('#window-message', { state: 'visible' });
    assert.equal(page.url(), `${sample.shopUrl}/orders/${ordrIdxx}/checkout`, 'the buyer stays on the order page');
    const [event] = await awaitEvents(ordrIdxx, ['window_closed']);
    assert.equal(event!.logEvent, 'payment.window_exit');
    assert.deepEqual(event!.fields, { res_cd: '3001', res_msg: '사용자 취소' });
    assert.deepEqual(logged('payment.window_exit', ordrIdxx).map((l) => [l.level, l.fields]), [[1, { res_cd: '3001', res_msg: '사용자 취소' }]]);
    assert.match(await story(ordrIdxx), /payment\.window_exit \[window_closed\] res_cd=3001 /);
    assert.equal(sample.sim.state.requests.length, before, 'nothing reached the gateway');
    assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'pending');
  });

  it('an order paid twice (an old tab): approved, then duplicate; both logged and traced in order', async () => {
    await page.goto(`${sample.shopUrl}/`);
    const product = page.locator('form:has(#buy-sticker)');
    await product.locator('select[name=method]').selectOption('card');
    await product.locator('#buy-sticker').click();
    await page.waitForSelector('#pay');
    const ordrIdxx = (await page.textContent('#ordr_idxx'))!.trim();
    const other = await context.newPage();
    other.setDefaultTimeout(20_000);
    try {
      await other.goto(page.url());
      await page.click('#pay');
      await payInWindow(page);
      assert.equal(await page.textContent('#status'), '결제 완료');
      await other.click('#pay');
      await payInWindow(other);
      assert.equal(await other.textContent('#status'), '이미 결제된 주문입니다');
    } finally {
      await other.close();
    }
    const tno = sample.shop.orders.get(ordrIdxx)!.tno!;
    const [approved, duplicate] = await awaitEvents(ordrIdxx, ['approved', 'duplicate']);
    assert.equal(approved!.logEvent, 'payment.committed');
    assert.equal(duplicate!.logEvent, 'payment.duplicate');
    assert.deepEqual([duplicate!.fields.state, duplicate!.fields.tno], ['committed', tno]);
    assert.equal(logged('payment.committed', ordrIdxx).length, 1);
    assert.deepEqual(logged('payment.duplicate', ordrIdxx).map((l) => [l.level, (l.fields as Record<string, unknown>).state]), [[1, 'committed']]);
    const s = await story(ordrIdxx);
    const at = ['payment.committed [approved]', 'payment.duplicate [duplicate]'].map((t) => s.indexOf(t));
    assert.ok(at[0]! > 0 && at[1]! > at[0]!, s);
  });

  it("a virtual account's deposit (the simulator's notification): received and handled, logged, and traced after the approval", async () => {
    const ordrIdxx = await openWindow(page, sample.shopUrl, 'sticker', 'vbank');
    await page.frameLocator('#kcp_sim_web_frame').locator('#kcp-sim-pay').click();
    await page.waitForSelector('#status');
    assert.equal(await page.textContent('#status'), '입금 대기');
    await staff.goto(`${sample.shopUrl}/staff/orders`);
    await staff.click(`#order-${ordrIdxx} button.deposit`);
    await staff.waitForSelector('#notice');
    const tno = sample.shop.orders.get(ordrIdxx)!.tno!;
    const [, received, handled] = await awaitEvents(ordrIdxx, ['approved', 'notification_received', 'notification_handled']);
    for (const e of [received!, handled!]) assert.deepEqual([e.fields.txCd, e.fields.tno], ['TX00', tno]);
    assert.equal(received!.fields.ip, undefined, "the page leaves out the sender's address");
    assert.equal(logged('notify.received', ordrIdxx).length, 1);
    assert.deepEqual(logged('notify.processed', ordrIdxx).map((l) => l.level), [1]);
    const s = await story(ordrIdxx);
    const at = ['payment.committed [approved]', 'notify.received [notification_received] txCd=TX00', 'notify.processed [notification_handled] txCd=TX00'].map((t) => s.indexOf(t));
    assert.ok(at[0]! > 0 && at[0]! < at[1]! && at[1]! < at[2]!, s);
    assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'paid');
  });

  it('/staff/metrics counts exactly those events, in the Prometheus text format', async () => {
    const metrics = await staffGet('/staff/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
    const counters = metrics.body.split('\n').filter((l) => l.startsWith('kcp_payplus_'));
    const count = (type: string) => counters.find((l) => l.startsWith(`kcp_payplus_events_total{event="${type}"} `));
    assert.deepEqual(
      ['approved', 'declined', 'refused', 'window_closed', 'duplicate', 'auto_cancelled', 'unknown', 'notification_received', 'notification_handled', 'notification_refused', 'notification_failed'].map(count),
      [
        'kcp_payplus_events_total{event="approved"} 2',
        'kcp_payplus_events_total{event="declined"} 0',
        'kcp_payplus_events_total{event="refused"} 1',
        'kcp_payplus_events_total{event="window_closed"} 2',
        'kcp_payplus_events_total{event="duplicate"} 1',
        'kcp_payplus_events_total{event="auto_cancelled"} 0',
        'kcp_payplus_events_total{event="unknown"} 0',
        'kcp_payplus_events_total{event="notification_received"} 1',
        'kcp_payplus_events_total{event="notification_handled"} 1',
        'kcp_payplus_events_total{event="notification_refused"} 0',
        'kcp_payplus_events_total{event="notification_failed"} 0',
      ],
    );
    assert.ok(counters.includes('kcp_payplus_event_reasons_total{event="refused",reason="amount_mismatch"} 1'), metrics.body);
    assert.ok(counters.includes('kcp_payplus_listener_errors_total 0'), metrics.body);
    assert.ok(counters.includes('kcp_payplus_open_attempts{kind="unknown"} 0'), metrics.body);
    // The list agrees with the counters (eight events in all) and shows no buyer data: not the buyer's name (the
    // order form's 홍길동, also the deposit's remitter), not a sender address.
    const all = await listedEvents();
    assert.equal(all.length, 8);
    const text = JSON.stringify(all);
    assert.ok(!text.includes('홍길동') && !text.includes('127.0.0.1'), text);
  });
});
