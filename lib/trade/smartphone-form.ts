/**
 * The smartphone order form (KCP's `sm_form`): posted by the buyer's browser to the payUrl a trade registration
 * returned, with accept-charset euc-kr, carrying the approval key and `Ret_URL` (where KCP sends the buyer back).
 * Order id, amount, product, method and Ret_URL come from the registration itself, so the window can only show the
 * trade that was registered; the buyer fields go through the order page's own checks.
 */
import { isHttpUrl } from '../config/rules.js';
import type { SiteConfData } from '../config/site-conf.js';
import { KcpInputError } from '../errors.js';
import { escapeHtml, hiddenInputs } from '../order/html.js';
import { orderForm, type OrderInput } from '../order/form.js';
import type { SmartphoneMethodName, SmartphonePayMethod } from './pay-method.js';
import { SMARTPHONE_PAY_METHODS } from './pay-method.js';
import type { TradeRegistration } from './register.js';

/** What the buyer adds to a registered trade. */
export type SmartphoneOrderInput = Pick<OrderInput, 'buyrName' | 'buyrTel1' | 'buyrTel2' | 'buyrMail' | 'quotaopt' | 'siteName'>;

export interface SmartphoneOrderForm {
  readonly fields: Readonly<Record<string, string>>;
  /** Where the form posts: the registration's payUrl. */
  readonly action: string;
  /** `<form name="sm_form" …>` with the hidden inputs; put your pay button after it, then `</form>`. */
  readonly formStart: string;
  readonly warnings: readonly string[];
}

const METHOD_NAME: Readonly<Record<SmartphonePayMethod, SmartphoneMethodName>> = Object.freeze(
  Object.fromEntries(Object.entries(SMARTPHONE_PAY_METHODS).map(([name, code]) => [code, name])) as Record<SmartphonePayMethod, SmartphoneMethodName>,
);

function checkPayUrl(value: string): string {
  if (!isHttpUrl(value) || /["'<>\s]/.test(value)) throw new KcpInputError(`registration.payUrl must be the http(s) URL KCP returned; got ${JSON.stringify(value)}.`, { field: 'payUrl' });
  return value;
}

/** Builds sm_form for a registered trade. */
export function smartphoneOrderForm(conf: SiteConfData, registration: TradeRegistration, buyer: SmartphoneOrderInput = {}): SmartphoneOrderForm {
  const action = checkPayUrl(registration.payUrl);
  // The PC builder's validation for every shared field (ordr_idxx, good_name, good_mny, buyer, quotaopt, site_name).
  const pc = orderForm(conf, {
    ...buyer,
    ordrIdxx: registration.ordrIdxx,
    goodName: registration.goodName,
    goodMny: registration.amount,
    payMethod: METHOD_NAME[registration.payMethod],
  }, { charset: 'euc-kr' });
  const f = pc.fields;
  const fields: Record<string, string> = {
    req_tx: 'pay',
    site_cd: f.site_cd!,
    shop_name: f.site_name!,
    pay_method: registration.payMethod,
    ordr_idxx: f.ordr_idxx!,
    good_name: f.good_name!,
    good_mny: f.good_mny!,
  };
  for (const name of ['buyr_name', 'buyr_tel1', 'buyr_tel2', 'buyr_mail', 'quotaopt'] as const) {
    if (f[name] !== undefined) fields[name] = f[name];
  }
  fields.currency = '410';
  fields.approval_key = registration.approvalKey;
  fields.Ret_URL = registration.returnUrl;
  fields.escw_used = registration.escrow ? 'Y' : 'N';
  fields.pay_mod = registration.escrow ? 'Y' : 'N';
  const frozen = Object.freeze(fields);
  return Object.freeze({
    fields: frozen,
    action,
    formStart: `<form name="sm_form" id="sm_form" method="post" action="${escapeHtml(action)}" accept-charset="euc-kr">\n${hiddenInputs(frozen)}`,
    warnings: pc.warnings,
  });
}
