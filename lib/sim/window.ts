/**
 * The simulated payment window.
 *
 * KCP's order page loads payplus(_test)(_un).js and calls `KCP_Pay_Execute(form)` (newer pages:
 * `KCP_Pay_Execute_Web(form)`; 2012 plugin pages: `MakePayMessage(form)`). Our script sends the merchant's form
 * fields to the simulator in the same window (a redirect works in any browser, headless included, and needs no
 * popup permission), the payer picks a method and confirms, and the simulator posts the merchant's fields back to
 * the form's action with `enc_data`, `enc_info`, `tran_cd`, `trace_no` and `use_pay_method` filled in — in the
 * page charset the script variant promises (EUC-KR for payplus_test.js, UTF-8 for payplus_test_un.js).
 */
import { randomUUID } from 'node:crypto';
import { htmlText } from './codec.js';
import { CARDS, METHODS, TEST_CARDS, methodsOffered } from './methods.js';
import type { PayMethod, TokenIssuer, WindowChoice } from './token.js';
import { makeTraceNo } from './trace.js';

export type ScriptEnv = 'TEST' | 'REAL';
export type PageCharset = 'euc-kr' | 'utf-8';

/** Script file names the simulator serves, as in KCP's g_conf_js_url. */
export const SCRIPTS: Readonly<Record<string, { env: ScriptEnv; charset: PageCharset }>> = {
  'payplus_test.js': { env: 'TEST', charset: 'euc-kr' },
  'payplus_test_un.js': { env: 'TEST', charset: 'utf-8' },
  'payplus.js': { env: 'REAL', charset: 'euc-kr' },
  'payplus_un.js': { env: 'REAL', charset: 'utf-8' },
};

/** The fields the window adds to the merchant's form. */
export interface WindowResult {
  enc_data: string;
  enc_info: string;
  tran_cd: string;
  trace_no: string;
  use_pay_method: string;
}

/** The order a window session was opened with: the merchant's form fields plus where to return. */
export interface WindowOrder {
  fields: Record<string, string>;
  returnUrl: string;
  env: ScriptEnv;
  charset: PageCharset;
}

/** The plugin script, bound to the simulator's origin. */
export function pluginScript(origin: string, env: ScriptEnv, charset: PageCharset): string {
  return `/* KCP PayPlus simulator payment window (${env}, ${charset}). Not KCP's script. */
(function () {
  var ORIGIN = ${JSON.stringify(origin)}, ENV = ${JSON.stringify(env)}, CHARSET = ${JSON.stringify(charset)};
  function add(target, name, value) {
    var input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    target.appendChild(input);
  }
  function open(form) {
    var out = document.createElement('form');
    out.method = 'post'; out.action = ORIGIN + '/window'; out.acceptCharset = CHARSET;
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.disabled || /^(button|submit|reset|file|image)$/i.test(el.type)) continue;
      if (/^(radio|checkbox)$/i.test(el.type) && !el.checked) continue;
      add(out, el.name, el.value);
    }
    add(out, '__return_url', new URL(form.getAttribute('action') || location.href, location.href).href);
    add(out, '__js', ENV + ':' + CHARSET);
    out.style.display = 'none';
    document.body.appendChild(out);
    HTMLFormElement.prototype.submit.call(out);
    return false;
  }
  window.KCP_Pay_Execute = open;
  window.KCP_Pay_Execute_Web = open;
  /* 2012 plugin pages: "if (MakePayMessage(form)) form.submit();" — the window takes over, so answer false. */
  window.MakePayMessage = open;
  window.StartSmartUpdate = function () {};
  window.KCP_SIMULATOR = { origin: ORIGIN, env: ENV, charset: CHARSET };
})();
`;
}

/** Read the `__js` marker (ASCII) to learn how the rest of the body is encoded. */
export function scriptOf(marker: string | undefined): { env: ScriptEnv; charset: PageCharset } {
  const [env, charset] = (marker ?? 'TEST:euc-kr').split(':');
  return { env: env === 'REAL' ? 'REAL' : 'TEST', charset: charset === 'utf-8' ? 'utf-8' : 'euc-kr' };
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>${htmlText(title)}</title>
<style>body{font-family:sans-serif;max-width:30em;margin:2em auto}fieldset{margin:1em 0}.row{margin:.3em 0}</style>
</head><body>${body}</body></html>`;
}

/** The window itself: order summary, method choice, card choice, confirm button. */
export function windowPage(order: WindowOrder): string {
  const f = order.fields;
  const blob = Buffer.from(JSON.stringify(order)).toString('base64url');
  const methods = methodsOffered(f.pay_method);
  const radios = methods
    .map((m, i) => `<div class="row"><label><input type="radio" name="method" value="${m}"${i === 0 ? ' checked' : ''}> ${htmlText(METHODS[m].label)}</label></div>`)
    .join('');
  const cards = [...CARDS, ...TEST_CARDS].map((c) => `<option value="${c.code}">${htmlText(c.name)}</option>`).join('');
  const quotas = ['00', '02', '03', '06', '12'].map((q) => `<option value="${q}">${q === '00' ? '일시불' : `${Number(q)}개월`}</option>`).join('');
  return page('KCP 결제창 (시뮬레이터)', `
<h1>KCP 결제창 <small>(${order.env} 시뮬레이터)</small></h1>
<p>상점: ${htmlText(f.site_name ?? f.site_cd ?? '')}<br>상품: ${htmlText(f.good_name ?? '')}<br>
주문번호: <span id="ordr_idxx">${htmlText(f.ordr_idxx ?? '')}</span><br>결제금액: <strong id="good_mny">${htmlText(f.good_mny ?? '')}</strong>원</p>
<form method="post" action="/window/confirm" accept-charset="utf-8">
<input type="hidden" name="__order" value="${blob}">
<fieldset><legend>결제수단</legend>${radios}</fieldset>
<fieldset><legend>신용카드</legend><select name="card" id="card">${cards}</select> <select name="quota" id="quota">${quotas}</select></fieldset>
<button type="submit" id="kcp-sim-pay">결제하기</button>
</form>`);
}

export function errorPage(message: string): string {
  return page('KCP 결제창 오류', `<h1>결제창 오류</h1><p id="error">${htmlText(message)}</p>`);
}

/** Decode the order a confirm form carries. */
export function orderFromBlob(blob: string | undefined): WindowOrder | undefined {
  if (!blob) return undefined;
  try {
    const order = JSON.parse(Buffer.from(blob, 'base64url').toString('utf8')) as WindowOrder;
    return typeof order.fields === 'object' && typeof order.returnUrl === 'string' ? order : undefined;
  } catch {
    return undefined;
  }
}

/** Why an order cannot be paid, or undefined. Mirrors the window's own input checks. */
export function orderProblem(fields: Readonly<Record<string, string>>): string | undefined {
  if (!fields.site_cd) return 'site_cd가 없습니다 (site_cd is missing)';
  if (!fields.ordr_idxx) return 'ordr_idxx가 없습니다 (ordr_idxx is missing)';
  if (!/^\d+$/.test(fields.good_mny ?? '') || Number(fields.good_mny) <= 0) {
    return 'good_mny는 0보다 큰 숫자여야 합니다 (good_mny must be a positive integer)';
  }
  return undefined;
}

export interface PayerChoice {
  method: PayMethod;
  card?: string;
  quota?: string;
}

/** Issue enc_data/enc_info and the other window fields for a confirmed choice. */
export function confirmWindow(
  tokens: TokenIssuer,
  order: Pick<WindowOrder, 'fields' | 'env'>,
  payer: PayerChoice,
  clientIp: string,
  now: Date,
): WindowResult {
  const f = order.fields;
  const choice: WindowChoice = {
    id: randomUUID().replace(/-/g, ''),
    method: payer.method,
    amount: String(Number(f.good_mny)),
    ordrIdxx: f.ordr_idxx ?? '',
    siteCd: f.site_cd ?? '',
    env: order.env,
    card: payer.method === 'card' ? payer.card ?? 'CCSS' : undefined,
    quota: payer.method === 'card' ? payer.quota ?? '00' : undefined,
    escrow: f.escw_used === 'Y',
    buyerName: f.buyr_name ?? '',
    goodName: f.good_name ?? '',
  };
  const { encData, encInfo } = tokens.issue(choice);
  return {
    enc_data: encData,
    enc_info: encInfo,
    tran_cd: '00100000',
    trace_no: makeTraceNo(choice.siteCd, clientIp, now),
    use_pay_method: METHODS[payer.method].bitmap,
  };
}

/** The page that posts the merchant's form back, with the window's fields, in the merchant page's charset. */
export function returnPage(order: WindowOrder, result: WindowResult): string {
  const fields: Record<string, string> = { ...order.fields, ...result };
  const inputs = Object.entries(fields)
    .filter(([k]) => !k.startsWith('__'))
    .map(([k, v]) => `<input type="hidden" name="${htmlText(k)}" value="${htmlText(v)}">`)
    .join('\n');
  // ASCII-only bytes: every non-ASCII character is a numeric reference, so the declared charset decides how the
  // browser encodes the submission, exactly like a form on the merchant's own page.
  return `<!DOCTYPE html><html><head><meta charset="${order.charset}"><title>KCP</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${htmlText(order.returnUrl)}" accept-charset="${order.charset}">
${inputs}
<noscript><button type="submit">${htmlText('결제 결과 전송')}</button></noscript></form></body></html>`;
}

export function isPayMethod(value: string | undefined): value is PayMethod {
  return value !== undefined && Object.prototype.hasOwnProperty.call(METHODS, value);
}
