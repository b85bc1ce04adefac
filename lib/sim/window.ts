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
import { BANKS, VBANK_BANKS } from '../codes/banks.js';
import { htmlText } from './codec.js';
import { CARDS, METHODS, SIM_DEFAULT_BANK, TEST_CARDS, methodsOffered } from './methods.js';
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
export type WindowResult = {
  enc_data: string;
  enc_info: string;
  tran_cd: string;
  trace_no: string;
  use_pay_method: string;
};

/**
 * How the window hands its result back: `redirect` posts the merchant's form to its action (plug-in pages),
 * `web` passes it to the shop page's m_Completepayment (standard web, see standard-web.ts), `mobile` posts it to the
 * Ret_URL of a registered trade (smartphone window).
 */
export type WindowMode = 'redirect' | 'web' | 'mobile';

/** The order a window session was opened with: the merchant's form fields plus where to return. */
export interface WindowOrder {
  fields: Record<string, string>;
  returnUrl: string;
  env: ScriptEnv;
  charset: PageCharset;
  /** Default 'redirect'. */
  mode?: WindowMode;
  /** web mode: the shop page's origin (the only target the result is posted to). */
  shopOrigin?: string;
  /** mobile mode: the one method the trade was registered for. */
  methods?: PayMethod[];
}

/** KCP's user-cancel answer when the payer closes the window. */
export const USER_CANCEL = Object.freeze({ res_cd: '3001', res_msg: '사용자 취소' });

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

const STYLE = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,"Noto Sans KR",sans-serif;color:#222;background:#f3f4f6}
.kcp{max-width:440px;margin:0 auto;background:#fff;min-height:100vh}
.kcp-head{display:flex;align-items:center;gap:.5em;background:#1b2a4a;color:#fff;padding:.7em 1em}
.kcp-logo{font-weight:800;letter-spacing:.02em}.kcp-logo b{color:#ff5a36}
.kcp-badge{background:#ffcd3c;color:#1b2a4a;font-size:.75em;font-weight:700;border-radius:3px;padding:.1em .45em}
.kcp-close{margin-left:auto;background:none;border:0;color:#fff;font-size:1.6em;line-height:1;cursor:pointer;padding:0 .2em}
.kcp-summary{padding:1em;border-bottom:1px solid #e5e7eb}
.kcp-summary dl{display:grid;grid-template-columns:5.5em 1fr;gap:.25em .5em;margin:0;font-size:.92em}
.kcp-summary dt{color:#6b7280}.kcp-summary dd{margin:0;overflow-wrap:anywhere}
.kcp-amount{font-size:1.5em;font-weight:800;color:#ff5a36;margin-top:.4em;text-align:right}
.kcp-body{padding:1em}
.kcp-methods{display:flex;flex-wrap:wrap;gap:.4em;margin:0 0 1em;padding:0;border:0}
.kcp-methods label{flex:1 1 30%;text-align:center;border:1px solid #d1d5db;border-radius:4px;padding:.55em .3em;cursor:pointer;font-size:.92em}
.kcp-methods input{position:absolute;opacity:0}
.kcp-methods label:has(input:checked){border-color:#1b2a4a;background:#1b2a4a;color:#fff;font-weight:700}
fieldset.kcp-inputs{border:1px solid #e5e7eb;border-radius:4px;margin:0 0 1em;padding:.8em}
fieldset.kcp-inputs legend{font-weight:700;padding:0 .3em}
.kcp-row{display:flex;flex-direction:column;gap:.25em;margin:.4em 0}
.kcp-row select,.kcp-row input{font-size:1em;padding:.45em;border:1px solid #d1d5db;border-radius:4px;width:100%}
.kcp-note{color:#6b7280;font-size:.85em;margin:.3em 0 0}
.kcp-pay{width:100%;background:#ff5a36;color:#fff;border:0;border-radius:4px;font-size:1.1em;font-weight:700;padding:.8em;cursor:pointer}
.kcp-foot{color:#9ca3af;font-size:.75em;text-align:center;padding:1em}
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1.0">
<title>${htmlText(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function won(amount: string | undefined): string {
  return /^\d+$/.test(amount ?? '') ? `${Number(amount).toLocaleString('ko-KR')}원` : `${amount ?? ''}원`;
}

const options = (items: ReadonlyArray<{ code: string; name: string }>, selected?: string): string =>
  items.map((c) => `<option value="${htmlText(c.code)}"${c.code === selected ? ' selected' : ''}>${htmlText(c.name)}</option>`).join('');

/** Only the inputs a method needs: card company and instalments, a bank, or a carrier and phone number. */
function methodInputs(method: PayMethod, amount: number, active: boolean): string {
  const off = active ? '' : ' hidden disabled';
  const open = (legend: string) => `<fieldset class="kcp-inputs" data-method="${method}"${off}><legend>${htmlText(legend)}</legend>`;
  switch (method) {
    case 'card': {
      const quotas = amount >= 50_000 ? ['00', '02', '03', '06', '12'] : ['00'];
      const quotaOptions = quotas.map((q) => `<option value="${q}">${q === '00' ? '일시불' : `${Number(q)}개월`}</option>`).join('');
      return `${open('카드 선택')}
<label class="kcp-row">카드사<select name="card" id="card">${options([...CARDS, ...TEST_CARDS])}</select></label>
<label class="kcp-row">할부<select name="quota" id="quota">${quotaOptions}</select></label>
${amount < 50_000 ? `<p class="kcp-note">${htmlText('5만원 미만은 일시불만 가능합니다.')}</p>` : ''}</fieldset>`;
    }
    case 'bank':
      return `${open('출금 은행')}<label class="kcp-row">은행<select name="bank" id="bank">${options(BANKS.filter((b) => b.kind === 'bank'), SIM_DEFAULT_BANK)}</select></label></fieldset>`;
    case 'vbank':
      return `${open('입금 은행')}<label class="kcp-row">가상계좌를 받을 은행<select name="vbank" id="vbank">${options(VBANK_BANKS, SIM_DEFAULT_BANK)}</select></label>
<p class="kcp-note">${htmlText('결제 후 발급되는 계좌로 입금 기한 안에 입금하시면 결제가 완료됩니다.')}</p></fieldset>`;
    case 'mobile':
      return `${open('휴대폰 정보')}<label class="kcp-row">통신사<select name="carrier" id="carrier"><option value="SKT">SKT</option><option value="KTF">KT</option><option value="LGT">LG U+</option></select></label>
<label class="kcp-row">휴대폰 번호<input name="phone" id="phone" inputmode="numeric" autocomplete="tel" pattern="01[016789][0-9]{7,8}" placeholder="01012345678" required></label></fieldset>`;
    default:
      return `${open(METHODS[method].label)}<p class="kcp-note">${htmlText('추가로 입력할 정보가 없습니다.')}</p></fieldset>`;
  }
}

/**
 * The window itself: KCP-like header with the close button, order summary, method tabs, the method's inputs. `id` is
 * the window's handle on the order the simulator keeps (window-store.ts); the confirm and close posts carry it.
 */
export function windowPage(order: WindowOrder, id: string): string {
  const f = order.fields;
  const methods = order.methods ?? methodsOffered(f.pay_method);
  const amount = Number(f.good_mny);
  const tabs = methods.length > 1
    ? `<fieldset class="kcp-methods"><legend hidden>결제수단</legend>${methods
      .map((m, i) => `<label><input type="radio" name="method" value="${m}"${i === 0 ? ' checked' : ''}> ${htmlText(METHODS[m].label)}</label>`)
      .join('')}</fieldset>`
    : `<input type="hidden" name="method" value="${methods[0]}"><h2 style="margin:0 0 .6em;font-size:1.1em">${htmlText(METHODS[methods[0]!].label)}</h2>`;
  const inputs = methods.map((m, i) => methodInputs(m, amount, i === 0)).join('\n');
  return page('KCP 결제창 (TEST 시뮬레이터)', `<div class="kcp">
<header class="kcp-head"><span class="kcp-logo">NHN <b>KCP</b></span><span class="kcp-badge">TEST 시뮬레이터</span>
<button type="submit" form="kcp-form" formaction="/window/close" formnovalidate class="kcp-close" id="kcp-sim-close" aria-label="${htmlText('결제창 닫기')}">&times;</button></header>
<section class="kcp-summary"><dl>
<dt>${htmlText('상점')}</dt><dd>${htmlText(f.site_name ?? f.shop_name ?? f.site_cd ?? '')}</dd>
<dt>${htmlText('상품')}</dt><dd>${htmlText(f.good_name ?? '')}</dd>
<dt>${htmlText('주문번호')}</dt><dd id="ordr_idxx">${htmlText(f.ordr_idxx ?? '')}</dd></dl>
<div class="kcp-amount" id="good_mny">${htmlText(won(f.good_mny))}</div></section>
<form class="kcp-body" id="kcp-form" method="post" action="/window/confirm" accept-charset="utf-8">
<input type="hidden" name="__order" value="${htmlText(id)}">
${tabs}
${inputs}
<button type="submit" class="kcp-pay" id="kcp-sim-pay">${htmlText(`${won(f.good_mny)} 결제하기`)}</button>
</form>
<p class="kcp-foot">${htmlText('로컬 시뮬레이터입니다. 실제 결제는 일어나지 않습니다.')}</p></div>
<script>
(function () {
  var form = document.getElementById('kcp-form');
  function show() {
    var checked = form.querySelector('input[name=method]:checked') || form.querySelector('input[name=method]');
    var sets = form.querySelectorAll('fieldset[data-method]');
    for (var i = 0; i < sets.length; i++) {
      var on = sets[i].getAttribute('data-method') === checked.value;
      sets[i].hidden = !on; sets[i].disabled = !on;
    }
  }
  form.addEventListener('change', function (e) { if (e.target.name === 'method') show(); });
  show();
})();
</script>`);
}

export function errorPage(message: string, heading = '결제창 오류'): string {
  return page(`KCP ${heading}`, `<div class="kcp"><header class="kcp-head"><span class="kcp-logo">NHN <b>KCP</b></span><span class="kcp-badge">TEST 시뮬레이터</span></header>
<div class="kcp-body"><h1 style="font-size:1.2em">${htmlText(heading)}</h1><p id="error">${htmlText(message)}</p></div></div>`);
}

/** What a window shows once it has handed its result back, or when its handle has expired (back button, reload). */
export function finishedPage(): string {
  return errorPage('이미 끝난 결제창입니다. 상점 화면에서 주문 상태를 확인해 주세요.', '결제창이 닫혔습니다');
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
  /** Bank transfer / virtual account: the bank chosen (two digits); default SIM_DEFAULT_BANK, as the window preselects. */
  bank?: string;
}

/** Why a bank chosen for a transfer or virtual account cannot be used, or undefined (none chosen is the default). */
export function bankChoiceProblem(method: PayMethod, bank: string | undefined): string | undefined {
  if (bank === undefined || bank === '' || (method !== 'bank' && method !== 'vbank')) return undefined;
  const list = method === 'vbank' ? VBANK_BANKS : BANKS.filter((b) => b.kind === 'bank');
  if (list.some((b) => b.code === bank)) return undefined;
  return `${method === 'vbank' ? '가상계좌를 발급할 수 없는 은행입니다' : '출금할 수 없는 은행입니다'} (bank "${bank}" is not one of ${list.map((b) => b.code).join(', ')})`;
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
    bank: payer.method === 'bank' || payer.method === 'vbank' ? payer.bank || SIM_DEFAULT_BANK : undefined,
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
export function returnPage(order: WindowOrder, result: Readonly<Record<string, string>>): string {
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
