/**
 * Codes that appear in common_return notifications: tx_cd (which business event) and, for
 * virtual-account deposits (TX00), op_cd (how the deposit was processed).
 * Sources: the manual's 공통통보 chapter (docs/kcp-manual.md §2, §5: TX00, op_cd 50/18/13) and docs/pp-cli-protocol.md §6 (TX01–TX10).
 */

export interface NotificationTxCode {
  readonly code: string;
  readonly label: string;
  readonly labelEn: string;
  /** false for codes seen in a single unverified source only (TX09/TX10). */
  readonly confirmed: boolean;
}

const tx = (code: string, label: string, labelEn: string, confirmed = true): NotificationTxCode =>
  Object.freeze({ code, label, labelEn, confirmed });

export const NOTIFICATION_TX_CODES: readonly NotificationTxCode[] = Object.freeze([
  tx('TX00', '가상계좌 입금 통보', 'virtual-account deposit'),
  tx('TX01', '가상계좌 환불 통보', 'virtual-account refund'),
  tx('TX02', '구매확인/구매취소 통보', 'escrow purchase confirmed / cancelled'),
  tx('TX03', '배송시작 통보', 'escrow shipping started'),
  tx('TX04', '정산보류 통보', 'escrow settlement on hold'),
  tx('TX05', '즉시취소 통보', 'escrow immediate cancel'),
  tx('TX06', '취소 통보', 'escrow cancel'),
  tx('TX07', '발급계좌해지 통보', 'issued virtual account closed'),
  tx('TX08', '모바일(안심)결제 / 모바일계좌이체 통보', 'mobile (safe) payment / mobile bank transfer'),
  tx('TX09', '신용카드 ARS 승인 통보', 'card ARS approval', false),
  tx('TX10', '신용카드 ARS 취소 통보', 'card ARS cancel', false),
]);

export interface DepositOpCode {
  readonly code: string;
  readonly label: string;
  readonly labelEn: string;
  /** Only 13 is a cancellation; the manual says to treat every other op_cd as a deposit. */
  readonly cancellation: boolean;
}

export const DEPOSIT_OP_CODES: readonly DepositOpCode[] = Object.freeze([
  Object.freeze({ code: '50', label: '당행입금확인', labelEn: 'deposit confirmed (same bank)', cancellation: false }),
  Object.freeze({ code: '18', label: '타행입금확인', labelEn: 'deposit confirmed (other bank)', cancellation: false }),
  Object.freeze({ code: '13', label: '취소', labelEn: 'deposit cancelled', cancellation: true }),
]);

/** The op_cd that marks a cancelled deposit (입금취소/망취소). */
export const DEPOSIT_CANCEL_OP_CD = '13';

const txByCode = new Map(NOTIFICATION_TX_CODES.map((t) => [t.code, t]));
const opByCode = new Map(DEPOSIT_OP_CODES.map((o) => [o.code, o]));

export function lookupNotificationTxCode(code: string): NotificationTxCode | undefined {
  return txByCode.get(code.trim().toUpperCase());
}

export function lookupDepositOpCode(code: string): DepositOpCode | undefined {
  return opByCode.get(code.trim());
}
