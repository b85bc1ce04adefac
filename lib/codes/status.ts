/**
 * Transaction status codes (참고사항 3. 거래 상태 코드 표(공통)) as the manual prints them.
 *
 * The table is kept verbatim, in reading order, including its oddities: STMT and STJC each appear twice
 * with two meanings (매입청구 / 재매입요청, 매입취소청구 / 재매입취소), `STR0` is spelled with a zero and
 * `STEY` reads 에스크로입급완료. A lookup therefore returns every label a code has. English labels are
 * our translation, not KCP's.
 */

export interface TransactionStatusEntry {
  readonly code: string;
  /** Korean label as the manual prints it. */
  readonly label: string;
  readonly labelEn: string;
}

type Row = readonly [code: string, label: string, labelEn: string];

const ROWS: readonly Row[] = [
  ['STSR', '승인', 'approved'],
  ['STSF', '승인대기', 'approval pending'],
  ['STIX', '가상계좌사용중지', 'virtual account suspended'],
  ['STSC', '승인취소', 'approval cancelled'],
  ['STIY', '입금완료', 'deposit completed'],
  ['STAE', '적립매입취소', 'accrual purchase cancelled'],
  ['STMR', '매입요청', 'purchase (capture) requested'],
  ['STCH', '상태변경주체', 'status change originator'],
  ['STUE', '사용매입취소', 'use purchase cancelled'],
  ['STJY', '대금지급완료', 'payout completed'],
  ['STUS', '사용', 'used'],
  ['STIV', '이체취소(정산 전)', 'transfer cancelled (before settlement)'],
  ['STMD', '매입취소요청', 'purchase cancel requested'],
  ['STUC', '사용승인취소', 'use approval cancelled'],
  ['STCR', '매입취소청구보류', 'purchase cancel claim on hold'],
  ['STMO', '취소정산완료', 'cancel settlement completed'],
  ['STAD', '적립', 'accrued'],
  ['STCY', '매입취소청구완료', 'purchase cancel claim completed'],
  ['STMT', '매입청구', 'purchase claimed'],
  ['STAC', '적립승인취소', 'accrual approval cancelled'],
  ['STDR', '매입청구보류', 'purchase claim on hold'],
  ['STJC', '매입취소청구', 'purchase cancel claimed'],
  ['STIO', '입금초과', 'overpaid deposit'],
  ['STDY', '매입청구완료', 'purchase claim completed'],
  ['STDS', '대금지급승인', 'payout approved'],
  ['STIC', '입금취소', 'deposit cancelled'],
  ['STPY', '부분취소청구완료', 'partial cancel claim completed'],
  ['STJO', '매입취소완료', 'purchase cancel completed'],
  ['STR0', '재매입종류', 're-purchase type'],
  ['STAR', '승인요청', 'approval requested'],
  ['STDN', '대금지급보류', 'payout on hold'],
  ['STMT', '재매입요청', 're-purchase requested'],
  ['STAF', '승인실패', 'approval failed'],
  ['STJS', '매입취소실패', 'purchase cancel failed'],
  ['STJC', '재매입취소', 're-purchase cancelled'],
  ['STVF', '검증실패', 'verification failed'],
  ['STIR', '입금대기', 'awaiting deposit'],
  ['STAU', '인증', 'authenticated'],
  ['STDE', '차감오류', 'deduction error'],
  ['STIS', '이체성공', 'transfer succeeded'],
  ['STCA', '취소접수', 'cancel received'],
  ['STCD', '취소대기', 'cancel pending'],
  ['STIB', '대금입금', 'payout deposited'],
  ['STEY', '에스크로입급완료', 'escrow deposit completed'],
  ['STRD', '입금거절', 'deposit refused'],
  ['STDC', '취소반송', 'cancel returned'],
  ['STEH', '에스크로환불완료', 'escrow refund completed'],
  ['STPC', '부분취소', 'partially cancelled'],
  ['STHB', '대금환불', 'payout refunded'],
  ['STHD', '에스크로환불대기', 'escrow refund pending'],
  ['STIU', '입금부족', 'underpaid deposit'],
  ['STMC', '매입반송', 'purchase returned'],
  ['STOC', '에스크로주문취소', 'escrow order cancelled'],
  ['STIF', '이체실패', 'transfer failed'],
  ['STIW', '이체취소', 'transfer cancelled'],
];

/** Every row of the manual's table, in reading order (55 rows, 53 distinct codes). */
export const TRANSACTION_STATUS_TABLE: readonly TransactionStatusEntry[] = Object.freeze(
  ROWS.map(([code, label, labelEn]) => Object.freeze({ code, label, labelEn })),
);

export interface TransactionStatus {
  readonly code: string;
  /** All Korean labels the manual gives this code (two for STMT and STJC). */
  readonly labels: readonly string[];
  readonly labelsEn: readonly string[];
}

const byCode = new Map<string, TransactionStatus>();
for (const row of TRANSACTION_STATUS_TABLE) {
  const prev = byCode.get(row.code);
  byCode.set(row.code, {
    code: row.code,
    labels: [...(prev?.labels ?? []), row.label],
    labelsEn: [...(prev?.labelsEn ?? []), row.labelEn],
  });
}
for (const [code, status] of byCode) {
  byCode.set(code, Object.freeze({ code, labels: Object.freeze(status.labels), labelsEn: Object.freeze(status.labelsEn) }));
}

/** The distinct status codes, in first-seen order. */
export const TRANSACTION_STATUS_CODES: readonly string[] = Object.freeze([...byCode.keys()]);

/** A status code's labels, or undefined when the manual does not list it. */
export function lookupTransactionStatus(code: string): TransactionStatus | undefined {
  return byCode.get(code.trim().toUpperCase());
}
