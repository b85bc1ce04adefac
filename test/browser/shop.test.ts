/**
 * The sample shop in a real browser (Debian's chromium through playwright-core): pay by card and cancel, pay by
 * virtual account and receive the deposit notification, and a tampered amount refused. Everything on 127.0.0.1.
 * A screenshot of the result page is saved to test-artifacts/ (not committed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runDoctor } from '../../lib/index.js';
import { REPO_ROOT, startSample, type Sample } from '../../sample/runtime.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

describe('sample shop in chromium', function () {
  this.timeout(120_000);
  let sample: Sample;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`chromium not found at ${CHROMIUM}: install it with 'apt-get install chromium' (or set CHROMIUM_PATH)`);
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kcp-shop-'));
    sample = await startSample({
      port: 0,
      simPort: 0,
      homeDir: path.join(tmp, 'kcp'),
      logDir: path.join(tmp, 'log'),
      cfgFile: path.join(tmp, 'cfg', 'site_conf_inc.json'),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });

  after(async () => {
    await browser?.close();
    await sample?.close();
  });

  /** Product → order page → payment window → confirm → pp_ax_hub → result page. */
  async function buy(productId: string, method: string, tamper?: (p: Page) => Promise<void>): Promise<string> {
    await page.goto(`${sample.shopUrl}/`);
    const product = page.locator(`form:has(#buy-${productId})`);
    await product.locator('select[name=method]').selectOption(method);
    await product.locator(`#buy-${productId}`).click();
    await page.waitForSelector('#pay');
    const ordrIdxx = (await page.textContent('#ordr_idxx'))!.trim();
    if (tamper) await tamper(page);
    await page.click('#pay');
    await page.waitForSelector('#kcp-sim-pay');
    await page.click('#kcp-sim-pay');
    await page.waitForSelector('#status');
    return ordrIdxx;
  }

  it("doctor passes on the sample's own install and config (nothing fails, nothing to warn about)", async () => {
    const results = await runDoctor(sample.conf, { configPath: sample.cfgFile });
    const notPassing = results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.detail}`);
    assert.deepEqual(notPassing, []);
  });

  it('buys with a card, shows the approval, and cancels it from the order list', async () => {
    const ordrIdxx = await buy('mug', 'card');
    assert.equal(await page.textContent('#status'), '결제 완료');
    assert.match((await page.textContent('#tno'))!, /^\d{14}$/);
    assert.equal(await page.textContent('#amount'), '15000');
    assert.ok(await page.isVisible('#receipt'));
    const tno = (await page.textContent('#tno'))!;
    const receipt = (await page.getAttribute('#receipt', 'href'))!;
    assert.equal(receipt, `${sample.sim.url}/assist/bill.BillAction.do?cmd=card_bill&tno=${tno}`, 'the simulator, not KCP\'s admin');
    const slip = await fetch(receipt);
    assert.equal(slip.status, 200);
    assert.ok((await slip.text()).includes(`<td id="거래번호">${tno}</td>`));
    assert.equal((await fetch(`${sample.shopUrl}/favicon.ico`)).status, 204);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'result-card.png'), fullPage: true });

    await page.goto(`${sample.shopUrl}/orders`);
    await page.click(`#order-${ordrIdxx} button.cancel`);
    await page.waitForSelector('#notice');
    assert.equal(await page.textContent('#notice'), `${ordrIdxx} 취소 완료`);
    assert.equal(await page.textContent(`#order-${ordrIdxx} .status`), '취소');
    const tx = [...sample.sim.state.transactions.values()].find((t) => t.ordrIdxx === ordrIdxx);
    assert.equal(tx?.state, 'cancelled');
  });

  it('buys with a virtual account and turns paid when the deposit notification arrives', async () => {
    const ordrIdxx = await buy('sticker', 'vbank');
    assert.equal(await page.textContent('#status'), '입금 대기');
    assert.ok((await page.textContent('#account'))!.length > 5);

    await page.goto(`${sample.shopUrl}/orders`);
    await page.click(`#order-${ordrIdxx} button.deposit`);
    await page.waitForSelector('#notice');
    assert.equal(await page.textContent(`#order-${ordrIdxx} .status`), '결제 완료');
    const order = sample.shop.orders.get(ordrIdxx)!;
    assert.equal(order.deposited, 1004);
  });

  it('shows a declined card (the simulator declines amounts ending in 991) and keeps the order unpaid', async () => {
    const ordrIdxx = await buy('decline', 'card');
    assert.equal(await page.textContent('#status'), '실패');
    assert.equal(await page.textContent('#message'), '8108 카드번호 오류');
    assert.equal(sample.shop.orders.get(ordrIdxx)!.tno, null);
  });

  it('refuses a payment whose amount was changed in the browser, before any approval', async () => {
    const approvalsBefore = sample.sim.state.requests.filter((r) => r.txCd === '00100000').length;
    const ordrIdxx = await buy('keyboard', 'card', async (p) => {
      await p.evaluate(() => {
        (document.querySelector('input[name=good_mny]') as HTMLInputElement).value = '100';
      });
    });
    assert.equal(await page.textContent('#status'), '결제 거절: 금액 불일치');
    assert.match((await page.textContent('#message'))!, /^good_mny: the form says "100" but order \S+ costs 89000/);
    assert.equal(sample.sim.state.requests.filter((r) => r.txCd === '00100000').length, approvalsBefore);
    assert.equal(sample.shop.orders.get(ordrIdxx)!.status, 'failed');
  });
});
