/**
 * The sample shop in a real browser (Debian's chromium through playwright-core), everything on 127.0.0.1, on both
 * transports: pp_cli (at a desktop size and at 390 × 844) and KCP's REST API, the simulator's PG-API (at the desktop
 * size, to keep the file's time reasonable):
 * - a card through KCP's standard-web window; the buyer closing that window (order stays payable, Korean message,
 *   nothing sent to KCP); a card and a virtual account through the smartphone window (trade registration — SOAP beside
 *   pp_cli, /std/tradeReg/register on REST — → Ret_URL → approval); paying twice; the back button;
 * - at the desktop size: cancel, partial cancel and cancelling the rest from the staff order list (after the staff
 *   login), a virtual-account deposit notification. Every money step is checked against the simulator's ledger (what
 *   KCP approved, cancelled, received, and over which transport the shop asked), not only against the page;
 * - pp_cli at the desktop size: doctor on the sample's config, a declined card, a tampered amount, the staff actions
 *   each state allows, and the old plug-in window still working;
 * - the shop as an attacker meets it: staff pages 401 without a login (403 with no password configured), a
 *   cross-site form post and a form without its token refused with 403, another browser's order invisible and
 *   unpayable, Ret_URL from configuration whatever the Host header says.
 * Screenshots go to test-artifacts/ (not committed), except the sample-*.png ones (order list, pay-twice page,
 * back-button case at 1280 and 390 px, and the finished smartphone window the back button meets at 390 px), which are
 * committed and rewritten with UPDATE_SCREENSHOTS=1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runDoctor } from '../../lib/doctor/index.js';
import { TX_MODIFY } from '../../lib/index.js';
import { REPO_ROOT, startSample, type Sample } from '../../sample/runtime.js';
import { kcpCallsFor, ledgerOf, openWindow } from '../helpers/shop-browser.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const APPROVE = '00100000';
const STAFF_PASSWORD = 'browser-test-staff-password';

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, mobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true },
] as const;

type Transport = 'pp_cli' | 'rest';
/** pp_cli at both sizes, as before REST existed; REST at the desktop size. */
const RUNS: ReadonlyArray<{ transport: Transport; vp: (typeof VIEWPORTS)[number] }> = [
  ...VIEWPORTS.map((vp) => ({ transport: 'pp_cli' as const, vp })),
  { transport: 'rest', vp: VIEWPORTS[0] },
];

const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

describe('sample shop in chromium', function () {
  this.timeout(120_000);
  /** One shop per transport, each with its own simulator. */
  const shops: Partial<Record<Transport, Sample>> = {};
  /** The shop the running describe works on: pp_cli's, except inside a REST run (its before/after switch it). */
  let sample: Sample;
  let browser: Browser;

  /** A sample shop in its own temporary folders. */
  function start(options: { adminPassword?: string; transport?: Transport } = {}): Promise<Sample> {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kcp-shop-'));
    return startSample({
      port: 0,
      simPort: 0,
      homeDir: path.join(tmp, 'kcp'),
      logDir: path.join(tmp, 'log'),
      cfgFile: path.join(tmp, 'cfg', 'site_conf_inc.json'),
      ...options,
    });
  }

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`chromium not found at ${CHROMIUM}: install it with 'apt-get install chromium' (or set CHROMIUM_PATH)`);
    }
    const [ppCli, rest] = await Promise.all([start({ adminPassword: STAFF_PASSWORD }), start({ adminPassword: STAFF_PASSWORD, transport: 'rest' })]);
    sample = shops.pp_cli = ppCli;
    shops.rest = rest;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await shops.pp_cli?.close();
    await shops.rest?.close();
  });

  /** Approvals KCP was asked for, on either transport. */
  const approvals = () =>
    sample.sim.state.requests.filter((r) => r.txCd === APPROVE).length + (sample.rest?.requests.filter((r) => r.path === '/gw/enc/v1/payment').length ?? 0);
  /** What the simulator's ledger holds for the order; the order must be known to KCP. */
  const ledger = (ordrIdxx: string) => {
    const entry = ledgerOf(sample, ordrIdxx);
    assert.ok(entry, `KCP's ledger has no transaction for ${ordrIdxx}`);
    return entry;
  };
  /** The approval call of the transport in use, as kcpCallsFor names it. */
  const approvalCall = () => (sample.rest ? 'rest /gw/enc/v1/payment' : `pp_cli ${APPROVE}`);
  /** A cancel call of the transport in use (`amounts`: a partial cancel's mod_mny and rem_mny as sent). */
  const cancelCall = (modType: string, amounts = '') => `${sample.rest ? 'rest /gw/mod/v1/cancel' : `pp_cli ${TX_MODIFY}`} ${modType}${amounts}`;
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  /**
   * The screenshots kept in git (test-artifacts/sample-*.png): what the window shows, not the whole page, to stay small.
   * They are rewritten only with UPDATE_SCREENSHOTS=1, so a test run leaves the working tree clean.
   */
  const keep = (page: Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${process.env.UPDATE_SCREENSHOTS === '1' ? 'sample-' : ''}${name}-${page.viewportSize()!.width}.png`) });

  /** An order placed from the product page, left on its checkout page (pay button live). */
  async function placeOrder(page: Page, productId: string, method: string, mobile: boolean): Promise<string> {
    await page.goto(`${sample.shopUrl}${mobile ? '/m/' : '/'}`);
    const product = page.locator(`form:has(#buy-${productId})`);
    await product.locator('select[name=method]').selectOption(method);
    await product.locator(`#buy-${productId}`).click();
    await page.waitForSelector('#pay');
    return (await page.textContent('#ordr_idxx'))!.trim();
  }

  /** From the checkout page: #pay, then pay in whichever window the channel uses, until the shop answers. */
  async function payFromCheckout(page: Page, mobile: boolean): Promise<void> {
    await page.click('#pay');
    if (mobile) {
      await page.waitForSelector('#kcp-sim-pay');
      await page.click('#kcp-sim-pay');
    } else {
      await page.frameLocator('#kcp_sim_web_frame').locator('#kcp-sim-pay').click();
    }
    await page.waitForSelector('#status');
  }

  /** Nothing wider than the screen: the page is readable without sideways scrolling. */
  async function assertFits(page: Page, what: string): Promise<void> {
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${what}: ${scroll}px wide on a ${width}px screen`);
  }

  /**
   * Chrome answers the back button on a form post it will not repeat with its "Confirm Form Resubmission" error page
   * (net::ERR_CACHE_MISS, a chrome-error:// document); a page reached by GET is asked for again instead.
   */
  async function assertNoResubmission(page: Page, what: string): Promise<void> {
    const href = await page.evaluate(() => location.href);
    const text = (await page.textContent('body')) ?? '';
    assert.ok(!href.startsWith('chrome-error:') && !/ERR_CACHE_MISS|Confirm Form Resubmission/i.test(text), `${what}: ${href}\n${text.slice(0, 300)}`);
  }

  /** The staff login: the list answers 401 with the login form until the password is given. */
  async function staffLogin(page: Page): Promise<void> {
    const first = await page.goto(`${sample.shopUrl}/staff/orders`);
    if (first?.status() === 200) return; // already logged in
    assert.equal(first?.status(), 401);
    await page.fill('#password', STAFF_PASSWORD);
    await page.click('#login');
    await page.waitForURL(`${sample.shopUrl}/staff/orders`);
    assert.equal(await page.textContent('h1'), '주문 목록 (관리자)');
  }

  /** The standard-web window: pay inside the layer's frame; the page's m_Completepayment submits to pp_ax_hub. */
  async function payStandardWeb(page: Page, productId: string, method: string, before?: (p: Page) => Promise<void>, screenshot?: string): Promise<string> {
    const ordrIdxx = await openWindow(page, sample.shopUrl, productId, method, { before });
    const frame = page.frameLocator('#kcp_sim_web_frame');
    await frame.locator('#kcp-sim-pay').waitFor();
    if (screenshot) await shot(page, screenshot);
    await frame.locator('#kcp-sim-pay').click();
    await page.waitForSelector('#status');
    return ordrIdxx;
  }

  /** /m/ → trade registration → sm_form → the smartphone window → Ret_URL → result page. */
  async function payMobile(page: Page, productId: string, method: string, screenshotPrefix: string): Promise<string> {
    const ordrIdxx = await openWindow(page, sample.shopUrl, productId, method, { path: '/m/' });
    await page.waitForSelector('#kcp-sim-pay');
    assert.ok(page.url().startsWith(`${sample.sim.url}/smpay/`), 'the buyer is on the payUrl the registration returned');
    await assertFits(page, 'smartphone window');
    await shot(page, `${screenshotPrefix}-window`);
    await page.click('#kcp-sim-pay');
    await page.waitForSelector('#status');
    assert.ok(page.url().startsWith(`${sample.shopUrl}/orders/`), 'back from Ret_URL to the result page');
    return ordrIdxx;
  }

  for (const { transport, vp } of RUNS) {
    // Screenshot names: pp_cli's as before; REST's prefixed.
    const label = transport === 'rest' ? `rest-${vp.name}` : vp.name;
    const prefix = transport === 'rest' ? 'rest-' : '';
    describe(`on ${transport} at ${vp.viewport.width} × ${vp.viewport.height} (${vp.name})`, () => {
      let context: BrowserContext;
      let page: Page;
      before(async () => {
        sample = shops[transport]!;
        context = await browser.newContext({ viewport: vp.viewport, isMobile: vp.mobile, hasTouch: vp.mobile, ...(vp.mobile ? { userAgent: PHONE_UA } : {}) });
        page = await context.newPage();
        page.setDefaultTimeout(20_000);
      });
      after(async () => {
        await context?.close();
        sample = shops.pp_cli!;
      });

      it('pays by card through the standard-web window', async () => {
        const ordrIdxx = await payStandardWeb(page, 'mug', 'card', undefined, `${label}-standard-web-window`);
        assert.equal(await page.textContent('#status'), '결제 완료');
        assert.equal(await page.getAttribute('#result', 'class'), 'result success');
        assert.equal(await page.textContent('#amount'), '15,000원');
        assert.equal(await page.textContent('#method'), '신용카드');
        assert.equal(await page.locator('#pay-again').count(), 0, 'a paid order shows no pay button');
        assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'paid');
        const tno = sample.shop.orders.get(ordrIdxx)!.tno!;
        // The money: KCP approved 15,000 for this order, once, over the shop's transport, under the tno the shop keeps.
        assert.deepEqual(ledger(ordrIdxx), { tno, state: 'approved', amount: 15000, balance: 15000, deposited: 0, account: '', history: ['STSR 15000'] });
        assert.deepEqual(kcpCallsFor(sample, ordrIdxx), [approvalCall()]);
        const receipt = (await page.getAttribute('#receipt', 'href'))!;
        assert.equal(receipt, `${sample.sim.url}/assist/bill.BillAction.do?cmd=card_bill&tno=${tno}`, 'the simulator, not KCP\'s admin');
        const slip = await fetch(receipt);
        assert.equal(slip.status, 200);
        assert.ok((await slip.text()).includes(`<td id="거래번호">${tno}</td>`));
        assert.equal((await fetch(`${sample.shopUrl}/favicon.ico`)).status, 204);
        await assertFits(page, 'result page');
        await shot(page, `${label}-standard-web-paid`);
      });

      it('keeps the order payable with a Korean message when the buyer closes the window; nothing reaches KCP', async () => {
        const before = approvals();
        const ordrIdxx = await openWindow(page, sample.shopUrl, 'keyboard', 'card');
        const frame = page.frameLocator('#kcp_sim_web_frame');
        await frame.locator('#kcp-sim-close').click();
        await page.waitForSelector('#window-message', { state: 'visible' });
        assert.equal(await page.textContent('#window-message'), '결제를 취소하셨습니다. 주문은 그대로 남아 있으니 언제든 다시 결제하실 수 있습니다.');
        assert.equal(await page.locator('#kcp-sim-layer').count(), 0, 'closeEvent removed the layer');
        assert.ok(await page.isVisible('#pay'), 'the buyer can pay again');
        assert.equal(approvals(), before);
        const order = sample.shop.orders.get(ordrIdxx)!;
        assert.equal(order.status, 'pending');
        assert.equal(order.tno, null);
        await assertFits(page, 'order page');
        await shot(page, `${label}-standard-web-closed`);
      });

      it('pays by card through the smartphone window (trade registration → Ret_URL → approval)', async () => {
        const before = sample.sim.state.trades.size;
        const ordrIdxx = await payMobile(page, 'keyboard', 'card', `${label}-smartphone-card`);
        assert.equal(sample.sim.state.trades.size, before + 1);
        const trade = [...sample.sim.state.trades.values()].find((t) => t.ordrIdxx === ordrIdxx)!;
        assert.deepEqual([trade.amount, trade.payMethod, trade.returnUrl], ['89000', 'CARD', `${sample.shopUrl}/m/return`]);
        assert.equal(await page.textContent('#status'), '결제 완료');
        assert.equal(await page.textContent('#amount'), '89,000원');
        assert.equal(await page.locator('#pay-again').count(), 0);
        const order = sample.shop.orders.get(ordrIdxx)!;
        assert.deepEqual([order.status, order.channel], ['paid', 'mobile']);
        assert.match(order.tno!, /^\d{14}$/);
        assert.deepEqual(ledger(ordrIdxx), { tno: order.tno, state: 'approved', amount: 89000, balance: 89000, deposited: 0, account: '', history: ['STSR 89000'] });
        // On REST the trade was registered on the PG-API host (the one registration above: none over SOAP).
        assert.deepEqual(kcpCallsFor(sample, ordrIdxx), sample.rest ? ['rest /std/tradeReg/register', approvalCall()] : [approvalCall()]);
        await assertFits(page, 'result page');
        await shot(page, `${label}-smartphone-card-paid`);
      });

      it('issues a virtual account through the smartphone window and tells the buyer where and until when to pay', async () => {
        const ordrIdxx = await payMobile(page, 'sticker', 'vbank', `${label}-smartphone-vbank`);
        assert.equal(await page.textContent('#status'), '입금 대기');
        assert.ok(await page.isVisible('#deposit-guide'));
        assert.equal(await page.textContent('#deposit-bank'), '국민은행');
        assert.match((await page.textContent('#account'))!, /^T04\d{11}$/);
        assert.match((await page.textContent('#deposit-due'))!, /^\d{4}년 \d{1,2}월 \d{1,2}일 23:59$/);
        assert.match((await page.textContent('#deposit-guide'))!, /1,004원을 \d{4}년/);
        const order = sample.shop.orders.get(ordrIdxx)!;
        assert.equal(order.status, 'awaiting_deposit');
        // Issued, nothing received yet, and the account the buyer is told is the one KCP issued.
        assert.deepEqual(ledger(ordrIdxx), { tno: order.tno, state: 'issued', amount: 1004, balance: 1004, deposited: 0, account: await page.textContent('#account'), history: ['STSR 1004'] });
        assert.deepEqual(kcpCallsFor(sample, ordrIdxx), sample.rest ? ['rest /std/tradeReg/register', approvalCall()] : [approvalCall()]);
        await assertFits(page, 'virtual account page');
        await shot(page, `${label}-smartphone-vbank-issued`);
      });

      it('brings the buyer back to a payable order with a Korean message when the smartphone window is closed', async () => {
        const before = approvals();
        const ordrIdxx = await placeOrder(page, 'mug', 'card', true);
        await page.click('#pay');
        await page.click('#kcp-sim-close');
        await page.waitForSelector('#status');
        assert.equal(page.url(), `${sample.shopUrl}/orders/${ordrIdxx}?notice=user_cancelled`);
        assert.equal(await page.textContent('#status'), '결제 대기');
        assert.equal(await page.textContent('#message'), '결제를 취소하셨습니다. 주문은 그대로 남아 있으니 언제든 다시 결제하실 수 있습니다.');
        assert.equal(approvals(), before);
        const order = sample.shop.orders.get(ordrIdxx)!;
        assert.deepEqual([order.status, order.message, order.buyer_message], ['pending', null, null], 'a closed window writes nothing');
        await page.click('#pay-again');
        await page.waitForSelector('#pay');
        assert.equal(page.url(), `${sample.shopUrl}/orders/${ordrIdxx}/checkout`);
      });

      it('says an order paid in another tab is already paid, and links to it (no second approval)', async () => {
        const ordrIdxx = await placeOrder(page, 'sticker', 'card', vp.mobile);
        const other = await context.newPage();
        await other.goto(page.url());
        assert.ok(await other.isVisible('#pay'), 'the second tab still shows the pay button');
        await payFromCheckout(page, vp.mobile);
        assert.equal(await page.textContent('#status'), '결제 완료');
        const before = approvals();
        await payFromCheckout(other, vp.mobile);
        assert.equal(await other.textContent('#status'), '이미 결제된 주문입니다');
        assert.equal(await other.textContent('#message'), '이 주문은 이미 결제되었습니다. 다시 결제하지 않으셔도 됩니다.');
        assert.equal(await other.getAttribute('#order-link', 'href'), `/orders/${ordrIdxx}`);
        assert.equal(approvals(), before, 'nothing was sent for approval');
        assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'paid');
        await assertFits(other, 'already-paid page');
        await keep(other, `${prefix}pay-twice`);
        await other.click('#order-link');
        assert.equal(await other.textContent('#status'), '결제 완료');
        await other.close();
      });

      it("after paying, the back button brings the result, never a live pay button nor a form resubmission (the shop's or the window's)", async () => {
        const count = sample.shop.orders.list().length;
        const ordrIdxx = await placeOrder(page, 'mug', 'card', vp.mobile);
        await payFromCheckout(page, vp.mobile);
        const result = `${sample.shopUrl}/orders/${ordrIdxx}`;
        assert.equal(page.url(), result);
        // POST → redirect → GET: the shop's history entries are pages, none is a form post (/order, /m/order, Ret_URL…).
        const cdp = await context.newCDPSession(page);
        const { entries, currentIndex } = await cdp.send('Page.getNavigationHistory');
        const shopEntries = entries
          .slice(0, currentIndex + 1)
          .map((e) => e.url)
          .filter((u, i, all) => u.startsWith(sample.shopUrl) && u !== all[i - 1]) // the window's frame adds entries under the same page
          .map((u) => u.slice(sample.shopUrl.length));
        assert.deepEqual(shopEntries.slice(-3), [vp.mobile ? '/m/' : '/', `/orders/${ordrIdxx}/checkout`, `/orders/${ordrIdxx}`]);
        // Back, one entry at a time, to the order page. Each entry is a page its server answers again (a GET), never
        // Chrome's "Confirm Form Resubmission" error page for a form post: not the shop's, nor on the phone the
        // smartphone window's (KCP's page, here the simulator's), which now says it has finished, without a pay button.
        const checkout = entries.map((e) => e.url).lastIndexOf(`${result}/checkout`);
        assert.equal(checkout, vp.mobile ? currentIndex - 2 : currentIndex - 1);
        if (vp.mobile) {
          const finished = await page.goBack();
          await assertNoResubmission(page, 'the smartphone window after paying');
          assert.ok(page.url().startsWith(`${sample.sim.url}/smpay/mobileGW.kcp?`), page.url());
          assert.equal(finished?.status(), 410);
          assert.equal(await page.textContent('#error'), '이미 끝난 결제창입니다. 상점 화면에서 주문 상태를 확인해 주세요.');
          assert.equal(await page.locator('#kcp-sim-pay').count(), 0, 'no live pay button in the window either');
          await assertFits(page, 'finished window');
          await keep(page, 'back-button-window');
        }
        const answered = page.waitForResponse((r) => r.url() === `${result}/checkout`);
        await page.goBack();
        assert.equal((await answered).status(), 303);
        await page.waitForSelector('#status');
        assert.equal(page.url(), result);
        assert.equal(await page.textContent('#status'), '결제 완료');
        assert.equal(await page.locator('#pay, #pay-again').count(), 0, 'no pay button');
        assert.equal(sample.shop.orders.list().length, count + 1, 'no order was made again');
        await cdp.detach();
        await assertFits(page, 'result after back');
        await keep(page, `${prefix}back-button`);
      });

      // The staff's money actions and the deposit, at the desktop size (the staff list is the same page at 390 px).
      if (!vp.mobile) {
        it('cancels a card payment from the staff order list', async () => {
          const ordrIdxx = await payStandardWeb(page, 'mug', 'card');
          assert.ok(await page.isVisible('#receipt'));
          const { tno } = sample.shop.orders.get(ordrIdxx)!;
          await staffLogin(page);
          await page.click(`#order-${ordrIdxx} button.cancel`);
          await page.waitForSelector('#notice');
          assert.equal(await page.textContent('#notice'), `${ordrIdxx} 취소 완료`);
          assert.equal(await page.textContent(`#order-${ordrIdxx} .status`), '취소');
          assert.equal(await page.textContent(`#order-${ordrIdxx} .cancellable`), '');
          assert.deepEqual(ledger(ordrIdxx), { tno, state: 'cancelled', amount: 15000, balance: 0, deposited: 0, account: '', history: ['STSR 15000', 'STSC 15000'] });
          assert.deepEqual(kcpCallsFor(sample, ordrIdxx), [approvalCall(), cancelCall('STSC')]);
          assert.deepEqual([sample.shop.orders.get(ordrIdxx)!.status, sample.shop.orders.get(ordrIdxx)!.cancellable], ['cancelled', 0]);
        });

        it('cancels part of a card payment from the staff order list, shows what is left, then cancels the rest', async () => {
          const ordrIdxx = await payStandardWeb(page, 'keyboard', 'card');
          const { tno } = sample.shop.orders.get(ordrIdxx)!;
          await staffLogin(page);
          const row = page.locator(`#order-${ordrIdxx}`);
          await row.locator('input[name=amount]').fill('9,000');
          await row.locator('button.partial-cancel').click();
          await page.waitForSelector('#notice.ok');
          assert.equal(await page.textContent('#notice'), `${ordrIdxx} 부분취소 9,000원 완료, 남은 금액 80,000원`);
          assert.equal(await row.locator('.status').textContent(), '부분 취소');
          assert.equal(await row.locator('.cancellable').textContent(), '80,000원');
          // KCP cancelled 9,000 of 89,000 (rem_mny sent: the balance before, 89,000) and holds 80,000.
          assert.deepEqual(ledger(ordrIdxx), { tno, state: 'approved', amount: 89000, balance: 80000, deposited: 0, account: '', history: ['STSR 89000', 'STPC 9000'] });
          assert.deepEqual(kcpCallsFor(sample, ordrIdxx), [approvalCall(), cancelCall('STPC', ' mod_mny=9000 rem_mny=89000')]);
          // The rest: after a partial cancel KCP takes only partial cancels (8038 for STSC), so the list offers that alone.
          assert.deepEqual(await row.locator('button').allTextContents(), ['부분취소']);
          await row.locator('input[name=amount]').fill('80000');
          await row.locator('button.partial-cancel').click();
          await page.waitForSelector('#notice.ok');
          assert.equal(await page.textContent('#notice'), `${ordrIdxx} 부분취소 80,000원 완료, 남은 금액 0원`);
          assert.equal(await row.locator('.status').textContent(), '취소');
          assert.equal(await row.locator('.cancellable').textContent(), '');
          assert.equal(await row.locator('button').count(), 0, 'nothing left to cancel');
          assert.deepEqual(ledger(ordrIdxx), { tno, state: 'cancelled', amount: 89000, balance: 0, deposited: 0, account: '', history: ['STSR 89000', 'STPC 9000', 'STPC 80000'] });
          assert.deepEqual(kcpCallsFor(sample, ordrIdxx), [
            approvalCall(), cancelCall('STPC', ' mod_mny=9000 rem_mny=89000'), cancelCall('STPC', ' mod_mny=80000 rem_mny=80000'),
          ]);
          assert.deepEqual([sample.shop.orders.get(ordrIdxx)!.status, sample.shop.orders.get(ordrIdxx)!.cancellable], ['cancelled', 0]);
        });

        it('turns a virtual account paid when the deposit notification arrives', async () => {
          const ordrIdxx = await payStandardWeb(page, 'sticker', 'vbank');
          assert.equal(await page.textContent('#status'), '입금 대기');
          const { tno, vbank_account: account } = sample.shop.orders.get(ordrIdxx)!;
          assert.deepEqual(ledger(ordrIdxx), { tno, state: 'issued', amount: 1004, balance: 1004, deposited: 0, account, history: ['STSR 1004'] });
          await staffLogin(page);
          await page.click(`#order-${ordrIdxx} button.deposit`);
          await page.waitForSelector('#notice');
          assert.equal(await page.textContent(`#order-${ordrIdxx} .status`), '결제 완료');
          assert.equal(sample.shop.orders.get(ordrIdxx)!.deposited, 1004);
          // KCP received 1,004 into that account and told the shop once (TX00), which answered it.
          assert.deepEqual(ledger(ordrIdxx), { tno, state: 'deposited', amount: 1004, balance: 1004, deposited: 1004, account, history: ['STSR 1004', 'DEPOSIT 1004'] });
          const notices = sample.sim.state.notifications.filter((n) => n.tno === tno);
          assert.deepEqual(notices.map((n) => [n.txCd, n.url, n.delivered, n.attempts.length]), [['TX00', `${sample.publicUrl}/common_return`, true, 1]]);
          assert.deepEqual(kcpCallsFor(sample, ordrIdxx), [approvalCall()], 'a deposit asks KCP nothing');
          await page.goto(`${sample.shopUrl}/orders/${ordrIdxx}`);
          assert.equal(await page.textContent('#message'), '입금이 확인되어 결제가 완료되었습니다. 감사합니다.');
          assert.equal(await page.locator('#deposit-guide').count(), 0);
        });
      }
    });
  }

  describe('on pp_cli at the desktop size', () => {
    let context: BrowserContext;
    let page: Page;
    before(async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      page = await context.newPage();
      page.setDefaultTimeout(20_000);
    });
    after(() => context?.close());

    it("doctor passes on the sample's own install and config (nothing fails, nothing to warn about)", async () => {
      assert.equal(sample.conf.window, 'standard-web');
      const results = await runDoctor(sample.conf, { configPath: sample.cfgFile });
      const notPassing = results.filter((r) => r.status !== 'pass' && r.status !== 'skip').map((r) => `${r.id}: ${r.status} ${r.detail}`);
      assert.deepEqual(notPassing, []);
      // The one skip: the PG-API checks, which a pp_cli shop does not use.
      assert.deepEqual(results.filter((r) => r.status === 'skip').map((r) => r.id), ['rest']);
    });

    it('shows a declined card in the error style and lets the buyer try again (amounts ending in 991 decline)', async () => {
      const ordrIdxx = await payStandardWeb(page, 'decline', 'card');
      assert.equal(await page.textContent('#status'), '결제 실패');
      assert.equal(await page.getAttribute('#result', 'class'), 'result error');
      assert.equal(await page.textContent('#message'), '결제가 승인되지 않았습니다 (카드번호 오류). 다른 카드나 결제수단으로 다시 시도해 주세요.');
      assert.ok(await page.isVisible('#pay-again'));
      const order = sample.shop.orders.get(ordrIdxx)!;
      assert.deepEqual([order.tno, order.message], [null, '8108 카드번호 오류']);
      await shot(page, 'desktop-declined');
    });

    it('refuses a payment whose amount was changed in the browser, before any approval, and leaves the order as it was', async () => {
      const before = approvals();
      const ordrIdxx = await payStandardWeb(page, 'keyboard', 'card', async (p) => {
        await p.evaluate(() => {
          (document.querySelector('input[name=good_mny]') as HTMLInputElement).value = '100';
        });
      });
      assert.equal(await page.textContent('#status'), '결제를 진행하지 않았습니다');
      assert.equal(await page.textContent('#message'), '주문 금액이 주문 내역과 달라 결제를 진행하지 않았습니다. 주문 내역을 확인하고 다시 시도해 주세요.');
      assert.equal(approvals(), before);
      // Whoever posted it (anyone can post pp_ax_hub for any order id), a refused attempt changes nothing.
      const order = sample.shop.orders.get(ordrIdxx)!;
      assert.deepEqual([order.status, order.message, order.buyer_message], ['pending', null, null]);
    });

    it("offers each order only the staff actions its state allows, in Korean, with amounts formatted", async () => {
      const card = await payStandardWeb(page, 'keyboard', 'card');
      const vbank = await payStandardWeb(page, 'sticker', 'vbank');
      await staffLogin(page);
      const row = (id: string) => page.locator(`#order-${id}`);
      assert.equal(await row(card).locator('.amount').textContent(), '89,000원');
      assert.equal(await row(card).locator('.cancellable').textContent(), '89,000원');
      assert.equal(await row(card).locator('button.capture').count(), 0, 'KCP captured the card approval itself');
      assert.deepEqual(await row(vbank).locator('button').allTextContents(), ['입금 시뮬레이션'], 'awaiting deposit: no cancel');
      assert.equal(await row(vbank).locator('.cancellable').textContent(), '');
      // Too much: refused before KCP is asked, in Korean, in the error style.
      await row(card).locator('input[name=amount]').fill('100000');
      await row(card).locator('button.partial-cancel').click();
      await page.waitForSelector('#notice');
      assert.equal(await page.getAttribute('#notice', 'class'), 'notice error');
      assert.equal(await page.textContent('#notice'), '부분취소 금액 100,000원이 취소 가능 금액 89,000원보다 큽니다.');
      assert.equal(sample.shop.orders.get(card)!.cancellable, 89000);
      await row(card).locator('input[name=amount]').fill('9,000');
      await row(card).locator('button.partial-cancel').click();
      await page.waitForSelector('#notice.ok');
      assert.equal(await page.textContent('#notice'), `${card} 부분취소 9,000원 완료, 남은 금액 80,000원`);
      assert.equal(await row(card).locator('.status').textContent(), '부분 취소');
      assert.equal(await row(card).locator('.cancellable').textContent(), '80,000원');
      assert.deepEqual(await row(card).locator('button').allTextContents(), ['부분취소'], 'the rest is cancelled partially');
      await page.reload();
      assert.equal(await page.locator('#notice').count(), 0, 'a notice is shown once');
      await page.goto(`${sample.shopUrl}/orders/${card}`);
      assert.equal(await page.textContent('#status'), '부분 취소');
      assert.equal(await page.textContent('#remaining'), '80,000원');
      assert.equal(await page.textContent('#cancelled-amount'), '9,000원');
      assert.equal(await page.textContent('#message'), '9,000원이 부분 취소되었습니다. 남은 결제 금액은 80,000원입니다.');
      const css = await page.evaluate(() => getComputedStyle(document.body).wordBreak);
      assert.equal(css, 'keep-all');
    });

    it('still pays through the old plug-in window for old configurations', async () => {
      const ordrIdxx = await openWindow(page, sample.shopUrl, 'mug', 'card', { path: '/?window=plugin' });
      await page.waitForSelector('#kcp-sim-pay');
      await page.click('#kcp-sim-pay');
      await page.waitForSelector('#status');
      assert.equal(await page.textContent('#status'), '결제 완료');
      assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'paid');
    });
  });

  describe('the staff order list at 1280 and 390 px', () => {
    for (const vp of VIEWPORTS) {
      it(`fits ${vp.viewport.width} px, every amount formatted`, async () => {
        const context = await browser.newContext({ viewport: vp.viewport, isMobile: vp.mobile, hasTouch: vp.mobile, ...(vp.mobile ? { userAgent: PHONE_UA } : {}) });
        try {
          const page = await context.newPage();
          await staffLogin(page);
          const amounts = await page.locator('td.amount').allTextContents();
          assert.ok(amounts.length > 5);
          for (const a of amounts) assert.match(a, /^\d{1,3}(,\d{3})*원$/);
          await assertFits(page, 'staff order list');
          await keep(page, 'order-list');
        } finally {
          await context.close();
        }
      });
    }
  });

  describe('as an attacker meets it', () => {
    let buyer: BrowserContext; // places the orders
    let stranger: BrowserContext; // another browser: no cookies of the buyer's
    let buyerPage: Page;
    let strangerPage: Page;
    let attacker: http.Server; // another site (localhost ≠ 127.0.0.1) serving forms that post to the shop
    let attackerUrl: string;
    let attackerPage = '';
    before(async () => {
      buyer = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      stranger = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      buyerPage = await buyer.newPage();
      strangerPage = await stranger.newPage();
      buyerPage.setDefaultTimeout(20_000);
      strangerPage.setDefaultTimeout(20_000);
      attacker = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage));
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
    });
    after(async () => {
      await buyer?.close();
      await stranger?.close();
      await new Promise((resolve) => attacker?.close(resolve));
    });

    /** Another site's page that submits a form to the shop as soon as it loads; the shop's answer. */
    async function crossSitePost(page: Page, action: string, fields: Record<string, string>): Promise<{ status: number; message: string }> {
      const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('');
      attackerPage = `<!DOCTYPE html><form id="f" method="post" action="${sample.shopUrl}${action}">${inputs}</form><script>document.getElementById('f').submit()</script>`;
      const answer = page.waitForResponse((r) => r.url() === `${sample.shopUrl}${action}`);
      await page.goto(attackerUrl);
      const response = await answer;
      await page.waitForURL(`${sample.shopUrl}${action}`);
      return { status: response.status(), message: (await page.textContent('#message')) ?? '' };
    }

    it('staff pages answer 401 without a login, and the login refuses a wrong password', async () => {
      for (const url of ['/staff/orders', '/staff/login']) {
        const response = await fetch(`${sample.shopUrl}${url}`, { redirect: 'manual' });
        assert.equal(response.status, url === '/staff/login' ? 200 : 401, url);
      }
      const page = await stranger.newPage();
      const list = await page.goto(`${sample.shopUrl}/staff/orders`);
      assert.equal(list?.status(), 401);
      assert.equal(list?.headers()['cache-control'], 'no-store');
      assert.equal(await page.locator('table.orders').count(), 0, 'no order is listed');
      await page.fill('#password', 'not-the-password-at-all');
      const wrong = page.waitForResponse((r) => r.url() === `${sample.shopUrl}/staff/login`);
      await page.click('#login');
      assert.equal((await wrong).status(), 401);
      assert.equal(await page.textContent('#login-error'), '비밀번호가 맞지 않습니다.');
      // Every staff action, posted by a browser without a session (with a valid buyer token): 401, nothing done.
      const paid = [...sample.shop.orders.list()].find((o) => o.status === 'paid' && o.method === 'card')!;
      for (const action of ['cancel', 'partial-cancel', 'capture', 'simulate-deposit']) {
        const status = await page.evaluate(async ([url]) => {
          const token = (document.querySelector('input[name=_csrf]') as HTMLInputElement).value;
          const r = await fetch(url!, { method: 'POST', body: new URLSearchParams({ _csrf: token, amount: '1000' }) });
          return r.status;
        }, [`/staff/orders/${paid.ordr_idxx}/${action}`]);
        assert.equal(status, 401, action);
      }
      assert.equal(sample.shop.orders.get(paid.ordr_idxx)!.status, 'paid');
      await page.close();
    });

    it('staff pages answer 403 while no staff password is configured', async () => {
      const closed = await start();
      try {
        for (const [method, url] of [['GET', '/staff/orders'], ['GET', '/staff/login'], ['POST', '/staff/login']] as const) {
          const page = await stranger.newPage();
          if (method === 'GET') {
            assert.equal((await page.goto(`${closed.shopUrl}${url}`))?.status(), 403, url);
          } else {
            await page.goto(`${closed.shopUrl}/`);
            const status = await page.evaluate(async () => {
              const token = (document.querySelector('input[name=_csrf]') as HTMLInputElement).value;
              return (await fetch('/staff/login', { method: 'POST', body: new URLSearchParams({ _csrf: token, password: '' }) })).status;
            });
            assert.equal(status, 403, `${method} ${url}`);
          }
          await page.close();
        }
      } finally {
        await closed.close();
      }
    });

    it("refuses a cross-site form post with 403 (staff or buyer), and a form without the shop's token", async () => {
      const ordrIdxx = await payStandardWeb(buyerPage, 'mug', 'card');
      const staffPage = await buyer.newPage();
      await staffLogin(staffPage); // the victim is a logged-in staff member who also visits the attacker's site
      const cancel = await crossSitePost(staffPage, `/staff/orders/${ordrIdxx}/cancel`, {});
      assert.deepEqual(cancel, { status: 403, message: '다른 사이트에서 보낸 요청이라 처리하지 않았습니다. 상점 페이지에서 다시 시도해 주세요.' });
      const partial = await crossSitePost(staffPage, `/staff/orders/${ordrIdxx}/partial-cancel`, { amount: '1000', _csrf: 'guessed' });
      assert.equal(partial.status, 403);
      const order = await crossSitePost(staffPage, '/order', { product_id: 'mug', method: 'card', buyer_name: 'x' });
      assert.equal(order.status, 403);
      assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'paid');
      assert.equal([...sample.sim.state.transactions.values()].find((t) => t.ordrIdxx === ordrIdxx)?.state, 'approved');
      // Same origin but without the token (a form injected into the page): 403 as well.
      await staffPage.goto(`${sample.shopUrl}/staff/orders`);
      const status = await staffPage.evaluate(async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({ amount: '1000' }) })).status, `/staff/orders/${ordrIdxx}/partial-cancel`);
      assert.equal(status, 403);
      assert.equal(sample.shop.orders.get(ordrIdxx)!.cancellable, 15000);
      await staffPage.close();
    });

    it('opened at another address than SHOP_PUBLIC_URL (localhost), says which address to use instead of taking the form', async () => {
      const page = await stranger.newPage();
      const elsewhere = sample.shopUrl.replace('127.0.0.1', 'localhost');
      await page.goto(`${elsewhere}/`);
      const count = sample.shop.orders.list().length;
      const answer = page.waitForResponse((r) => r.url() === `${elsewhere}/order`);
      await page.click('#buy-mug');
      assert.equal((await answer).status(), 403);
      assert.equal(await page.textContent('#message'), `이 상점의 주소는 ${sample.shopUrl} 입니다 (SHOP_PUBLIC_URL). 그 주소로 열어 다시 시도해 주세요.`);
      assert.equal(sample.shop.orders.list().length, count);
      await page.close();
    });

    it("keeps a buyer's orders from another browser: not shown, not listed, not payable", async () => {
      const ordrIdxx = await openWindow(buyerPage, sample.shopUrl, 'keyboard', 'card');
      await buyerPage.frameLocator('#kcp_sim_web_frame').locator('#kcp-sim-close').click();
      await buyerPage.goto(`${sample.shopUrl}/orders`);
      assert.ok(await buyerPage.isVisible(`#my-${ordrIdxx}`), 'the buyer lists it');
      assert.equal((await buyerPage.goto(`${sample.shopUrl}/orders/${ordrIdxx}`))?.status(), 200);
      for (const url of [`/orders/${ordrIdxx}`, `/orders/${ordrIdxx}/checkout`]) {
        const response = await strangerPage.goto(`${sample.shopUrl}${url}`);
        assert.equal(response?.status(), 404, url);
        assert.equal(await strangerPage.textContent('#message'), '주문을 찾을 수 없습니다.');
      }
      await strangerPage.goto(`${sample.shopUrl}/orders`);
      assert.equal(await strangerPage.locator(`#my-${ordrIdxx}`).count(), 0, 'another browser does not list it');
      assert.equal(await strangerPage.locator('ul.my-orders li').count(), 0);
      // With its own valid token, the stranger still cannot start paying (nor reset) the buyer's order.
      const status = await strangerPage.evaluate(async (url) => {
        await fetch('/');
        const html = await (await fetch('/')).text();
        const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
        return (await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: token }), redirect: 'manual' })).status;
      }, `/orders/${ordrIdxx}/pay`);
      assert.equal(status, 404);
      // Staff see every order.
      const staffPage = await buyer.newPage();
      await staffLogin(staffPage);
      assert.ok(await staffPage.isVisible(`#order-${ordrIdxx}`));
      await staffPage.close();
    });

    it("builds Ret_URL from configuration, whatever the request's Host header says", async () => {
      const get = (url: string, headers: Record<string, string>) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
          http.get(`${sample.shopUrl}${url}`, { headers }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          }).on('error', reject);
        });
      const host = { host: 'attacker.example' };
      const home = await get('/m/', host);
      const cookie = home.headers['set-cookie']!.map((c) => c.split(';')[0]).join('; ');
      const token = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
      const ordered = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(`${sample.shopUrl}/m/order`, { method: 'POST', headers: { ...host, cookie, 'content-type': 'application/x-www-form-urlencoded' } }, resolve);
        req.on('error', reject).end(new URLSearchParams({ _csrf: token, product_id: 'mug', method: 'card', buyer_name: '홍길동' }).toString());
      });
      ordered.resume();
      assert.equal(ordered.statusCode, 303);
      const checkout = await get(ordered.headers.location!, { ...host, cookie });
      assert.equal(checkout.status, 200);
      const ordrIdxx = /\/orders\/([^/]+)\/checkout/.exec(ordered.headers.location!)![1]!;
      const trade = [...sample.sim.state.trades.values()].find((t) => t.ordrIdxx === ordrIdxx)!;
      assert.equal(trade.returnUrl, `${sample.shopUrl}/m/return`);
      assert.ok(!checkout.body.includes('attacker.example'));
    });
  });
});
