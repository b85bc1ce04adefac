/** Browser steps the sample shop's tests share. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Product page (PC `/`, phone `/m/`) → order page → #pay (`before` may change the page first): the window is open. */
export async function openWindow(
  page: Page,
  shopUrl: string,
  productId: string,
  method: string,
  options: { path?: string; before?: (p: Page) => Promise<void> } = {},
): Promise<string> {
  await page.goto(`${shopUrl}${options.path ?? '/'}`);
  const product = page.locator(`form:has(#buy-${productId})`);
  await product.locator('select[name=method]').selectOption(method);
  await product.locator(`#buy-${productId}`).click();
  await page.waitForSelector('#pay');
  const ordrIdxx = (await page.textContent('#ordr_idxx'))!.trim();
  if (options.before) await options.before(page);
  await page.click('#pay');
  return ordrIdxx;
}

/** Debian's chromium, headless, for the sample shop's browser tests; a missing browser is a failure with the fix. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`chromium not found at ${executablePath}: install it with 'apt-get install chromium' (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
