/**
 * The order page (주문요청): the hidden form that KCP's payment window reads, fills with enc_data /
 * enc_info / tran_cd / trace_no / use_pay_method, and posts back to the merchant's pp_ax_hub route.
 *
 * Everything is validated here, before the buyer sees a window, so a bad field fails on the merchant's
 * server with a message naming it rather than as a KCP code after the buyer typed a card number.
 *
 * site_key is NEVER put into the form. KCP's old sample order pages did add it as a hidden field, which
 * published the merchant's secret key to every visitor; the payment window does not need it (the key is
 * used only server-side, by pp_cli), so leaving it out loses nothing and leaks nothing.
 */
import { KcpInputError } from '../errors.js';
import {
  REAL_JS_URL,
  REAL_JS_URL_UTF8,
  TEST_JS_URL,
  TEST_JS_URL_UTF8,
  type KcpEnvironment,
  type SiteConfData,
} from '../config/site-conf.js';
import { jsUrlEnvironment } from '../config/environment.js';
import { SiteConf } from '../config/site-conf-class.js';
import { describeChar, ORDER_ID_CHAR } from '../protocol/validate.js';
import { isCardCodeFormat } from '../codes/cards.js';
import { VBANK_BANKS, isVbankBankCode } from '../codes/banks.js';
import type { PayMethodName } from '../codes/pay-methods.js';
import {
  checkAmount,
  checkIntRange,
  checkNoForbidden,
  checkText,
  checkYn,
  fail,
  type FieldRef,
} from './checks.js';
import { checkGoodExpr } from './good-expr.js';
import { hiddenInputs } from './html.js';
import { payMethodBitmap } from './pay-method.js';

type YN = 'Y' | 'N' | boolean;

/** What the merchant sells and to whom. Property names are KCP's field names in camelCase. */
export interface OrderInput {
  /** ordr_idxx: the merchant's own order number, at most 40 of [0-9A-Za-z_.-]. */
  ordrIdxx: string;
  /** pay_method: method names ('card', ['card', 'bank']) or a 12-digit bitmap. */
  payMethod: PayMethodName | readonly PayMethodName[] | string;
  /** good_name: at most 30 EUC-KR bytes, no special characters. */
  goodName: string;
  /** good_mny: the amount, digits only (USD in cents). */
  goodMny: number | string;
  /** currency: WON (default) or USD (USD needs a separate KCP contract). */
  currency?: 'WON' | 'USD';
  buyrName?: string;
  buyrTel1?: string;
  buyrTel2?: string;
  buyrMail?: string;
  /** site_name override; defaults to the configuration's g_conf_site_name. */
  siteName?: string;
  /** site_logo: http(s) URL of a GIF/JPG under 150×50. */
  siteLogo?: string;
  engFlag?: YN;
  /** skin_indx: 1–7. */
  skinIndx?: number | string;
  goodCd?: string;
  /** good_expr: '0' (default), '1:YYYYMMDDYYYYMMDD' or '2:<n>d|w|m'. */
  goodExpr?: string;
  /** tax_flag: 'TG03' for complex taxation (needs a TG03 contract); then all three comm_* amounts. */
  taxFlag?: 'TG03';
  commTaxMny?: number | string;
  commVatMny?: number | string;
  commFreeMny?: number | string;
  /** kcp_noint: '' admin settings, 'N' ordinary instalments, 'Y' use kcpNointQuota. */
  kcpNoint?: '' | 'N' | 'Y';
  /** kcp_noint_quota: e.g. 'CCBC-02:03:06,CCKM-03:06' (needs kcpNoint 'Y'). */
  kcpNointQuota?: string;
  /** quotaopt: the most instalment months offered, 0–12 (instalments only from 50,000 won). */
  quotaopt?: number | string;
  /** fix_inst: the only instalment months offered, 0–12. */
  fixInst?: number | string;
  /** not_used_card: card codes hidden from the window ('CCKM:CCBC' or a list). */
  notUsedCard?: string | readonly string[];
  usedCardYN?: YN;
  /** used_card: the only card codes shown; sets used_card_YN=Y when that is not given. */
  usedCard?: string | readonly string[];
  saveOcb?: YN;
  usedCardCCXX?: YN;
  /** wish_vbank_list: virtual-account banks offered ('03:04:11' or a list of codes). */
  wishVbankList?: string | readonly string[];
  /** vcnt_expire_term: days the virtual account stays open. */
  vcntExpireTerm?: number | string;
  /** vcnt_expire_term_time: HHMMSS closing time on the last day (KCP's default 235959). */
  vcntExpireTermTime?: string;
  hpApplyYn?: YN;
  /** hp_commid: the one carrier shown (SKT, KTF or LGT); sets hp_apply_yn=Y when that is not given. */
  hpCommid?: 'SKT' | 'KTF' | 'LGT';
  complexPntYn?: YN;
  /** tk_shop_id: the buyer's login id at the shop; required whenever gift cards are offered. */
  tkShopId?: string;
  dispTaxYn?: YN;
}

export interface OrderFormOptions {
  /**
   * Charset of the page that will hold the form; picks payplus(_test).js (EUC-KR) or
   * payplus(_test)_un.js (UTF-8). Defaults to the variant of the configured g_conf_js_url, else UTF-8.
   */
  charset?: 'utf-8' | 'euc-kr';
  /**
   * quotaopt / fix_inst above 0 on a WON order under 50,000 won: KCP then offers lump-sum payment only.
   * 'warn' (default) adds a warning and keeps the field, because a shop-wide quotaopt=12 is common and
   * harmless; 'refuse' throws, for merchants who want the window to match exactly what they configured.
   */
  instalmentBelowMinimum?: 'warn' | 'refuse';
}

export interface OrderForm {
  /** Hidden fields in the order KCP's manual lists them, then the empty fields the window fills. */
  readonly fields: Readonly<Record<string, string>>;
  /** The payment-window script to load on the order page. */
  readonly jsUrl: string;
  /** The fields as escaped `<input type="hidden">` elements, one per line. */
  readonly html: string;
  /** Things that are valid but probably not what the merchant meant. */
  readonly warnings: readonly string[];
}

/** KCP offers instalments only from this amount (won). */
export const INSTALMENT_MINIMUM_WON = 50_000;

/** Fields the payment window fills in; present and empty in the form. */
export const WINDOW_FILLED_FIELDS = Object.freeze(['enc_data', 'enc_info', 'tran_cd', 'trace_no', 'use_pay_method']);

const ref = (kcp: string, prop: string): FieldRef => ({ kcp, prop });

/** Builds and validates the order form for one order. */
export function orderForm(data: SiteConf | SiteConfData, order: OrderInput, options: OrderFormOptions = {}): OrderForm {
  // Only a validated configuration: site code, key and the TEST/REAL consistency are SiteConf's rules (3014/8001).
  const conf = SiteConf.from(data);
  const warnings: string[] = [];
  const f: Record<string, string> = {};
  const siteCd = conf.siteCd;
  const currency = checkCurrency(order.currency);
  const payMethod = payMethodBitmap(order.payMethod);
  const goodMny = checkAmount(ref('good_mny', 'goodMny'), order.goodMny, false);

  f.req_tx = 'pay';
  f.site_name = checkSiteName(order.siteName ?? conf.siteName, order.siteName === undefined, warnings);
  f.site_cd = siteCd;
  f.ordr_idxx = checkOrderId(order.ordrIdxx);
  f.pay_method = payMethod;
  f.good_name = checkGoodName(order.goodName);
  f.good_mny = String(goodMny);
  addBuyer(f, order);
  if (order.siteLogo !== undefined) f.site_logo = checkSiteLogo(order.siteLogo, warnings);
  f.currency = currency;
  f.module_type = '01';
  if (order.engFlag !== undefined) f.eng_flag = checkYn(ref('eng_flag', 'engFlag'), order.engFlag);
  addTax(f, order, goodMny);
  if (order.skinIndx !== undefined) {
    f.skin_indx = String(checkIntRange(ref('skin_indx', 'skinIndx'), order.skinIndx, 1, 7, 'Pick one of KCP\'s skins 1–7'));
  }
  if (order.goodCd !== undefined) f.good_cd = checkText(ref('good_cd', 'goodCd'), order.goodCd, 20);
  f.good_expr = checkGoodExpr(order.goodExpr ?? '0');
  addCard(f, order, goodMny, currency, options.instalmentBelowMinimum ?? 'warn', warnings);
  addVbank(f, order);
  addMobile(f, order);
  if (order.complexPntYn !== undefined) f.complex_pnt_yn = checkYn(ref('complex_pnt_yn', 'complexPntYn'), order.complexPntYn);
  addGiftCard(f, order, payMethod);
  if (order.dispTaxYn !== undefined) f.disp_tax_yn = checkYn(ref('disp_tax_yn', 'dispTaxYn'), order.dispTaxYn);
  for (const name of WINDOW_FILLED_FIELDS) f[name] = '';

  const fields = Object.freeze(f);
  return Object.freeze({
    fields,
    jsUrl: chooseJsUrl(conf, options.charset),
    html: hiddenInputs(fields),
    warnings: Object.freeze(warnings),
  });
}

function checkCurrency(currency: OrderInput['currency']): 'WON' | 'USD' {
  if (currency === undefined || currency === 'WON') return 'WON';
  if (currency === 'USD') return 'USD';
  return fail(ref('currency', 'currency'), `must be "WON" or "USD"; got ${JSON.stringify(currency)}`, 'KCP takes no other currency');
}

function checkSiteName(value: string, fromConf: boolean, warnings: string[]): string {
  const r: FieldRef = fromConf ? { kcp: 'site_name', prop: 'siteName', source: 'g_conf_site_name' } : ref('site_name', 'siteName');
  checkText(r, value, 20);
  if (value === '') warnings.push('site_name is empty: the payment window will show no shop name (set g_conf_site_name).');
  else if (!/^[\x20-\x7e]*$/.test(value)) warnings.push('site_name is not plain English: KCP asks for an English shop name where possible.');
  return value;
}

export function checkOrderId(value: string): string {
  const r = ref('ordr_idxx', 'ordrIdxx');
  if (typeof value !== 'string' || value === '') fail(r, 'is required', 'Pass the merchant\'s own order number');
  if (value.length > 40) fail(r, `is ${value.length} characters long; KCP allows at most 40`, 'Use a shorter order number');
  for (const char of value) {
    if (!ORDER_ID_CHAR.test(char)) {
      fail(r, `contains ${describeChar(char)}`, 'Use only letters, digits, "_", "." and "-" (KCP and pp_cli refuse anything else)');
    }
  }
  return value;
}

/** What good_name may contain besides letters and digits; anything else is a special character. */
const GOOD_NAME_PUNCTUATION = ' -_.()[]/:+~!?*@#';

export function checkGoodName(value: string): string {
  const r = ref('good_name', 'goodName');
  if (typeof value !== 'string' || value.trim() === '') fail(r, 'is required', 'Pass a short product name');
  checkNoForbidden(r, value);
  let index = 0;
  for (const char of value) {
    if (!/[\p{L}\p{M}\p{N}]/u.test(char) && !GOOD_NAME_PUNCTUATION.includes(char)) {
      fail(
        r,
        `contains the special character ${describeChar(char)} at position ${index + 1}; KCP does not allow special characters in product names`,
        `Use letters, digits, spaces and ${GOOD_NAME_PUNCTUATION.slice(1).split('').join(' ')}`,
      );
    }
    index += 1;
  }
  return checkText(r, value, 30);
}

function addBuyer(f: Record<string, string>, order: OrderInput): void {
  if (order.buyrName !== undefined) f.buyr_name = checkText(ref('buyr_name', 'buyrName'), order.buyrName, 30);
  for (const [kcp, prop] of [['buyr_tel1', 'buyrTel1'], ['buyr_tel2', 'buyrTel2']] as const) {
    const value = order[prop];
    if (value === undefined) continue;
    if (!/^[0-9+-]{1,20}$/.test(value)) {
      fail(ref(kcp, prop), `must be 1–20 digits, "-" or "+"; got ${JSON.stringify(value)}`, 'Write the number like 02-2108-1000 or 01000001111');
    }
    f[kcp] = value;
  }
  if (order.buyrMail !== undefined) {
    const r = ref('buyr_mail', 'buyrMail');
    checkText(r, order.buyrMail, 50);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(order.buyrMail)) {
      fail(r, `is not an e-mail address; got ${JSON.stringify(order.buyrMail)}`, 'KCP mails the payment result there: pass a valid address or leave it out');
    }
    f.buyr_mail = order.buyrMail;
  }
}

function checkSiteLogo(value: string, warnings: string[]): string {
  const r = ref('site_logo', 'siteLogo');
  checkText(r, value, 256);
  if (!/^https?:\/\/[^\s/]+/i.test(value)) fail(r, `must be an http(s) URL; got ${JSON.stringify(value)}`, 'Point it at a GIF or JPG under 150×50 pixels');
  if (!/\.(gif|jpe?g)(\?.*)?$/i.test(value)) {
    warnings.push('site_logo does not end in .gif or .jpg: KCP shows only GIF/JPG logos under 150×50 and falls back to site_name.');
  }
  return value;
}

function addTax(f: Record<string, string>, order: OrderInput, goodMny: number): void {
  const parts = [
    ['comm_tax_mny', 'commTaxMny'],
    ['comm_free_mny', 'commFreeMny'],
    ['comm_vat_mny', 'commVatMny'],
  ] as const;
  if (order.taxFlag === undefined) {
    for (const [kcp, prop] of parts) {
      if (order[prop] !== undefined) {
        fail(ref(kcp, prop), 'is only used with tax_flag=TG03 (complex taxation)', 'Set taxFlag: \'TG03\' or leave the comm_* amounts out');
      }
    }
    return;
  }
  if (order.taxFlag !== 'TG03') {
    fail(ref('tax_flag', 'taxFlag'), `must be "TG03" when set; got ${JSON.stringify(order.taxFlag)}`, 'Leave it out for ordinary taxation');
  }
  f.tax_flag = 'TG03';
  let sum = 0;
  for (const [kcp, prop] of parts) {
    const value = order[prop];
    if (value === undefined) {
      fail(ref(kcp, prop), 'is required with tax_flag=TG03', 'Pass all three of comm_tax_mny, comm_vat_mny and comm_free_mny (complexTaxAmounts() computes them)');
    }
    const n = checkAmount(ref(kcp, prop), value, true);
    f[kcp] = String(n);
    sum += n;
  }
  if (sum !== goodMny) {
    fail(
      ref('comm_tax_mny', 'commTaxMny'),
      `+ comm_vat_mny + comm_free_mny is ${sum}, but good_mny is ${goodMny}`,
      'The three parts must add up to good_mny exactly (complexTaxAmounts(goodMny, freeMny) computes them)',
    );
  }
}

function cardCodes(r: FieldRef, value: string | readonly string[]): string {
  const codes = typeof value === 'string' ? value.split(':') : [...value];
  for (const code of codes) {
    if (!isCardCodeFormat(code)) {
      fail(r, `has ${JSON.stringify(code)}, which is not a card company code`, 'Use four-letter codes such as CCKM, CCBC, CCSS (CCXX for other cards), joined with ":"');
    }
  }
  const joined = codes.join(':');
  checkText(r, joined, 256);
  return joined;
}

const MONTH = '(0[2-9]|1[0-2])';
const NOINT_ITEM = new RegExp(`^[A-Z]{4}-${MONTH}(:${MONTH})*$`);

function addCard(
  f: Record<string, string>,
  order: OrderInput,
  goodMny: number,
  currency: 'WON' | 'USD',
  belowMinimum: 'warn' | 'refuse',
  warnings: string[],
): void {
  if (order.kcpNoint !== undefined) {
    if (order.kcpNoint !== '' && order.kcpNoint !== 'N' && order.kcpNoint !== 'Y') {
      fail(ref('kcp_noint', 'kcpNoint'), `must be "", "N" or "Y"; got ${JSON.stringify(order.kcpNoint)}`, '"" uses the admin page\'s interest-free settings, "N" ordinary instalments, "Y" kcp_noint_quota');
    }
    f.kcp_noint = order.kcpNoint;
  }
  if (order.kcpNointQuota !== undefined) {
    const r = ref('kcp_noint_quota', 'kcpNointQuota');
    if (order.kcpNoint !== 'Y') fail(r, 'is only used when kcp_noint is "Y"', 'Set kcpNoint: \'Y\' or leave kcpNointQuota out');
    for (const item of order.kcpNointQuota.split(',')) {
      if (!NOINT_ITEM.test(item)) {
        fail(r, `has ${JSON.stringify(item)}, which is not <card code>-<months>`, 'Write it like CCBC-02:03:06,CCKM-03:06 (months 02–12, two digits); months beyond the admin settings give 8169');
      }
    }
    // Its commas are KCP's own list syntax (the per-item pattern above already limits the characters).
    if (order.kcpNointQuota.length > 256) fail(r, `is ${order.kcpNointQuota.length} characters long; KCP allows at most 256`, 'List fewer cards or months');
    f.kcp_noint_quota = order.kcpNointQuota;
  }
  for (const [kcp, prop] of [['quotaopt', 'quotaopt'], ['fix_inst', 'fixInst']] as const) {
    const value = order[prop];
    if (value === undefined) continue;
    const r = ref(kcp, prop);
    const months = checkIntRange(r, value, 0, 12, 'Use 0 (lump sum only) to 12 months');
    if (months > 0 && currency === 'WON' && goodMny < INSTALMENT_MINIMUM_WON) {
      const problem = `is ${months} but good_mny is ${goodMny} won: KCP offers instalments only from 50,000 won, so the window shows lump-sum payment only`;
      if (belowMinimum === 'refuse') fail(r, problem, 'Use 0 for orders under 50,000 won');
      warnings.push(`${kcp} ${problem}.`);
    }
    f[kcp] = String(months);
  }
  if (order.notUsedCard !== undefined) f.not_used_card = cardCodes(ref('not_used_card', 'notUsedCard'), order.notUsedCard);
  let usedCardYn = order.usedCardYN === undefined ? undefined : checkYn(ref('used_card_YN', 'usedCardYN'), order.usedCardYN);
  if (order.usedCard !== undefined) {
    if (usedCardYn === 'N') fail(ref('used_card', 'usedCard'), 'is ignored when used_card_YN is "N"', 'Set usedCardYN to "Y" or leave usedCard out');
    usedCardYn = 'Y';
  }
  if (usedCardYn !== undefined) f.used_card_YN = usedCardYn;
  if (order.usedCard !== undefined) f.used_card = cardCodes(ref('used_card', 'usedCard'), order.usedCard);
  if (order.saveOcb !== undefined) f.save_ocb = checkYn(ref('save_ocb', 'saveOcb'), order.saveOcb);
  if (order.usedCardCCXX !== undefined) f.used_card_CCXX = checkYn(ref('used_card_CCXX', 'usedCardCCXX'), order.usedCardCCXX);
}

function addVbank(f: Record<string, string>, order: OrderInput): void {
  if (order.wishVbankList !== undefined) {
    const r = ref('wish_vbank_list', 'wishVbankList');
    const codes = typeof order.wishVbankList === 'string' ? order.wishVbankList.split(':') : [...order.wishVbankList];
    const allowed = VBANK_BANKS.map((b) => b.code).join(', ');
    for (const code of codes) {
      if (!/^\d{2}$/.test(code) || !isVbankBankCode(code)) {
        const hint = code === '88' ? ' (virtual accounts use 신한은행\'s legacy code 26)' : '';
        fail(r, `has ${JSON.stringify(code)}, which is not a virtual-account bank${hint}`, `Use codes from ${allowed}, joined with ":"`);
      }
    }
    f.wish_vbank_list = checkText(r, codes.join(':'), 50);
  }
  if (order.vcntExpireTerm !== undefined) {
    f.vcnt_expire_term = String(
      checkIntRange(ref('vcnt_expire_term', 'vcntExpireTerm'), order.vcntExpireTerm, 1, 99, 'Give the number of days the account stays open (3 = until three days after issue)'),
    );
  }
  if (order.vcntExpireTermTime !== undefined) {
    const r = ref('vcnt_expire_term_time', 'vcntExpireTermTime');
    if (order.vcntExpireTerm === undefined) fail(r, 'needs vcnt_expire_term', 'Set vcntExpireTerm (days) too; the time is the closing time on the last day');
    if (!/^([01]\d|2[0-3])[0-5]\d[0-5]\d$/.test(order.vcntExpireTermTime)) {
      fail(r, `must be a time HHMMSS from 000000 to 235959; got ${JSON.stringify(order.vcntExpireTermTime)}`, 'E.g. 120000 for noon (KCP\'s default is 235959)');
    }
    f.vcnt_expire_term_time = order.vcntExpireTermTime;
  }
}

function addMobile(f: Record<string, string>, order: OrderInput): void {
  let applyYn = order.hpApplyYn === undefined ? undefined : checkYn(ref('hp_apply_yn', 'hpApplyYn'), order.hpApplyYn);
  if (order.hpCommid !== undefined) {
    const r = ref('hp_commid', 'hpCommid');
    if (!['SKT', 'KTF', 'LGT'].includes(order.hpCommid)) fail(r, `must be SKT, KTF or LGT; got ${JSON.stringify(order.hpCommid)}`, 'Name one carrier');
    if (applyYn === 'N') fail(r, 'is ignored when hp_apply_yn is "N"', 'Set hpApplyYn to "Y" or leave hpCommid out');
    applyYn = 'Y';
  }
  if (applyYn !== undefined) f.hp_apply_yn = applyYn;
  if (order.hpCommid !== undefined) f.hp_commid = order.hpCommid;
}

function addGiftCard(f: Record<string, string>, order: OrderInput, payMethod: string): void {
  const r = ref('tk_shop_id', 'tkShopId');
  const giftCards = payMethod[8] === '1';
  if (order.tkShopId === undefined || order.tkShopId === '') {
    if (giftCards) {
      fail(r, 'is required when pay_method includes gift cards', 'Pass the buyer\'s login id at your shop: KCP refuses 문화상품권 (culture gift card) payments without it');
    }
    return;
  }
  f.tk_shop_id = checkText(r, order.tkShopId, 20);
}

const KCP_JS: Readonly<Record<KcpEnvironment, Readonly<Record<'utf-8' | 'euc-kr', string>>>> = {
  TEST: { 'euc-kr': TEST_JS_URL, 'utf-8': TEST_JS_URL_UTF8 },
  REAL: { 'euc-kr': REAL_JS_URL, 'utf-8': REAL_JS_URL_UTF8 },
};

/**
 * The conf's own URL when it points at a local simulator or is the standard-web window (one script for every page
 * charset); otherwise KCP's plug-in script for the site's environment and the page charset (always https). The conf
 * is a validated SiteConf, so its script already belongs to its site code's environment (SiteConf's 3014 rule).
 */
function chooseJsUrl(conf: SiteConf, charset: OrderFormOptions['charset']): string {
  const js = jsUrlEnvironment(conf.jsUrl, conf.extraKcpHosts);
  if (js?.local || js?.window === 'standard-web') return conf.jsUrl;
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'euc-kr') {
    throw new KcpInputError(`options.charset must be "utf-8" or "euc-kr"; got ${JSON.stringify(charset)}.`, { field: 'charset' });
  }
  return KCP_JS[conf.env][charset ?? js?.charset ?? 'utf-8'];
}
