/** HTML of the sample shop. Every value goes through escapeHtml; pages are UTF-8. */
import { escapeHtml as e, receiptLink, type Approval, type KcpEnvironment, type OrderForm } from '../lib/index.js';
import type { OrderRow, Product } from './db.js';

const STATUS_LABEL: Record<string, string> = {
  pending: '결제 대기',
  paid: '결제 완료',
  awaiting_deposit: '입금 대기',
  cancelled: '취소',
  failed: '실패',
  attention: '확인 필요',
};

const METHOD_LABEL: Record<string, string> = {
  card: '신용카드',
  bank: '계좌이체',
  vbank: '가상계좌',
  mobile: '휴대폰',
};

export function layout(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>${e(title)} · KCP 샘플 상점</title>
<link rel="stylesheet" href="/style.css">${head}</head>
<body><header><a href="/">KCP 샘플 상점</a> <nav><a href="/orders">주문 목록</a></nav></header>
<main>${body}</main>
<footer>kcp-payplus sample shop — TEST site against the local simulator. No real payment is made.</footer>
</body></html>`;
}

export function productsPage(products: readonly Product[]): string {
  const items = products
    .map(
      (p) => `<li class="product"><form method="post" action="/order">
  <input type="hidden" name="product_id" value="${e(p.id)}">
  <h2>${e(p.name)}</h2><p class="price">${p.price.toLocaleString('ko-KR')}원</p>
  <label>결제수단 <select name="method">
    ${Object.entries(METHOD_LABEL).map(([v, l]) => `<option value="${v}">${e(l)}</option>`).join('')}
  </select></label>
  <label>구매자 <input name="buyer_name" value="홍길동" maxlength="20"></label>
  <button type="submit" id="buy-${e(p.id)}">주문하기</button>
</form></li>`,
    )
    .join('\n');
  return layout('상품', `<h1>상품</h1><ul class="products">${items}</ul>`);
}

/** The order page: KCP's order form (hidden fields) plus the payment window script. */
export function orderPage(order: OrderRow, form: OrderForm): string {
  return layout(
    '주문',
    `<h1>주문 확인</h1>
<p>주문번호 <code id="ordr_idxx">${e(order.ordr_idxx)}</code><br>
상품 ${e(order.good_name)}<br>금액 <strong>${order.amount.toLocaleString('ko-KR')}원</strong><br>
결제수단 ${e(METHOD_LABEL[order.method] ?? order.method)}</p>
<form name="order_info" id="order_info" method="post" action="/pp_ax_hub" accept-charset="utf-8">
${form.html}
<button type="button" id="pay" onclick="KCP_Pay_Execute(document.order_info); return false;">결제하기</button>
</form>`,
    `<script src="${e(form.jsUrl)}"></script>`,
  );
}

function field(label: string, value: string | number | undefined | null, id?: string): string {
  if (value === undefined || value === null || value === '') return '';
  return `<tr><th>${e(label)}</th><td${id ? ` id="${id}"` : ''}>${e(String(value))}</td></tr>`;
}

/** Method-specific fields of an approval, as KCP's result page shows them. */
function approvalFields(a: Approval): string {
  const rows = [field('거래번호 (tno)', a.tno, 'tno'), field('승인금액', a.amount, 'amount'), field('결제수단', a.payMethod)];
  switch (a.method) {
    case 'card':
      rows.push(field('카드', a.cardName), field('승인번호', a.appNo), field('승인시각', a.appTime), field('할부', a.quota === '00' ? '일시불' : `${Number(a.quota)}개월`), field('카드번호', a.cardNo));
      break;
    case 'bank':
      rows.push(field('은행', a.bankName), field('승인시각', a.appTime));
      break;
    case 'vbank':
      rows.push(field('입금 은행', a.bankName), field('계좌번호', a.account, 'account'), field('예금주', a.depositor), field('입금 기한', a.vaDate));
      break;
    case 'mobile':
      rows.push(field('통신사', a.commid), field('휴대폰', a.mobileNo), field('승인시각', a.appTime));
      break;
    default:
      break;
  }
  return `<table class="fields">${rows.join('')}</table>`;
}

const RECEIPT_KIND: Record<string, 'card' | 'acnt' | 'vcnt' | 'mcash'> = { card: 'card', bank: 'acnt', vbank: 'vcnt', mobile: 'mcash' };

/** `receiptHost`: the simulator's URL when the shop runs against it (KCP's admin does not know simulator tnos). */
export function resultPage(order: OrderRow, approval: Approval | undefined, env: KcpEnvironment, receiptHost?: string): string {
  const status = STATUS_LABEL[order.status] ?? order.status;
  let receipt = '';
  const kind = approval ? RECEIPT_KIND[approval.method] : undefined;
  if (approval && kind && approval.tno) {
    const link = receiptLink({ kind, tno: approval.tno, env, host: receiptHost });
    receipt = `<p><a id="receipt" href="${e(link.url)}" target="_blank" rel="noopener">영수증 보기</a></p>`;
  }
  return layout(
    '결제 결과',
    `<h1>결제 결과: <span id="status" class="status-${e(order.status)}">${e(status)}</span></h1>
${order.message ? `<p class="message" id="message">${e(order.message)}</p>` : ''}
<p>주문번호 <code>${e(order.ordr_idxx)}</code> · ${e(order.good_name)} · ${order.amount.toLocaleString('ko-KR')}원</p>
${approval ? approvalFields(approval) : ''}
${receipt}
<p><a href="/orders">주문 목록</a></p>`,
  );
}

export function refusedPage(title: string, message: string, status = 400): { status: number; html: string } {
  return {
    status,
    html: layout(title, `<h1 id="status">${e(title)}</h1><p class="message" id="message">${e(message)}</p><p><a href="/">상품으로</a></p>`),
  };
}

export function ordersPage(orders: readonly OrderRow[], notice?: string): string {
  const rows = orders
    .map((o) => {
      const actions: string[] = [];
      const id = e(o.ordr_idxx);
      if (o.tno && (o.status === 'paid' || o.status === 'awaiting_deposit')) {
        actions.push(`<form method="post" action="/orders/${id}/cancel"><button type="submit" class="cancel">취소</button></form>`);
      }
      if (o.tno && o.status === 'paid' && o.method !== 'vbank' && (o.cancellable ?? 0) > 0) {
        actions.push(`<form method="post" action="/orders/${id}/partial-cancel"><input name="amount" size="6" inputmode="numeric" placeholder="금액"><button type="submit" class="partial-cancel">부분취소</button></form>`);
      }
      if (o.tno && o.status === 'paid' && o.method === 'card' && !o.captured) {
        actions.push(`<form method="post" action="/orders/${id}/capture"><button type="submit" class="capture">매입</button></form>`);
      }
      if (o.status === 'awaiting_deposit') {
        actions.push(`<form method="post" action="/orders/${id}/simulate-deposit"><button type="submit" class="deposit">입금 시뮬레이션</button></form>`);
      }
      return `<tr id="order-${id}"><td><a href="/orders/${id}">${id}</a></td><td>${e(o.good_name)}</td>
<td>${o.amount.toLocaleString('ko-KR')}원</td><td>${e(METHOD_LABEL[o.method] ?? o.method)}</td>
<td class="status">${e(STATUS_LABEL[o.status] ?? o.status)}</td><td class="cancellable">${o.cancellable ?? ''}</td>
<td class="actions">${actions.join('')}</td></tr>`;
    })
    .join('\n');
  return layout(
    '주문 목록',
    `<h1>주문 목록</h1>${notice ? `<p class="notice" id="notice">${e(notice)}</p>` : ''}
<table class="orders"><thead><tr><th>주문번호</th><th>상품</th><th>금액</th><th>수단</th><th>상태</th><th>취소 가능</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}
