/**
 * Every res_cd the simulator answers with, in one table so README and code cannot drift.
 * `source` says where the code/message comes from: 'kcp' = KCP's manual, sample code or logs
 * (docs/pp-cli-protocol.md §8, docs/kcp-manual.md §6); 'sim' = chosen by the simulator because no public source gives KCP's
 * real code for that situation (treat the exact value as unverified).
 */
export interface SimCode {
  resCd: string;
  resMsg: string;
  resEnMsg: string;
  source: 'kcp' | 'sim';
}

function code(resCd: string, resMsg: string, resEnMsg: string, source: 'kcp' | 'sim'): SimCode {
  return { resCd, resMsg, resEnMsg, source };
}

export const CODES = {
  ok: code('0000', '정상처리', 'processing completed', 'kcp'),
  unregistered: code('3014', '미등록 가맹점', 'unregistered merchant', 'kcp'),
  siteDb: code('8001', '사이트 DB 설정 오류', 'site DB setting error', 'kcp'),
  decrypt: code('6003', '요청 전문 복호화 오류', 'request message decryption error', 'kcp'),
  amountMismatch: code('8059', '포맷에러(지불정보-공통:결제금액 불일치)', 'format error(payment amount mismatch)', 'kcp'),
  formatPay: code('8101', '포맷에러(지불)', 'format error(payment)', 'kcp'),
  formatAmount: code('8105', '포맷에러(지불|신용카드|금액)', 'format error(payment l credit card l amount)', 'kcp'),
  cardNumber: code('8108', '카드번호 오류', 'card number error', 'kcp'),
  cardTimeout: code('CC72', '카드사 TIME-OUT', 'card company time-out', 'kcp'),
  dupCard: code('8128', '신용카드 중복거래 요청 거절', 'duplicate card transaction refused', 'kcp'),
  dupBank: code('8739', '계좌이체 승인 불가(주문번호 중복 거래)', 'duplicate order (bank transfer)', 'kcp'),
  dupVbank: code('8338', '주문번호 중복 거래(가상계좌)', 'duplicate order (virtual account)', 'kcp'),
  dupOther: code('8094', '중복 거래요청', 'duplicate transaction request', 'kcp'),
  noTransaction: code('8120', '원거래 없음', 'original transaction not found', 'sim'),
  alreadyCancelled: code('8133', '이미 취소된 거래', 'already cancelled transaction', 'sim'),
  cancelAmount: code('8734', '부분취소 금액 오류', 'partial cancel amount error', 'sim'),
  balanceMismatch: code('8735', '취소가능잔액 불일치', 'cancellable balance mismatch', 'sim'),
  alreadyCaptured: code('8136', '이미 매입요청된 거래', 'already captured transaction', 'sim'),
  notCapturable: code('8137', '매입요청 불가 거래', 'transaction cannot be captured', 'sim'),
  escrowState: code('8138', '에스크로 상태 변경 불가', 'escrow state change not allowed', 'sim'),
  notEscrow: code('8139', '에스크로 거래 아님', 'not an escrow transaction', 'sim'),
  unsupported: code('8999', '기타오류 KCP로 문의', 'refer to kcp', 'kcp'),
} as const;

export type CodeName = keyof typeof CODES;
