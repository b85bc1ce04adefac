/** Browser steps the sample shop's tests share. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Sample } from '../../sample/runtime.js';
import { parseUsSet } from '../../lib/sim/codec.js';

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

/**
 * The money as the simulator's ledger holds it for one order (what KCP approved, cancelled, received): the truth a
 * page is checked against. Undefined when KCP holds nothing for the order.
 */
export function ledgerOf(sample: Sample, ordrIdxx: string): { tno: string; state: string; amount: number; balance: number; deposited: number; account: string; history: string[] } | undefined {
  const tx = [...sample.sim.state.transactions.values()].find((t) => t.ordrIdxx === ordrIdxx);
  if (!tx) return undefined;
  return {
    tno: tx.tno, state: tx.state, amount: tx.amount, balance: tx.balance, deposited: tx.deposited, account: tx.account ?? '',
    history: tx.history.map((h) => `${h.modType} ${h.amount ?? ''}`.trim()),
  };
}

/**
 * What the shop asked KCP about one order, in order, and over which transport: `pp_cli <tx_cd>` for the module's
 * requests, `rest <path>` for the PG-API's, each followed by a cancel's mod_type and, for a partial cancel, the
 * mod_mny and rem_mny sent (so the balance the shop believed is checked too). A SOAP trade registration is in neither
 * (sim.state.trades has it).
 */
export function kcpCallsFor(sample: Sample, ordrIdxx: string): string[] {
  const tno = ledgerOf(sample, ordrIdxx)?.tno;
  const call = (transport: string, what: string, mod: ReadonlyMap<string, string>) =>
    [transport, what, mod.get('mod_type'), ...['mod_mny', 'rem_mny'].filter((k) => mod.has(k)).map((k) => `${k}=${mod.get(k)}`)].filter(Boolean).join(' ');
  const ppCli = sample.sim.state.requests.flatMap((r) => {
    const mod = parseUsSet(r.fields.modx_data ?? '', 'mod_data');
    const mine = r.answer.order_no === ordrIdxx || (tno !== undefined && (r.answer.tno === tno || mod.get('tno') === tno));
    return mine ? [call('pp_cli', r.txCd, mod)] : [];
  });
  const rest = (sample.rest?.requests ?? []).flatMap((r) => {
    const mine = r.fields.ordr_idxx === ordrIdxx || r.answer.order_no === ordrIdxx || (tno !== undefined && (r.fields.tno === tno || r.answer.tno === tno));
    return mine ? [call('rest', r.path, new Map(Object.entries(r.fields)))] : [];
  });
  return [...ppCli, ...rest];
}
