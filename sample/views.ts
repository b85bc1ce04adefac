/**
 * HTML of the sample shop. Everything a buyer reads is Korean and free of field names and developer messages:
 * amounts as 89,000원, dates as dates, method names instead of KCP's codes. Every value goes through escapeHtml;
 * pages are UTF-8 and readable on a 390 px phone.
 */
import {
  escapeHtml as e,
  receiptLink,
  type Approval,
  type KcpEnvironment,
  type SmartphoneOrderForm,
  type StandardWebPage,
  type OrderForm,
} from '../lib/index.js';
import { lookupPayMethod } from '../lib/codes/index.js';
import type { OrderRow, Product } from './db.js';
import type { Flash, Visitor } from './security.js';

const STATUS_LABEL: Record<string, string> = {
  pending: '결제 대기',
  paid: '결제 완료',
  awaiting_deposit: '입금 대기',
  partially_cancelled: '부분 취소',
  cancelled: '취소',
  failed: '결제 실패',
  attention: '확인 중',
};

/** The methods the shop sells with, by the SDK's method names; labels come from KCP's table. */
export const SHOP_METHODS = ['card', 'bank', 'vbank', 'mobile'] as const;

export function methodLabel(method: string): string {
  return lookupPayMethod(method)?.label ?? '기타 결제수단';
}

/** 89000 → "89,000원". */
export function won(amount: number | string | null | undefined): string {
  const n = Number(amount);
  return Number.isFinite(n) ? `${n.toLocaleString('ko-KR')}원` : '';
}

/** KCP's YYYYMMDDhhmmss → "2026년 11월 28일 14:03". */
export function kcpDate(value: string | null | undefined): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?/.exec(value ?? '');
  if (!m) return '';
  const date = `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일`;
  return m[4] === undefined ? date : `${date} ${m[4]}:${m[5] ?? '00'}`;
}

/** The hidden field every state-changing form of ours carries (checked by shop.ts before the route runs). */
export function csrfField(token: string): string {
  return `<input type="hidden" name="_csrf" value="${e(token)}">`;
}

/** `visitor` with a staff session adds the staff list and a logout button to the header. */
export function layout(title: string, body: string, head = '', visitor?: Visitor): string {
  const staff = visitor?.csrf.staff
    ? ` <a href="/staff/orders">관리자</a> <form method="post" action="/staff/logout" class="logout">${csrfField(visitor.csrf.staff)}<button type="submit" id="logout">로그아웃</button></form>`
    : '';
  return `<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1.0">
<title>${e(title)} · KCP 샘플 상점</title>
<link rel="stylesheet" href="/style.css">${head}</head>
<body><header><a href="/">KCP 샘플 상점</a> <nav><a href="/m/">모바일</a> <a href="/orders">내 주문</a>${staff}</nav></header>
<main>${body}</main>
<footer>테스트 상점입니다. 실제로 결제되지 않습니다.</footer>
</body></html>`;
}

function productCards(products: readonly Product[], action: string, extra: string, visitor: Visitor): string {
  return products
    .map(
      (p) => `<li class="product"><form method="post" action="${e(action)}">
  <input type="hidden" name="product_id" value="${e(p.id)}">${csrfField(visitor.csrf.buyer)}${extra}
  <h2>${e(p.name)}</h2><p class="price">${e(won(p.price))}</p>
  <label>결제수단 <select name="method">
    ${SHOP_METHODS.map((m) => `<option value="${m}">${e(methodLabel(m))}</option>`).join('')}
  </select></label>
  <label>주문자 <input name="buyer_name" value="홍길동" maxlength="20" autocomplete="name"></label>
  <button type="submit" id="buy-${e(p.id)}">주문하기</button>
</form></li>`,
    )
    .join('\n');
}

/** PC products; `plugin` keeps the 2010 plug-in window reachable for old configurations. */
export function productsPage(products: readonly Product[], visitor: Visitor, plugin = false): string {
  const note = plugin
    ? '<p class="notice">이전 방식(플러그인 결제창)으로 주문합니다. <a href="/">표준 결제창으로 돌아가기</a></p>'
    : '<p class="hint"><a href="/?window=plugin">이전 방식(플러그인 결제창)으로 주문하기</a></p>';
  return layout('상품', `<h1>상품</h1>${note}<ul class="products">${productCards(products, '/order', plugin ? '<input type="hidden" name="window" value="plugin">' : '', visitor)}</ul>`, '', visitor);
}

export function mobileProductsPage(products: readonly Product[], visitor: Visitor): string {
  return layout('모바일 상품', `<h1>모바일 주문</h1><p class="hint">휴대폰 결제창으로 결제합니다.</p><ul class="products">${productCards(products, '/m/order', '', visitor)}</ul>`, '', visitor);
}

function orderSummary(order: OrderRow): string {
  return `<table class="fields">
<tr><th>주문번호</th><td id="ordr_idxx">${e(order.ordr_idxx)}</td></tr>
<tr><th>상품</th><td>${e(order.good_name)}</td></tr>
<tr><th>결제수단</th><td>${e(methodLabel(order.method))}</td></tr>
<tr><th>결제금액</th><td><strong id="order-amount">${e(won(order.amount))}</strong></td></tr></table>`;
}

/**
 * Order pages are never cached (Cache-Control: no-store); should a browser still restore one from its back-forward
 * cache after the payment, it asks the server again, which answers with the result instead of a pay button.
 */
const BACK_BUTTON_SCRIPT = `<script>
window.addEventListener('pageshow', function (event) { if (event.persisted) location.reload(); });
</script>`;

const WINDOW_CLOSED_SCRIPT = `<script>
/* Called by the order page when the payment window comes back without a payment. */
function kcpWindowClosed(resCd, resMsg) {
  var box = document.getElementById('window-message');
  box.textContent = resCd === '3001'
    ? '결제를 취소하셨습니다. 주문은 그대로 남아 있으니 언제든 다시 결제하실 수 있습니다.'
    : '결제창에서 문제가 생겨 결제하지 못했습니다. 잠시 후 다시 시도해 주세요.';
  box.hidden = false;
}
</script>`;

/** The PC order page on KCP's standard-web window. */
export function standardWebOrderPageHtml(order: OrderRow, page: StandardWebPage): string {
  return layout(
    '주문 확인',
    `<h1>주문 확인</h1>
${orderSummary(order)}
<p class="message error" id="window-message" role="alert" hidden></p>
${page.formStart}
<button type="button" id="pay" class="pay" onclick="${e(page.payOnClick)}">${e(won(order.amount))} 결제하기</button>
</form>`,
    `${BACK_BUTTON_SCRIPT}\n${WINDOW_CLOSED_SCRIPT}\n${page.head}`,
  );
}

/** The PC order page on the old plug-in window (old configurations). */
export function pluginOrderPageHtml(order: OrderRow, form: OrderForm, jsUrl: string): string {
  return layout(
    '주문 확인',
    `<h1>주문 확인</h1>
${orderSummary(order)}
<form name="order_info" id="order_info" method="post" action="/pp_ax_hub" accept-charset="utf-8">
${form.html}
<button type="button" id="pay" class="pay" onclick="KCP_Pay_Execute(document.order_info); return false;">${e(won(order.amount))} 결제하기</button>
</form>`,
    `${BACK_BUTTON_SCRIPT}\n<script src="${e(jsUrl)}"></script>`,
  );
}

/** The smartphone order page: sm_form to the window KCP registered. */
export function smartphoneOrderPageHtml(order: OrderRow, form: SmartphoneOrderForm): string {
  return layout(
    '주문 확인',
    `<h1>주문 확인</h1>
${orderSummary(order)}
${form.formStart}
<button type="submit" id="pay" class="pay">${e(won(order.amount))} 결제하기</button>
</form>`,
    BACK_BUTTON_SCRIPT,
  );
}

function row(label: string, value: string | undefined | null, id?: string): string {
  if (value === undefined || value === null || value === '') return '';
  return `<tr><th>${e(label)}</th><td${id ? ` id="${id}"` : ''}>${e(value)}</td></tr>`;
}

/** What the buyer needs to know about an approval, method by method. */
function approvalRows(a: Approval, order: OrderRow): string {
  const rows = [row('결제수단', methodLabel(a.method === 'unknown' ? order.method : a.method), 'method'), row('결제금액', won(a.amount ?? order.amount), 'amount')];
  switch (a.method) {
    case 'card':
      rows.push(row('카드', a.cardName), row('할부', a.quota === '00' || a.quota === '' ? '일시불' : `${Number(a.quota)}개월`), row('승인번호', a.appNo), row('결제일시', kcpDate(a.appTime)));
      break;
    case 'bank':
      rows.push(row('은행', a.bankName), row('결제일시', kcpDate(a.appTime)));
      break;
    case 'mobile':
      rows.push(row('결제일시', kcpDate(a.appTime)));
      break;
    default:
      break;
  }
  return `<table class="fields">${rows.join('')}</table>`;
}

/** Where and until when to pay a virtual account. */
function depositBox(a: Extract<Approval, { method: 'vbank' }>, order: OrderRow): string {
  return `<section class="deposit-guide" id="deposit-guide"><h2>입금 안내</h2>
<p>아래 계좌로 <strong>${e(won(order.amount))}</strong>을 <strong id="deposit-due">${e(kcpDate(a.vaDate))}</strong>까지 입금해 주세요. 입금이 확인되면 주문이 완료됩니다.</p>
<table class="fields">${row('입금 은행', a.bankName, 'deposit-bank')}${row('계좌번호', a.account, 'account')}${row('예금주', a.depositor)}${row('입금 금액', won(order.amount))}${row('입금 기한', kcpDate(a.vaDate))}</table></section>`;
}

const RECEIPT_KIND: Record<string, 'card' | 'acnt' | 'vcnt' | 'mcash'> = { card: 'card', bank: 'acnt', vbank: 'vcnt', mobile: 'mcash' };

/** Buyer-facing words for why an attempt did not go through (never KCP field names). */
export const BUYER_MESSAGES = {
  userCancelled: '결제를 취소하셨습니다. 주문은 그대로 남아 있으니 언제든 다시 결제하실 수 있습니다.',
  windowFailed: '결제창에서 문제가 생겨 결제하지 못했습니다. 잠시 후 다시 시도해 주세요.',
  amountChanged: '주문 금액이 주문 내역과 달라 결제를 진행하지 않았습니다. 주문 내역을 확인하고 다시 시도해 주세요.',
  autoCancelled: '결제는 승인되었지만 주문을 처리하지 못해 자동으로 취소했습니다. 청구되지 않습니다.',
  checking: '결제 결과를 확인하고 있습니다. 확인이 끝나면 안내해 드리겠습니다.',
  notFound: '주문을 찾을 수 없습니다.',
  retryLater: '결제를 진행하지 못했습니다. 잠시 후 다시 시도해 주세요.',
  alreadyPaid: '이 주문은 이미 결제되었습니다. 다시 결제하지 않으셔도 됩니다.',
  inProgress: '이 주문은 다른 창에서 결제가 진행 중입니다. 잠시 후 주문 내역을 확인해 주세요.',
  notPayable: '이 주문은 지금 결제할 수 없습니다. 주문 내역을 확인해 주세요.',
  crossSite: '다른 사이트에서 보낸 요청이라 처리하지 않았습니다. 상점 페이지에서 다시 시도해 주세요.',
  badToken: '페이지가 오래되었거나 확인할 수 없는 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.',
} as const;

/** Staff pages while SHOP_ADMIN_PASSWORD is not set. */
export const STAFF_DISABLED = '관리자 비밀번호(SHOP_ADMIN_PASSWORD)가 설정되지 않아 관리자 페이지를 사용할 수 없습니다.';

export function declinedMessage(resMsg: string | undefined): string {
  return resMsg ? `결제가 승인되지 않았습니다 (${resMsg}). 다른 카드나 결제수단으로 다시 시도해 주세요.` : '결제가 승인되지 않았습니다. 다른 결제수단으로 다시 시도해 주세요.';
}

/** Statuses in which the buyer may (still) pay. */
export function isPayable(order: OrderRow): boolean {
  return order.status === 'pending' || order.status === 'failed';
}

// Which staff action applies to which order: the list shows exactly these buttons, and the routes refuse the rest.

/** A full cancel: a paid order nothing of which has been cancelled yet (after a partial cancel, cancel the rest partially). */
export function canCancel(o: OrderRow): boolean {
  return o.tno !== null && o.status === 'paid' && (o.cancellable ?? 0) > 0;
}

/** A partial cancel: card, bank transfer or phone, while something is left (a virtual account is refunded whole). */
export function canPartialCancel(o: OrderRow): boolean {
  return o.tno !== null && (o.status === 'paid' || o.status === 'partially_cancelled') && o.method !== 'vbank' && (o.cancellable ?? 0) > 0;
}

/** Capture exists only for sites KCP set to manual capture; by default KCP captures card approvals itself. */
export function canCapture(o: OrderRow, manualCapture: boolean): boolean {
  return manualCapture && o.tno !== null && o.status === 'paid' && o.method === 'card' && !o.captured;
}

export function staffErrorMessage(err: { resCd?: string; resMsg?: string; outcomeKnown: boolean }): string {
  if (!err.outcomeKnown) return '처리 결과를 알 수 없습니다. KCP 관리자 화면에서 거래를 확인한 뒤 다시 시도해 주세요.';
  const kcp = err.resMsg ? `: ${err.resMsg}${err.resCd ? ` (KCP 코드 ${err.resCd})` : ''}` : '';
  return `처리하지 못했습니다${kcp}. 자세한 내용은 상점 로그에 있습니다.`;
}

export interface ResultPageOptions {
  /** A one-time message (a closed window), shown instead of the stored one. */
  notice?: string;
  /** The simulator's URL when the shop runs against it (KCP's admin does not know simulator tnos). */
  receiptHost?: string;
}

export function resultPage(order: OrderRow, approval: Approval | undefined, env: KcpEnvironment, visitor: Visitor, options: ResultPageOptions = {}): string {
  const status = STATUS_LABEL[order.status] ?? order.status;
  const good = order.status === 'paid' || order.status === 'awaiting_deposit' || order.status === 'partially_cancelled';
  const bad = order.status === 'failed' || order.status === 'cancelled';
  const kind = approval ? RECEIPT_KIND[approval.method] : undefined;
  const receipt = approval && kind && approval.tno && (order.status === 'paid' || order.status === 'partially_cancelled')
    ? `<p><a id="receipt" href="${e(receiptLink({ kind, tno: approval.tno, env, host: options.receiptHost }).url)}" target="_blank" rel="noopener">영수증 보기</a></p>`
    : '';
  const message = options.notice ?? order.buyer_message ?? '';
  const payAgain = isPayable(order)
    ? `<form method="post" action="/orders/${e(order.ordr_idxx)}/pay">${csrfField(visitor.csrf.buyer)}<button type="submit" id="pay-again" class="pay">${e(won(order.amount))} 결제하기</button></form>`
    : '';
  const remaining = order.status === 'partially_cancelled'
    ? `<table class="fields">${row('취소된 금액', won(order.amount - (order.cancellable ?? 0)), 'cancelled-amount')}${row('남은 결제 금액', won(order.cancellable), 'remaining')}</table>`
    : '';
  return layout(
    '결제 결과',
    `<div class="result ${good ? 'success' : bad ? 'error' : 'info'}" id="result"><h1>
<span id="status" class="status-${e(order.status)}">${e(status)}</span></h1>
${message ? `<p class="message" id="message">${e(message)}</p>` : ''}</div>
<p class="order-line">${e(order.good_name)} · ${e(won(order.amount))} · 주문번호 ${e(order.ordr_idxx)}</p>
${approval?.method === 'vbank' && order.status === 'awaiting_deposit' ? depositBox(approval, order) : ''}
${remaining}${approval && order.status !== 'failed' ? approvalRows(approval, order) : ''}
${receipt}${payAgain}
<p><a href="/orders">내 주문</a> · <a href="/">쇼핑 계속하기</a></p>`,
    '',
    visitor,
  );
}

export function refusedPage(title: string, message: string, status = 400): { status: number; html: string } {
  return {
    status,
    html: layout(title, `<div class="result error"><h1 id="status">${e(title)}</h1><p class="message" id="message">${e(message)}</p></div><p><a href="/">상품으로</a></p>`),
  };
}

/** Paying an order that is already paid (another tab, an old page), being paid, or no longer payable: say which, link to it. */
export function alreadyPaidPage(order: OrderRow): { status: number; html: string } {
  const [title, message] =
    order.status === 'paid' || order.status === 'awaiting_deposit' || order.status === 'partially_cancelled'
      ? ['이미 결제된 주문입니다', BUYER_MESSAGES.alreadyPaid]
      : isPayable(order)
        ? ['결제가 진행 중입니다', BUYER_MESSAGES.inProgress]
        : ['결제할 수 없는 주문입니다', BUYER_MESSAGES.notPayable];
  const link = `/orders/${encodeURIComponent(order.ordr_idxx)}`;
  return {
    status: 409,
    html: layout(
      title,
      `<div class="result info" id="result"><h1 id="status">${e(title)}</h1>
<p class="message" id="message">${e(message)}</p></div>
<p class="order-line">${e(order.good_name)} · ${e(won(order.amount))} · 주문번호 ${e(order.ordr_idxx)}</p>
<p><a id="order-link" class="button" href="${e(link)}">주문 내역 보기</a></p>`,
    ),
  };
}

/** The buyer's own orders (this browser's). */
export function myOrdersPage(orders: readonly OrderRow[], visitor: Visitor): string {
  const items = orders
    .map((o) => `<li id="my-${e(o.ordr_idxx)}"><a href="/orders/${e(o.ordr_idxx)}">${e(o.good_name)}</a> · ${e(won(o.amount))} · <span class="status-${e(o.status)}">${e(STATUS_LABEL[o.status] ?? o.status)}</span></li>`)
    .join('\n');
  return layout(
    '내 주문',
    `<h1>내 주문</h1>${items ? `<ul class="my-orders">${items}</ul>` : '<p class="hint">이 브라우저에서 주문한 내역이 없습니다.</p>'}
<p class="hint">주문 내역은 주문하신 브라우저에서만 보입니다.</p>`,
    '',
    visitor,
  );
}

export function loginPage(visitor: Visitor, error?: string): string {
  return layout(
    '관리자 로그인',
    `<h1>관리자 로그인</h1>${error ? `<p class="message error" id="login-error" role="alert">${e(error)}</p>` : ''}
<form method="post" action="/staff/login" class="login">${csrfField(visitor.csrf.buyer)}
<label>비밀번호 <input type="password" name="password" id="password" autocomplete="current-password" required></label>
<button type="submit" id="login">로그인</button></form>`,
  );
}

export function staffDisabledPage(): string {
  return layout('관리자 페이지', `<div class="result error"><h1 id="status">관리자 페이지를 사용할 수 없습니다</h1><p class="message" id="message">${e(STAFF_DISABLED)}</p></div>`);
}

/** What the cancellable column says: nothing before any money arrived. */
function cancellableText(o: OrderRow): string {
  if (o.status === 'paid' || o.status === 'partially_cancelled') return won(o.cancellable ?? 0);
  return '';
}

export function staffOrdersPage(orders: readonly OrderRow[], visitor: Visitor, options: { flash?: Flash; manualCapture: boolean }): string {
  const token = csrfField(visitor.csrf.staff ?? '');
  const rows = orders
    .map((o) => {
      const actions: string[] = [];
      const id = e(o.ordr_idxx);
      if (canCancel(o)) {
        actions.push(`<form method="post" action="/staff/orders/${id}/cancel">${token}<button type="submit" class="cancel">취소</button></form>`);
      }
      if (canPartialCancel(o)) {
        actions.push(`<form method="post" action="/staff/orders/${id}/partial-cancel">${token}<input name="amount" size="7" inputmode="numeric" pattern="[0-9,]*" placeholder="금액(원)" aria-label="부분취소 금액" required><button type="submit" class="partial-cancel">부분취소</button></form>`);
      }
      if (canCapture(o, options.manualCapture)) {
        actions.push(`<form method="post" action="/staff/orders/${id}/capture">${token}<button type="submit" class="capture">매입</button></form>`);
      }
      if (o.status === 'awaiting_deposit') {
        actions.push(`<form method="post" action="/staff/orders/${id}/simulate-deposit">${token}<button type="submit" class="deposit">입금 시뮬레이션</button></form>`);
      }
      return `<tr id="order-${id}"><td data-label="주문번호"><a href="/orders/${id}">${id}</a></td><td data-label="상품">${e(o.good_name)}</td>
<td data-label="금액" class="amount">${e(won(o.amount))}</td><td data-label="결제수단">${e(methodLabel(o.method))}</td>
<td data-label="상태" class="status">${e(STATUS_LABEL[o.status] ?? o.status)}</td><td data-label="취소 가능" class="cancellable">${e(cancellableText(o))}</td>
<td class="actions">${actions.join('')}</td></tr>`;
    })
    .join('\n');
  const flash = options.flash;
  return layout(
    '주문 목록',
    `<h1>주문 목록 (관리자)</h1>${flash ? `<p class="notice ${flash.ok ? 'ok' : 'error'}" id="notice" role="${flash.ok ? 'status' : 'alert'}">${e(flash.text)}</p>` : ''}
<table class="orders"><thead><tr><th>주문번호</th><th>상품</th><th>금액</th><th>결제수단</th><th>상태</th><th>취소 가능</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`,
    '',
    visitor,
  );
}
