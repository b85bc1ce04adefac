/**
 * common_return notifications, typed by tx_cd. Every notification keeps all raw fields, because KCP adds
 * fields over time and a merchant may need one we do not model.
 *
 * Field names follow KCP's pages: `order_no` (the manual's field table spells it `ordr_no`; both are read).
 */
import { KcpNotificationError } from '../errors.js';
import type { KcpEnvironment } from '../config/site-conf.js';
import { DEPOSIT_CANCEL_OP_CD } from '../codes/notification.js';
import { decodeNotificationBody, type NotificationCharset } from './body.js';
import { checkNotificationSource } from './ips.js';

export interface NotificationBase {
  readonly txCd: string;
  readonly siteCd: string;
  readonly tno: string;
  readonly orderNo: string;
  /** tx_tm, YYYYMMDDhhmmss: when KCP finished the business event. */
  readonly txTm: string;
  /** noti_id (TX00 carries one; unique per notification, several per payment are possible). */
  readonly notiId: string | undefined;
  /**
   * The de-duplication key: noti_id when present, else `<tx_cd>:<tno>:<tx_tm>` (a re-send of the same
   * event repeats all three).
   */
  readonly id: string;
  /** The source address after normalisation. */
  readonly remoteIp: string;
  readonly charset: NotificationCharset | undefined;
  readonly raw: Readonly<Record<string, string>>;
}

/** TX00: virtual-account deposit; op_cd 13 is a cancelled deposit (입금취소), everything else a deposit. */
export interface DepositNotification extends NotificationBase {
  readonly kind: 'deposit' | 'deposit_cancelled';
  readonly txCd: 'TX00';
  /** ipgm_mnyx: what the buyer actually paid in (may differ from the order: compare it). */
  readonly amount: number;
  /** totl_mnyx: total deposited on the account (cumulative for fixed accounts). */
  readonly totalAmount: number | undefined;
  /** ipgm_name: the orderer's name. */
  readonly ordererName: string | undefined;
  /** remitter: who made the deposit (may differ from the orderer). */
  readonly remitter: string | undefined;
  /** ipgm_time, YYYYMMDDhhmmss. */
  readonly depositTime: string | undefined;
  readonly bankCode: string | undefined;
  readonly account: string | undefined;
  readonly opCd: string | undefined;
  /** cash_a_no: cash-receipt approval number when one was issued with the deposit. */
  readonly cashReceiptNo: string | undefined;
}

/** TX01: virtual-account refund. */
export interface RefundNotification extends NotificationBase {
  readonly kind: 'refund';
  readonly refundName: string | undefined;
  readonly refundAmount: number | undefined;
  readonly bankCode: string | undefined;
}

/** TX02: escrow purchase decision: st_cd Y confirmed, N cancelled (with can_msg). */
export interface PurchaseDecisionNotification extends NotificationBase {
  readonly kind: 'purchase_confirmed' | 'purchase_cancelled';
  readonly stCd: 'Y' | 'N';
  readonly cancelMessage: string | undefined;
}

/** TX03: escrow shipping started. */
export interface ShippingNotification extends NotificationBase {
  readonly kind: 'shipping_started';
  readonly waybillNo: string | undefined;
  readonly waybillCorp: string | undefined;
}

/** TX04–TX07: escrow / account events without fields of their own. */
export interface EventNotification extends NotificationBase {
  readonly kind: 'settlement_held' | 'immediate_cancel' | 'cancelled' | 'account_closed';
}

/** TX08: mobile (safe) payment / mobile bank transfer. */
export interface MobilePaymentNotification extends NotificationBase {
  readonly kind: 'mobile_payment';
  readonly amount: number | undefined;
  readonly bankCode: string | undefined;
}

/** Any other tx_cd (TX09/TX10 are known from one unverified source only), or TX02 with an unknown st_cd. */
export interface UnknownNotification extends NotificationBase {
  readonly kind: 'unknown';
}

export type KcpNotification =
  | DepositNotification
  | RefundNotification
  | PurchaseDecisionNotification
  | ShippingNotification
  | EventNotification
  | MobilePaymentNotification
  | UnknownNotification;

export interface ParseNotificationOptions {
  /** The sender's address (socket address, or the proxy-resolved client; see http.ts). */
  remoteIp: string;
  env: KcpEnvironment;
  /** Replaces KCP_NOTIFY_IPS[env]. */
  allowIps?: readonly string[];
  /** Accept loopback senders (the local simulator). */
  allowLocal?: boolean;
  /** The request's Content-Type, for its charset. */
  contentType?: string;
}

const EVENT_KINDS: Readonly<Record<string, EventNotification['kind']>> = {
  TX04: 'settlement_held',
  TX05: 'immediate_cancel',
  TX06: 'cancelled',
  TX07: 'account_closed',
};

function reject(field: string, problem: string, raw: Readonly<Record<string, string>>): never {
  throw new KcpNotificationError(`Notification refused: ${field} ${problem}.`, { field, raw });
}

function optional(raw: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = raw[name];
  return value === undefined || value === '' ? undefined : value;
}

function amountOf(raw: Readonly<Record<string, string>>, name: string, required: boolean): number | undefined {
  const value = optional(raw, name);
  if (value === undefined) {
    if (required) reject(name, 'is missing; a deposit notification must say how much was paid', raw);
    return undefined;
  }
  if (!/^\d{1,15}$/.test(value.trim())) reject(name, `is not an amount (${JSON.stringify(value)})`, raw);
  return Number(value.trim());
}

/**
 * Checks the sender, decodes the body and types the notification. Throws KcpError 'notification_rejected'
 * for a foreign sender or a body without tx_cd / site_cd (or a deposit without a readable amount).
 */
export function parseNotification(
  body: Buffer | Uint8Array | string | Readonly<Record<string, string>>,
  options: ParseNotificationOptions,
): KcpNotification {
  const remoteIp = checkNotificationSource(options.remoteIp, options);
  const { fields: raw, charset } = decodeNotificationBody(body, options.contentType);
  const frozen = Object.freeze({ ...raw });
  return typeNotification(frozen, remoteIp, charset);
}

/** Types already-trusted fields (the source check happened elsewhere). */
export function typeNotification(
  raw: Readonly<Record<string, string>>,
  remoteIp: string,
  charset: NotificationCharset | undefined,
): KcpNotification {
  const txCd = (optional(raw, 'tx_cd') ?? reject('tx_cd', 'is missing; this is not a KCP common_return notification', raw)).trim().toUpperCase();
  const siteCd = optional(raw, 'site_cd') ?? reject('site_cd', 'is missing', raw);
  const tno = raw.tno ?? '';
  const txTm = raw.tx_tm ?? '';
  const notiId = optional(raw, 'noti_id');
  const base: NotificationBase = {
    txCd,
    siteCd,
    tno,
    orderNo: raw.order_no ?? raw.ordr_no ?? '',
    txTm,
    notiId,
    id: notiId ?? `${txCd}:${tno}:${txTm}`,
    remoteIp,
    charset,
    raw,
  };
  return Object.freeze(byTxCd(base, raw));
}

function byTxCd(base: NotificationBase, raw: Readonly<Record<string, string>>): KcpNotification {
  switch (base.txCd) {
    case 'TX00': {
      const opCd = optional(raw, 'op_cd');
      return {
        ...base,
        txCd: 'TX00',
        kind: opCd === DEPOSIT_CANCEL_OP_CD ? 'deposit_cancelled' : 'deposit',
        amount: amountOf(raw, 'ipgm_mnyx', true)!,
        totalAmount: amountOf(raw, 'totl_mnyx', false),
        ordererName: optional(raw, 'ipgm_name'),
        remitter: optional(raw, 'remitter'),
        depositTime: optional(raw, 'ipgm_time'),
        bankCode: optional(raw, 'bank_code'),
        account: optional(raw, 'account'),
        opCd,
        cashReceiptNo: optional(raw, 'cash_a_no'),
      };
    }
    case 'TX01':
      return {
        ...base,
        kind: 'refund',
        refundName: optional(raw, 'refund_nm'),
        refundAmount: amountOf(raw, 'refund_mny', false),
        bankCode: optional(raw, 'bank_code'),
      };
    case 'TX02': {
      const stCd = optional(raw, 'st_cd')?.toUpperCase();
      if (stCd !== 'Y' && stCd !== 'N') return { ...base, kind: 'unknown' };
      return {
        ...base,
        kind: stCd === 'Y' ? 'purchase_confirmed' : 'purchase_cancelled',
        stCd,
        cancelMessage: optional(raw, 'can_msg'),
      };
    }
    case 'TX03':
      return { ...base, kind: 'shipping_started', waybillNo: optional(raw, 'waybill_no'), waybillCorp: optional(raw, 'waybill_corp') };
    case 'TX04':
    case 'TX05':
    case 'TX06':
    case 'TX07':
      return { ...base, kind: EVENT_KINDS[base.txCd]! };
    case 'TX08':
      return { ...base, kind: 'mobile_payment', amount: amountOf(raw, 'ipgm_mnyx', false), bankCode: optional(raw, 'bank_code') };
    default:
      return { ...base, kind: 'unknown' };
  }
}
