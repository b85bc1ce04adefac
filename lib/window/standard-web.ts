/**
 * The order page for KCP's standard-web window (payplus_web.jsp). The page
 *   1. declares `m_Completepayment(FormOrJson, closeEvent)` BEFORE loading KCP's script (KCP: the name must never
 *      change and must exist before the script loads);
 *   2. loads the script and opens the window with `KCP_Pay_Execute(form)` (on old IE the script throws after a
 *      successful start: caught and ignored, as KCP's samples do);
 *   3. when the window calls back, copies its results into the order form with KCP's `GetField(form, FormOrJson)`,
 *      submits the form to pp_ax_hub when res_cd is 0000, and otherwise tells the buyer and calls `closeEvent()`
 *      (a buyer who closes the window gets 3001 사용자 취소: nothing is submitted, nothing reaches pp_cli).
 *      KCP's window reports such an exit to this callback only, and KCP's sample page tells its server nothing; with
 *      `reportExit` the page also posts the exit (ordr_idxx, res_cd, res_msg) to `action` in the background, so the
 *      server can log it (payment.window_exit: the window_closed / window_failed event) while the buyer stays on the page.
 *
 * The hidden fields are orderForm's (same validation, site_key never included) plus res_cd/res_msg, which the window
 * fills. Every value is escaped; names that end up in script are checked to be plain identifiers.
 */
import { KcpConfigError, KcpInputError } from '../errors.js';
import { REAL_WEB_JS_URL, TEST_WEB_JS_URL, type SiteConfData } from '../config/site-conf.js';
import { jsUrlEnvironment } from '../config/environment.js';
import { escapeHtml, hiddenInputs } from '../order/html.js';
import { orderForm, type OrderForm, type OrderFormOptions, type OrderInput } from '../order/form.js';

export interface StandardWebPageOptions extends OrderFormOptions {
  /** Where the form posts the window's result: your pp_ax_hub route (absolute http(s) URL or a path). */
  action: string;
  /** The form's name (and id); default 'order_info', as in KCP's samples. */
  formName?: string;
  /**
   * Name of a function on your page called as `fn(resCd, resMsg)` when the window returns anything but 0000
   * (3001: the buyer closed it). Default: an alert with `[res_cd] res_msg`, as in KCP's sample.
   */
  onFailure?: string;
  /**
   * Also tell your server when the window comes back without a payment: the page posts `ordr_idxx`, `res_cd` and
   * `res_msg` (UTF-8, in the background with navigator.sendBeacon) to `action`, and stays as it is. Mount
   * `expressWindowReturn` there: it answers the post as the window's exit (nothing reaches pp_cli) and logs
   * `payment.window_exit`, the `window_closed` event for 3001. Default false, as in KCP's sample, which reports
   * nothing (`expressPpAxHub` would take the post for a payment without tran_cd and refuse it).
   */
  reportExit?: boolean;
}

export interface StandardWebPage {
  /** The hidden fields, validated, including the empty ones the window fills. */
  readonly fields: Readonly<Record<string, string>>;
  /** KCP's payplus_web.jsp for the site's environment (or the local simulator's). */
  readonly jsUrl: string;
  /** For <head>: the callback and pay function first, then KCP's script. */
  readonly head: string;
  /** `<form …>` with the hidden inputs; put your pay button after it, then `</form>`. */
  readonly formStart: string;
  /** The button's onclick: opens the window for this form. */
  readonly payOnClick: string;
  readonly warnings: readonly string[];
}

/** Fields the standard-web window fills besides enc_data/enc_info/tran_cd/trace_no/use_pay_method. */
export const STANDARD_WEB_FILLED_FIELDS = Object.freeze(['res_cd', 'res_msg']);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

function checkIdentifier(option: string, value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new KcpInputError(`options.${option} must be a plain JavaScript identifier (letters, digits, _ and $); got ${JSON.stringify(value)}.`, { field: option });
  }
  return value;
}

function checkAction(value: string): string {
  const ok = typeof value === 'string' && value !== '' && (/^https?:\/\/[^\s"'<>]+$/i.test(value) || /^\/(?!\/)[^\s"'<>]*$/.test(value));
  if (!ok) {
    throw new KcpInputError(`options.action must be your pp_ax_hub URL, absolute http(s) or a path starting with "/"; got ${JSON.stringify(value)}.`, { field: 'action' });
  }
  return value;
}

/** Refuses a plug-in configuration with the fix (orderForm has already matched the script's environment to the site). */
function checkStandardWeb(jsUrl: string, configured: string, extra: SiteConfData['extraKcpHosts']): string {
  if (jsUrlEnvironment(jsUrl, extra)?.window !== 'standard-web') {
    throw new KcpConfigError(
      `g_conf_js_url "${configured}" is the plug-in window, not the standard-web window this page is for. ` +
        `Set g_conf_js_url to ${TEST_WEB_JS_URL} (TEST) or ${REAL_WEB_JS_URL} (REAL), or build the page with orderForm for the plug-in window.`,
      { field: 'g_conf_js_url' },
    );
  }
  return jsUrl;
}

/** The script that must run before payplus_web.jsp loads. JSON.stringify quotes every value. */
function callbackScript(formName: string, action: string, onFailure: string | undefined, reportExit: boolean): string {
  // The exit's three fields as a form post; a browser without sendBeacon (old IE) reports nothing, like KCP's sample.
  const report = reportExit
    ? `if (navigator.sendBeacon && window.URLSearchParams) {
      navigator.sendBeacon(${JSON.stringify(action)}, new URLSearchParams({ ordr_idxx: frm.ordr_idxx.value, res_cd: frm.res_cd.value, res_msg: frm.res_msg.value }));
    }
    `
    : '';
  const failure = onFailure
    ? `window[${JSON.stringify(onFailure)}](frm.res_cd.value, frm.res_msg.value);`
    : `alert('[' + frm.res_cd.value + '] ' + frm.res_msg.value);`;
  return `<script>
/* KCP standard-web window: declared before payplus_web.jsp loads; KCP calls it by this exact name. */
function m_Completepayment(FormOrJson, closeEvent) {
  var frm = document.forms[${JSON.stringify(formName)}];
  GetField(frm, FormOrJson);
  if (frm.res_cd.value === '0000') {
    HTMLFormElement.prototype.submit.call(frm);
  } else {
    ${report}${failure}
    closeEvent();
  }
}
function jsf__pay(form) {
  try { KCP_Pay_Execute(form); } catch (e) { /* old IE: the script throws after opening the window */ }
}
</script>`;
}

/** Builds the standard-web order page pieces for one order, with orderForm's validation. */
export function standardWebOrderPage(conf: SiteConfData, order: OrderInput, options: StandardWebPageOptions): StandardWebPage {
  const action = checkAction(options.action);
  const formName = checkIdentifier('formName', options.formName ?? 'order_info');
  const onFailure = options.onFailure === undefined ? undefined : checkIdentifier('onFailure', options.onFailure);
  const charset = options.charset ?? 'utf-8';
  const base: OrderForm = orderForm(conf, order, options);
  const jsUrl = checkStandardWeb(base.jsUrl, conf.jsUrl, conf.extraKcpHosts);
  const fields: Record<string, string> = { ...base.fields };
  for (const name of STANDARD_WEB_FILLED_FIELDS) fields[name] = '';
  const frozen = Object.freeze(fields);
  return Object.freeze({
    fields: frozen,
    jsUrl,
    head: `${callbackScript(formName, action, onFailure, options.reportExit === true)}\n<script src="${escapeHtml(jsUrl)}"></script>`,
    formStart: `<form name="${formName}" id="${formName}" method="post" action="${escapeHtml(action)}" accept-charset="${charset}">\n${hiddenInputs(frozen)}`,
    payOnClick: 'jsf__pay(this.form); return false;',
    warnings: base.warnings,
  });
}
