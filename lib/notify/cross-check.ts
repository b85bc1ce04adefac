/**
 * Comparing a notification with the merchant's own order record. A notification from the right IP can
 * still be about another shop's site code, another payment, or carry a different amount than ordered
 * (a buyer may deposit less or more into a virtual account; KCP settles what was paid and cannot refund
 * it for the merchant), so every field that identifies the payment is checked.
 */
import type { KcpNotification } from './parse.js';

export interface OrderRecord {
  siteCd: string;
  /** The tno stored from the approval / account issuance; skipped when not known yet. */
  tno?: string;
  /** The order amount; compared with ipgm_mnyx for deposits and mobile payments. */
  amount?: number;
  orderNo: string;
}

export interface NotificationMismatch {
  readonly field: 'site_cd' | 'tno' | 'order_no' | 'ipgm_mnyx';
  readonly expected: string;
  readonly actual: string;
  readonly message: string;
}

function mismatch(field: NotificationMismatch['field'], expected: string, actual: string): NotificationMismatch {
  return Object.freeze({ field, expected, actual, message: `${field} is ${JSON.stringify(actual)} but the order has ${JSON.stringify(expected)}` });
}

/** Every difference between the notification and the order; an empty list means they agree. */
export function crossCheck(notification: KcpNotification, order: OrderRecord): NotificationMismatch[] {
  const out: NotificationMismatch[] = [];
  if (notification.siteCd !== order.siteCd) out.push(mismatch('site_cd', order.siteCd, notification.siteCd));
  if (order.tno !== undefined && notification.tno !== order.tno) out.push(mismatch('tno', order.tno, notification.tno));
  if (notification.orderNo !== order.orderNo) out.push(mismatch('order_no', order.orderNo, notification.orderNo));
  const paid =
    notification.kind === 'deposit' || notification.kind === 'deposit_cancelled' || notification.kind === 'mobile_payment'
      ? notification.amount
      : undefined;
  if (order.amount !== undefined && paid !== undefined && paid !== order.amount) {
    out.push(mismatch('ipgm_mnyx', String(order.amount), String(paid)));
  }
  return out;
}
