/**
 * The simulator's receipt page: KCP's slip URL path (/assist/bill.BillAction.do?cmd=…&tno=…) served by the simulator,
 * so a receipt link built for a simulator tno opens something real instead of KCP's admin, which does not know it.
 * receiptUrl({ …, host: sim.url }) builds the link.
 */
import { escapeHtml as e } from '../order/html.js';
import type { Gateway } from './gateway.js';

export const RECEIPT_PATH = '/assist/bill.BillAction.do';

/** The HTML page and status for one query string. */
export function receiptPage(gateway: Gateway, query: URLSearchParams): { status: number; html: string } {
  const tno = query.get('tno') ?? '';
  const cmd = query.get('cmd') ?? '';
  const tx = gateway.transactions.get(tno);
  const page = (title: string, body: string) =>
    `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>${e(title)}</title></head>` +
    `<body><h1>${e(title)}</h1>${body}<p><small>KCP PayPlus 시뮬레이터 (테스트): 실제 매출전표가 아닙니다.</small></p></body></html>`;
  if (!tx) return { status: 404, html: page('영수증 없음', `<p>시뮬레이터에 거래번호 <code>${e(tno)}</code>가 없습니다 (cmd=${e(cmd)}).</p>`) };
  const rows: [string, string][] = [
    ['거래번호 (tno)', tx.tno],
    ['주문번호', tx.ordrIdxx],
    ['결제수단', tx.method],
    ['결제금액', `${tx.amount.toLocaleString('ko-KR')}원`],
    ['취소 가능 잔액', `${tx.balance.toLocaleString('ko-KR')}원`],
    ['상태', tx.state],
    ['승인시각', tx.appTime],
  ];
  const table = `<table>${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td id="${e(k.split(' ')[0]!)}">${e(v)}</td></tr>`).join('')}</table>`;
  return { status: 200, html: page(cmd.startsWith('card') ? '신용카드 매출전표' : '거래명세표', table) };
}
