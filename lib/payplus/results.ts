/**
 * Typed views of pp_cli answers (docs/kcp-manual.md §4, docs/pp-cli-protocol.md §2.2, §3.3).
 * Every view keeps the complete raw field map: real answers carry more fields than any table lists.
 */
import { ANSWER_ONLY_PAY_METHODS, PAY_METHODS, methodOfPayType, type UsePayMethodName } from '../codes/pay-methods.js';
import { KcpOutcomeUnknownError } from '../errors.js';
import type { ResultFields } from '../protocol/result.js';
import { isTno } from '../protocol/validate.js';

export type PaymentMethod = UsePayMethodName | 'unknown';

/** use_pay_method bitmaps posted by the payment window → method: a view of lib/codes/pay-methods.ts, the one table. */
export const USE_PAY_METHOD: Readonly<Record<string, PaymentMethod>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, PaymentMethod>, // no prototype: 'constructor' is not a method code
    Object.fromEntries([...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS].map((m) => [m.bitmap, m.name])),
  ),
);

/**
 * Which method an answer is for — from KCP's answer only: its four-letter `pay_method` (lib/codes/pay-methods.ts, the
 * one table), else the method-specific fields it carries. The browser's `use_pay_method` never decides it: a buyer can
 * post any value there, and only KCP's answer says what was paid.
 */
export function detectMethod(fields: ResultFields): PaymentMethod {
  const byCode = methodOfPayType(fields.pay_method ?? '');
  if (byCode) return byCode;
  if (fields.card_cd) return 'card';
  if (fields.account && fields.bankcode) return 'vbank';
  if (fields.bank_code) return 'bank';
  if (fields.tk_app_no) return 'giftcard';
  if (fields.pnt_app_no) return 'point';
  if (fields.commid || fields.mobile_no) return 'mobile';
  if (fields.ars_app_time) return 'kt';
  return 'unknown';
}

/** A whole number of won from a result field, or undefined when absent or not a plain integer. */
export function parseMoney(value: string | undefined): number | undefined {
  if (value === undefined || !/^(0|[1-9][0-9]{0,14})$/.test(value)) return undefined;
  return Number(value);
}

interface ApprovalBase {
  readonly resCd: string;
  readonly resMsg: string;
  readonly resEnMsg: string;
  /** KCP's transaction number: store it, every later cancel or capture needs it. */
  readonly tno: string;
  /** The approved amount (field `amount`); undefined when KCP's answer lacked a plain integer. */
  readonly amount: number | undefined;
  /** KCP's four-letter code (PACA, PABK, PAVC, PAMC, …) as answered. */
  readonly payMethod: string;
  /** The order number KCP's transaction carries (field `order_no`); processPayment cancels an answer for another order. */
  readonly orderNo: string;
  readonly escrow: boolean;
  /** Cash receipt issued with the payment (bank transfer / virtual account). */
  readonly cashReceipt: { issued: boolean; authNo: string; trCode: string };
  readonly raw: ResultFields;
}

export interface CardApproval extends ApprovalBase {
  readonly method: 'card';
  readonly cardCd: string;
  readonly cardName: string;
  readonly acquCd: string;
  readonly acquName: string;
  readonly appNo: string;
  readonly appTime: string;
  /** Instalment months, '00' for lump sum. */
  readonly quota: string;
  /** Interest-free instalment (Y/N). */
  readonly noinf: string;
  /** As KCP sends it: masked on live sites. */
  readonly cardNo: string;
  readonly bizxNumb: string;
  readonly vanCd: string;
  readonly partialCancelAllowed: boolean;
  readonly cardMny: number | undefined;
  /** Card + point combined payments (pnt_issue SCSK / SCWB). */
  readonly point: PointFields | undefined;
}

export interface PointFields {
  readonly pntIssue: string;
  readonly pntAmount: number | undefined;
  readonly pntAppNo: string;
  readonly pntAppTime: string;
  readonly addPnt: string;
  readonly usePnt: string;
  readonly rsvPnt: string;
}

export interface BankTransferApproval extends ApprovalBase {
  readonly method: 'bank';
  readonly bankCode: string;
  readonly bankName: string;
  readonly appTime: string;
  readonly bkMny: number | undefined;
}

export interface VirtualAccountApproval extends ApprovalBase {
  readonly method: 'vbank';
  /** As answered (e.g. BK04); see lib/codes for normalising. */
  readonly bankCode: string;
  readonly bankName: string;
  readonly account: string;
  readonly depositor: string;
  /** Deposit deadline YYYYMMDDhhmmss. */
  readonly vaDate: string;
  readonly appTime: string;
}

export interface MobileApproval extends ApprovalBase {
  readonly method: 'mobile';
  readonly vanCd: string;
  readonly vanId: string;
  readonly appTime: string;
  readonly commid: string;
  readonly mobileNo: string;
}

export interface PointApproval extends ApprovalBase, PointFields {
  readonly method: 'point';
  readonly ptIdno: string;
}

export interface GiftCardApproval extends ApprovalBase {
  readonly method: 'giftcard';
  readonly tkVanCode: string;
  readonly tkAppNo: string;
  readonly tkAppTime: string;
  readonly tkOrderId: string;
}

export interface OtherApproval extends ApprovalBase {
  readonly method: 'tmoney' | 'transit' | 'kt' | 'unknown';
  readonly appTime: string;
}

export type Approval =
  | CardApproval
  | BankTransferApproval
  | VirtualAccountApproval
  | MobileApproval
  | PointApproval
  | GiftCardApproval
  | OtherApproval;

function pointFields(f: ResultFields): PointFields {
  return {
    pntIssue: f.pnt_issue ?? '',
    pntAmount: parseMoney(f.pnt_amount),
    pntAppNo: f.pnt_app_no ?? '',
    pntAppTime: f.pnt_app_time ?? '',
    addPnt: f.add_pnt ?? '',
    usePnt: f.use_pnt ?? '',
    rsvPnt: f.rsv_pnt ?? '',
  };
}

/**
 * A success answer (already checked by the caller) as an approval, on any transport: without a usable tno something
 * was approved that can be neither recorded nor cancelled, so that is an unknown outcome, never an approval.
 */
export function approvedAnswer(fields: ResultFields, what: string, orderId: string): Approval {
  if (!isTno(fields.tno ?? '')) {
    throw new KcpOutcomeUnknownError(
      `${what} answered ${fields.res_cd ?? ''} but without a valid tno (${JSON.stringify(fields.tno ?? '')}); the ` +
        `payment may be approved and cannot be cancelled without it. Find it in KCP's admin by ordr_idxx ${orderId}`,
      { resCd: fields.res_cd, resMsg: fields.res_msg, resEnMsg: fields.res_en_msg, raw: fields, field: 'tno' },
    );
  }
  return toApproval(fields);
}

/** Build the typed approval for an answer: every value, the method included, is KCP's. */
export function toApproval(fields: ResultFields): Approval {
  const f = fields;
  const s = (k: string) => f[k] ?? '';
  const base: ApprovalBase = {
    resCd: s('res_cd'),
    resMsg: s('res_msg'),
    resEnMsg: s('res_en_msg'),
    tno: s('tno'),
    amount: parseMoney(f.amount),
    payMethod: s('pay_method'),
    orderNo: s('order_no'),
    escrow: f.escw_yn === 'Y',
    cashReceipt: { issued: f.cash_yn === 'Y', authNo: s('cash_authno'), trCode: s('cash_tr_code') },
    raw: Object.freeze({ ...f }),
  };
  const method = detectMethod(f);
  switch (method) {
    case 'card':
      return {
        ...base,
        method,
        cardCd: s('card_cd'),
        cardName: s('card_name'),
        acquCd: s('acqu_cd'),
        acquName: s('acqu_name'),
        appNo: s('app_no'),
        appTime: s('app_time'),
        quota: s('quota'),
        noinf: s('noinf'),
        cardNo: s('card_no'),
        bizxNumb: s('bizx_numb'),
        vanCd: s('van_cd'),
        partialCancelAllowed: f.partcanc_yn === 'Y',
        cardMny: parseMoney(f.card_mny),
        point: f.pnt_issue === 'SCSK' || f.pnt_issue === 'SCWB' ? pointFields(f) : undefined,
      };
    case 'bank':
      return {
        ...base,
        method,
        bankCode: s('bank_code'),
        bankName: s('bank_name'),
        appTime: s('app_time'),
        bkMny: parseMoney(f.bk_mny),
      };
    case 'vbank':
      return {
        ...base,
        method,
        bankCode: s('bankcode'),
        bankName: s('bankname'),
        account: s('account'),
        depositor: s('depositor'),
        vaDate: s('va_date'),
        appTime: s('app_time'),
      };
    case 'mobile':
      return {
        ...base,
        method,
        vanCd: s('van_cd'),
        vanId: s('van_id'),
        appTime: f.hp_app_time ?? s('app_time'),
        commid: s('commid'),
        mobileNo: s('mobile_no'),
      };
    case 'point':
      return { ...base, ...pointFields(f), method, ptIdno: s('pt_idno') };
    case 'giftcard':
      return {
        ...base,
        method,
        tkVanCode: s('tk_van_code'),
        tkAppNo: s('tk_app_no'),
        tkAppTime: s('tk_app_time'),
        tkOrderId: s('tk_order_id'),
      };
    default:
      return { ...base, method, appTime: f.app_time ?? f.ars_app_time ?? '' };
  }
}

/**
 * What the buyer paid in all for this approval — the figure to compare with the order. KCP's `amount` is the card
 * part of a card payment, so a card + point payment (pnt_issue SCSK / SCWB) totals amount + pnt_amount; a point-only
 * payment reports pnt_amount. Undefined when a part is missing or unreadable: treat that as a mismatch.
 */
export function approvedTotal(approval: Approval): number | undefined {
  if (approval.method === 'card' && approval.point) {
    const { pntAmount } = approval.point;
    return approval.amount === undefined || pntAmount === undefined ? undefined : approval.amount + pntAmount;
  }
  if (approval.method === 'point') return approval.amount ?? approval.pntAmount;
  return approval.amount;
}

/** Answer to a cancel, capture or escrow change. */
export interface ModifyResult {
  readonly resCd: string;
  readonly resMsg: string;
  readonly resEnMsg: string;
  readonly tno: string;
  /** Cancel time when given (canc_time). */
  readonly cancTime: string;
  readonly raw: ResultFields;
}

/** Answer to a partial cancel (STPC). */
export interface PartialCancelResult extends ModifyResult {
  /** Amount cancelled by this request (panc_mod_mny). */
  readonly cancelledAmount: number | undefined;
  /** Balance left cancellable after it (panc_rem_mny): pass it as cancellableBalance next time. */
  readonly remainingAmount: number | undefined;
}

/** Answer to a cash-receipt request (07010000 / 07020000 / 07030000). */
export interface CashReceiptResult {
  readonly resCd: string;
  readonly resMsg: string;
  readonly cashNo: string;
  readonly receiptNo: string;
  readonly appTime: string;
  readonly regStat: string;
  readonly regDesc: string;
  readonly raw: ResultFields;
}

export function toModifyResult(f: ResultFields): ModifyResult {
  return {
    resCd: f.res_cd ?? '',
    resMsg: f.res_msg ?? '',
    resEnMsg: f.res_en_msg ?? '',
    tno: f.tno ?? '',
    cancTime: f.canc_time ?? '',
    raw: Object.freeze({ ...f }),
  };
}

export function toPartialCancelResult(f: ResultFields): PartialCancelResult {
  return {
    ...toModifyResult(f),
    cancelledAmount: parseMoney(f.panc_mod_mny),
    remainingAmount: parseMoney(f.panc_rem_mny),
  };
}

export function toCashReceiptResult(f: ResultFields): CashReceiptResult {
  return {
    resCd: f.res_cd ?? '',
    resMsg: f.res_msg ?? '',
    cashNo: f.cash_no ?? '',
    receiptNo: f.receipt_no ?? '',
    appTime: f.app_time ?? '',
    regStat: f.reg_stat ?? '',
    regDesc: f.reg_desc ?? '',
    raw: Object.freeze({ ...f }),
  };
}
