/**
 * Links to KCP's receipts (영수증 연동): card slips (매출전표), statements for bank transfer, virtual
 * account, mobile phone and Tong money (거래명세표), and cash receipts (현금영수증).
 *
 * REAL hosts are the manual's (admin8.kcp.co.kr for slips and statements, admin.kcp.co.kr for cash
 * receipts). Test transactions exist only on KCP's test admin, testadmin8.kcp.co.kr, which KCP's own
 * sample pages name in their comments ("테스트시 : https://testadmin8.kcp.co.kr/assist/bill.BillAction.do?…").
 * The manual accepts both `c_trade_no=` (per kind) and `tno=` for the trade number; we use `tno=`.
 */
import { KcpInputError } from '../errors.js';
import type { KcpEnvironment } from '../config/site-conf.js';
import { isSiteCd } from '../config/rules.js';
import { isOrderId, isTno } from '../protocol/validate.js';

export type ReceiptKind = 'card' | 'acnt' | 'vcnt' | 'mcash' | 'tong';

export interface ReceiptUrlInput {
  /** card: card slip; acnt: bank transfer; vcnt: virtual account; mcash: mobile phone; tong: Tong money. */
  kind: ReceiptKind;
  /** KCP's 14-digit transaction number. */
  tno: string;
  /** 'ko' (default) or 'en' (the `_eng` pages). */
  lang?: 'ko' | 'en';
  /** 'REAL' (default) or 'TEST' for test-site transactions. */
  env?: KcpEnvironment;
  /**
   * Another host for the same slip path, e.g. the local simulator's URL (http://127.0.0.1:<port>) in development:
   * KCP's admin does not know a simulator's tno. Overrides env's host.
   */
  host?: string;
}

export interface CashReceiptUrlInput {
  /** The KCP site code; term_id becomes PGNW + site code. */
  siteCd: string;
  /** The merchant's order number (orderid). */
  orderId: string;
  /** bill_yn, whether the National Tax Service approved it; default 'Y'. */
  billYn?: 'Y' | 'N';
  /** The 9-digit cash-receipt approval number (authno / cash_authno). */
  authNo: string;
  env?: KcpEnvironment;
}

export interface ReceiptLink {
  readonly url: string;
  /** Popup size the manual recommends. */
  readonly width: number;
  readonly height: number;
  /** For window.open(url, name, features). */
  readonly features: string;
}

const BILL_PATH = '/assist/bill.BillAction.do';
const CASH_PATH = '/Modules/Service/Cash/Cash_Bill_Common_View.jsp';
const BILL_HOST: Readonly<Record<KcpEnvironment, string>> = { REAL: 'https://admin8.kcp.co.kr', TEST: 'https://testadmin8.kcp.co.kr' };
const CASH_HOST: Readonly<Record<KcpEnvironment, string>> = { REAL: 'https://admin.kcp.co.kr', TEST: 'https://testadmin8.kcp.co.kr' };

/** Popup sizes from the manual: card slip 470×815, other statements 470×695, cash receipt 420×670. */
export const RECEIPT_POPUP_SIZES = Object.freeze({
  card: Object.freeze({ width: 470, height: 815 }),
  statement: Object.freeze({ width: 470, height: 695 }),
  cash: Object.freeze({ width: 420, height: 670 }),
});

const KINDS: readonly ReceiptKind[] = ['card', 'acnt', 'vcnt', 'mcash', 'tong'];

function checkEnv(env: unknown): KcpEnvironment {
  if (env === undefined || env === 'REAL') return 'REAL';
  if (env === 'TEST') return 'TEST';
  throw new KcpInputError(`env must be "REAL" or "TEST"; got ${JSON.stringify(env)}.`, { field: 'env' });
}

/** An http(s) origin without a trailing slash. */
function checkHost(host: string): string {
  let url: URL | undefined;
  try {
    url = new URL(host);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
    throw new KcpInputError(`host must be an http(s) origin such as "http://127.0.0.1:8090"; got ${JSON.stringify(host)}.`, { field: 'host' });
  }
  return url.origin;
}

/** The slip/statement URL for one transaction. */
export function receiptUrl(input: ReceiptUrlInput): string {
  if (!KINDS.includes(input.kind)) {
    throw new KcpInputError(`kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(input.kind)}.`, { field: 'kind' });
  }
  if (!isTno(input.tno)) {
    throw new KcpInputError(
      `tno must be KCP's 14-digit transaction number; got ${JSON.stringify(input.tno)}. Use the tno stored from the approval result.`,
      { field: 'tno' },
    );
  }
  const lang = input.lang ?? 'ko';
  if (lang !== 'ko' && lang !== 'en') {
    throw new KcpInputError(`lang must be "ko" or "en"; got ${JSON.stringify(lang)}.`, { field: 'lang' });
  }
  const cmd = `${input.kind}_bill${lang === 'en' ? '_eng' : ''}`;
  const env = checkEnv(input.env);
  return `${input.host === undefined ? BILL_HOST[env] : checkHost(input.host)}${BILL_PATH}?cmd=${cmd}&tno=${input.tno}`;
}

/** receiptUrl plus the popup size the manual recommends for it. */
export function receiptLink(input: ReceiptUrlInput): ReceiptLink {
  const url = receiptUrl(input);
  return link(url, input.kind === 'card' ? RECEIPT_POPUP_SIZES.card : RECEIPT_POPUP_SIZES.statement);
}

/** The cash-receipt URL (term_id=PGNW<site_cd>&orderid=…&bill_yn=…&authno=…). */
export function cashReceiptUrl(input: CashReceiptUrlInput): string {
  if (!isSiteCd(input.siteCd)) {
    throw new KcpInputError(`siteCd must be the 5-character upper-case KCP site code; got ${JSON.stringify(input.siteCd)}.`, { field: 'site_cd' });
  }
  if (!isOrderId(input.orderId)) {
    throw new KcpInputError(
      `orderId must be the order number (1–40 of letters, digits, "_", ".", "-"); got ${JSON.stringify(input.orderId)}.`,
      { field: 'orderid' },
    );
  }
  const billYn = input.billYn ?? 'Y';
  if (billYn !== 'Y' && billYn !== 'N') {
    throw new KcpInputError(`billYn must be "Y" or "N"; got ${JSON.stringify(billYn)}.`, { field: 'bill_yn' });
  }
  if (typeof input.authNo !== 'string' || !/^\d{9}$/.test(input.authNo)) {
    throw new KcpInputError(
      `authNo must be the 9-digit cash-receipt approval number; got ${JSON.stringify(input.authNo)}. Use cash_authno from the result.`,
      { field: 'authno' },
    );
  }
  const query = `term_id=PGNW${input.siteCd}&orderid=${input.orderId}&bill_yn=${billYn}&authno=${input.authNo}`;
  return `${CASH_HOST[checkEnv(input.env)]}${CASH_PATH}?${query}`;
}

export function cashReceiptLink(input: CashReceiptUrlInput): ReceiptLink {
  return link(cashReceiptUrl(input), RECEIPT_POPUP_SIZES.cash);
}

function link(url: string, size: { width: number; height: number }): ReceiptLink {
  return Object.freeze({ url, width: size.width, height: size.height, features: `width=${size.width},height=${size.height}` });
}
