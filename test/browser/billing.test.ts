/**
 * Recurring billing in the sample shop, in a real browser (Debian's chromium through playwright-core), on the REST
 * transport against the simulator (startSample({ transport: 'rest' })), everything on 127.0.0.1: the buyer registers a
 * card through the batch-key window (the standard-web window with card_cert_type=BATCH), the shop keeps the key KCP
 * issued, and staff charge this month — twice: the second press is refused and KCP sees one charge.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, startSample, type Sample } from '../../sample/runtime.js';
import { currentPeriod } from '../../sample/billing.js';
import { launchChromium } from '../helpers/shop-browser.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const STAFF_PASSWORD = 'browser-test-staff-password';

describe('sample shop: recurring billing on the REST transport, in chromium', function () {
  this.timeout(120_000);
  let sample: Sample;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kcp-billing-shop-'));
    sample = await startSample({
      port: 0, simPort: 0, transport: 'rest', adminPassword: STAFF_PASSWORD,
      homeDir: path.join(tmp, 'kcp'), logDir: path.join(tmp, 'log'), cfgFile: path.join(tmp, 'cfg', 'site_conf_inc.json'),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sample?.close();
  });

  const hub = (ordrIdxx: string) => sample.rest!.requests.filter((r) => r.path === '/gw/hub/v1/payment' && r.fields.ordr_idxx === ordrIdxx);

  /** Staff press "charge this month" and the list comes back (a new page, with the outcome in #notice). */
  async function charge(subscriptionId: string): Promise<void> {
    await page.evaluate(() => void (document.body.dataset.before = 'charge'));
    await page.click(`#charge-${subscriptionId}`);
    await page.waitForSelector('body:not([data-before]) #notice');
  }

  it('registers a card through the batch-key window, and a staff charge of this month charges it once', async () => {
    await page.goto(`${sample.shopUrl}/billing`);
    assert.equal(await page.textContent('h1'), '정기결제');
    await page.click('#register');
    const frame = page.frameLocator('#kcp_sim_web_frame');
    await frame.locator('#kcp-sim-pay').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'billing-batch-window.png') });
    const registered = page.waitForResponse((r) => r.url() === `${sample.shopUrl}/billing/register`);
    await frame.locator('#kcp-sim-pay').click();
    assert.equal((await registered).status(), 303, 'the shop took the window\'s result');
    await page.waitForSelector('#subscriptions tbody tr');
    const row = page.locator('#subscriptions tbody tr');
    assert.equal(await row.count(), 1);
    const subscriptionId = (await row.getAttribute('id'))!.replace(/^sub-/, '');
    assert.match(subscriptionId, /^SUB[0-9A-F]{8}$/);
    assert.match((await row.locator('.card').textContent())!, /삼성카드 5310\*{6}1234/);
    // The key KCP issued is the shop's, kept in its database; the page never shows it.
    const issued = sample.rest!.requests.filter((r) => r.path === '/gw/enc/v1/payment' && r.answer.batch_key);
    assert.equal(issued.length, 1);
    const batchKey = issued[0]!.answer.batch_key!;
    assert.equal(issued[0]!.fields.ordr_mony, undefined, 'a batch key issue carries no amount');
    assert.equal((await page.content()).includes(batchKey), false);

    // Staff: log in, then charge this month twice.
    await page.goto(`${sample.shopUrl}/staff/orders`);
    await page.fill('#password', STAFF_PASSWORD);
    await page.click('#login');
    await page.waitForURL(`${sample.shopUrl}/staff/orders`);
    await page.goto(`${sample.shopUrl}/billing`);
    const period = currentPeriod();
    const ordrIdxx = `${subscriptionId}.${period}`;
    await charge(subscriptionId);
    assert.equal(await page.getAttribute('#notice', 'class'), 'notice ok');
    assert.equal(await page.textContent(`#charges-${subscriptionId} li[data-period="${period}"] .status`), '결제 완료');
    const sent = hub(ordrIdxx);
    assert.equal(sent.length, 1);
    assert.deepEqual([sent[0]!.fields.amount, sent[0]!.fields.bt_batch_key, sent[0]!.fields.bt_group_id], ['9900', batchKey, 'BA0011000348']);
    const charged = [...sample.sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === ordrIdxx);
    assert.deepEqual(charged.map((t) => [t.state, t.amount]), [['approved', 9900]]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'billing-charged.png'), fullPage: true });

    await charge(subscriptionId);
    assert.equal(await page.getAttribute('#notice', 'class'), 'notice error');
    assert.match((await page.textContent('#notice'))!, /이미 결제된 기간입니다/);
    assert.equal(hub(ordrIdxx).length, 1, 'the second press sent nothing to KCP');
    assert.equal([...sample.sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === ordrIdxx).length, 1);
    assert.equal(await page.textContent(`#charges-${subscriptionId} li[data-period="${period}"] .status`), '결제 완료');
  });

  it('is not offered on the pp_cli transport', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kcp-billing-shop-'));
    const ppcli = await startSample({
      port: 0, simPort: 0, homeDir: path.join(tmp, 'kcp'), logDir: path.join(tmp, 'log'), cfgFile: path.join(tmp, 'cfg', 'site_conf_inc.json'),
    });
    try {
      assert.equal((await fetch(`${ppcli.shopUrl}/billing`)).status, 404);
    } finally {
      await ppcli.close();
    }
  });
});
