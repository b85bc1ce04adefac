/**
 * Result codes (res_cd) with what they mean and what to do, in Korean and English.
 *
 * Sources: the manual's FAQ (docs/kcp-manual.md §6: 9502/S102, 3014, 8001, 6003, S202 with its 7504 telnet check, the
 * instalment question, 8169 in the kcp_noint_quota text, 8059 in the amount-tampering appendix) and the
 * codes that docs/pp-cli-protocol.md §2 and §8 record from the binary, logs and public code.
 * Nothing here is guessed: a code without a known Korean message has `message` undefined. `resEnMsg` is
 * KCP's own English text when a log recorded it; `messageEn`, `causeEn` and `fixEn` are our translation.
 */
import type { KcpErrorCode } from '../errors.js';

/**
 * What the caller should do: 'success', or the KcpErrorCode (and with it the one error class, lib/errors.ts
 * resultError) a complete answer with this code becomes. `gateway_refused` is a decline (the order can be paid again);
 * `outcome_unknown` means KCP or a card company timed out after the request reached it, so the payment may stand: the
 * order stays blocked until recovery or a person settles it.
 */
export type ResultCategory =
  | 'success'
  | Extract<
      KcpErrorCode,
      | 'module_unavailable'
      | 'connection_failed'
      | 'config_invalid'
      | 'input_invalid'
      | 'gateway_refused'
      | 'amount_mismatch'
      | 'duplicate_order'
      | 'already_cancelled'
      | 'outcome_unknown'
    >;

export type ResultCodeSource = 'manual' | 'protocol' | 'ecosystem';

export interface ResultCodeInfo {
  readonly code: string;
  /** res_msg as KCP (or the sample library) sends it; undefined when no source recorded it. */
  readonly message: string | undefined;
  /** KCP's own res_en_msg when recorded. */
  readonly resEnMsg: string | undefined;
  readonly messageEn: string;
  readonly category: ResultCategory;
  readonly cause: string;
  readonly causeEn: string;
  readonly fix: string;
  readonly fixEn: string;
  readonly source: ResultCodeSource;
  /** True for the codes KCP uses to refuse an order number it has already seen (category 'duplicate_order'). */
  readonly duplicateOrder: boolean;
}

type Entry = Omit<ResultCodeInfo, 'resEnMsg' | 'duplicateOrder'> & { resEnMsg?: string };

const MODULE_CAUSE =
  'pp_cli가 없거나 실행 권한(755)이 없거나 ASCII 모드로 업로드되어 크기가 다르거나, g_conf_home_dir가 bin 폴더의 상위 경로가 아니거나, 호스팅이 exec를 막거나 PHP safe_mode가 켜져 있음';
const MODULE_CAUSE_EN =
  'pp_cli is missing, not executable (needs 755), was uploaded in ASCII mode (size differs), g_conf_home_dir is not the folder above bin/, or the host forbids exec (PHP safe_mode).';
const MODULE_FIX =
  'pp_cli를 바이너리 모드로 올리고 chmod 755, bin 안에서 ./pp_cli -h 가 사용법과 res_cd=S102를 출력하는지 확인, g_conf_home_dir를 bin 상위 절대경로로 설정 (kcp-payplus doctor)';
const MODULE_FIX_EN =
  'Upload pp_cli in binary mode, chmod 755, check that ./pp_cli -h prints its usage banner and res_cd=S102, and set g_conf_home_dir to the absolute folder above bin/ (run `kcp-payplus doctor`).';

const ENTRIES: readonly Entry[] = [
  {
    code: '0000', message: '정상처리', resEnMsg: 'processing completed', messageEn: 'processing completed',
    category: 'success', cause: '정상 처리', causeEn: 'The request succeeded.', fix: '없음', fixEn: 'Nothing to do.',
    source: 'protocol',
  },
  {
    code: 'V000', message: undefined, messageEn: 'virtual account issued (reported success code)', category: 'success',
    cause: '일부 구현(gnuboard 2026)이 가상계좌 발급 성공으로 처리하는 코드, KCP 문서로 확인되지 않음',
    causeEn: 'Treated as virtual-account issuance success by one 2026 implementation; not confirmed by KCP documentation.',
    fix: '가상계좌 발급 결과의 다른 필드(account, va_date)로 확인', fixEn: 'Confirm with the other issuance fields (account, va_date).',
    source: 'protocol',
  },
  {
    code: '9502', message: '연동 모듈 호출 오류', messageEn: 'module call error (pp_cli produced no output)',
    category: 'module_unavailable', cause: MODULE_CAUSE, causeEn: MODULE_CAUSE_EN, fix: MODULE_FIX, fixEn: MODULE_FIX_EN,
    source: 'manual',
  },
  {
    code: 'S102', message: '연동 모듈 호출 오류', messageEn: 'module call error (pp_cli usage error)',
    category: 'module_unavailable',
    cause: `${MODULE_CAUSE}. 인자 없이 ./pp_cli -h 를 실행했을 때 S102가 나오는 것은 정상`,
    causeEn: `${MODULE_CAUSE_EN} (Running ./pp_cli -h by hand is expected to print S102: that proves the binary runs.)`,
    fix: MODULE_FIX, fixEn: MODULE_FIX_EN, source: 'manual',
  },
  {
    code: 'S101', message: '거래 추적번호 없음', messageEn: 'trace number missing', category: 'input_invalid',
    cause: 'trace_no가 비어 있음 (CLI에서는 모듈이 자동 생성하므로 보통 발생하지 않음)',
    causeEn: 'trace_no was empty (pp_cli normally generates one, so this is rare).',
    fix: '결제창이 돌려준 trace_no를 그대로 전달', fixEn: 'Pass the trace_no the payment window returned.', source: 'protocol',
  },
  {
    code: 'S201', message: '통신 초기화 오류', messageEn: 'communication initialisation error', category: 'connection_failed',
    cause: '메모리 부족 또는 PG 서버 검색 실패 (TX_INIT__FAIL)', causeEn: 'Out of memory or gateway lookup failed (TX_INIT__FAIL).',
    fix: '서버 자원과 g_conf_gw_url 확인', fixEn: 'Check server resources and g_conf_gw_url.', source: 'protocol',
  },
  {
    code: 'S202', message: 'PG 서버 접속 오류', messageEn: 'cannot connect to the PG server', category: 'connection_failed',
    cause: '방화벽 또는 DNS 문제로 KCP 게이트웨이(호스트:8090)에 접속 불가',
    causeEn: 'A firewall or DNS problem: the KCP gateway host/port cannot be reached.',
    fix: 'telnet testpaygw.kcp.co.kr 8090 이 res_cd=7504를 보여야 정상. 8080/8090 포트와 게이트웨이 IP(테스트 203.238.36.58, 실 203.238.36.136/139) 개방, DNS 확인',
    fixEn: '`telnet testpaygw.kcp.co.kr 8090` must answer res_cd=7504. Open ports 8080 and 8090 to the gateway IPs (test 203.238.36.58, real 203.238.36.136/.139) and check DNS.',
    source: 'manual',
  },
  {
    code: 'S203', message: 'PG 서버 지불 DATA 전송 오류', messageEn: 'error sending payment data to the PG server',
    category: 'outcome_unknown', cause: '게이트웨이로 요청 전송 중 연결이 끊김',
    causeEn: 'The connection broke while the request was being sent.',
    fix: '네트워크 확인 후 거래 조회로 상태를 확인한 뒤 재시도', fixEn: 'Check the network; query the transaction before retrying.',
    source: 'protocol',
  },
  {
    code: 'S204', message: 'PG 서버 지불 DATA 수신 오류', messageEn: 'error receiving payment data from the PG server',
    category: 'outcome_unknown', cause: '요청 전송 후 응답 수신 중 연결이 끊김: 게이트웨이가 처리했을 수 있음',
    causeEn: 'The connection broke while reading the answer: the gateway may have processed the request.',
    fix: '재시도 전에 반드시 거래 조회 또는 관리자 페이지에서 결과 확인', fixEn: 'Query the transaction (or check the admin page) before any retry.',
    source: 'protocol',
  },
  {
    code: '6001', message: '요청 전문 생성 오류', messageEn: 'error building the request message', category: 'input_invalid',
    cause: '요청 데이터로 전문을 만들 수 없음', causeEn: 'The request fields could not be assembled into a message.',
    fix: '요청 필드 값(구분자·콤마 포함 여부) 확인', fixEn: 'Check the request values (separators, commas).', source: 'protocol',
  },
  {
    code: '6002', message: '요청 전문 암호화 오류', messageEn: 'error encrypting the request message', category: 'module_unavailable',
    cause: '모듈이 요청 전문을 암호화하지 못함', causeEn: 'The module could not encrypt the request.',
    fix: '모듈 파일과 site_key 확인', fixEn: 'Check the module files and site_key.', source: 'protocol',
  },
  {
    code: '6003', message: '요청 전문 복호화 오류', messageEn: 'error decrypting the request message', category: 'gateway_refused',
    cause: '요청 전문 복호화 실패 (매뉴얼 FAQ에 질문만 있음; Windows exe에서는 응답 전문 복호화 오류)',
    causeEn: 'The request could not be decrypted (listed in the manual FAQ without an answer; on the Windows exe it means the response could not be decrypted).',
    fix: 'site_cd/site_key와 enc_data/enc_info가 같은 결제창 호출에서 온 값인지 확인, KCP 기술지원(1544-8661) 문의',
    fixEn: 'Check that site_cd/site_key match and that enc_data/enc_info come from the same payment-window call; contact KCP support (1544-8661).',
    source: 'manual',
  },
  {
    code: '6004', message: '전문 암복호화 정보 생성 오류', messageEn: 'error creating the encryption information', category: 'module_unavailable',
    cause: '암복호화 키 정보를 만들지 못함', causeEn: 'The module could not create its encryption keys.',
    fix: '모듈 재설치, KCP 기술지원 문의', fixEn: 'Reinstall the module; contact KCP support.', source: 'protocol',
  },
  {
    code: '9601', message: '결제 정보 오류', messageEn: 'payment information error', category: 'input_invalid',
    cause: 'enc_data는 있는데 enc_info가 비어 있음 (네트워크 접속 전 모듈이 거절)',
    causeEn: 'enc_data was set but enc_info was empty (refused by the module before any network call).',
    fix: '결제창이 채운 enc_info를 그대로 전달', fixEn: 'Pass enc_info exactly as the payment window filled it.', source: 'protocol',
  },
  {
    code: '9562', message: '연동 오류', messageEn: 'integration error: tran_cd missing', category: 'input_invalid',
    cause: '결제창(Payplus Plugin)이 설치되지 않았거나 tran_cd가 비어 있음 (샘플 페이지가 만드는 코드)',
    causeEn: 'The payment window plugin did not run or tran_cd is empty (set by the sample pages, not by pp_cli).',
    fix: '주문 폼에 tran_cd 자리(빈 hidden 필드)를 두고 결제창 호출 JS가 로드되는지 확인',
    fixEn: 'Keep the empty tran_cd hidden field in the order form and make sure the payment-window JS loads.',
    source: 'protocol',
  },
  {
    code: '9551', message: '초기화 함수를 호출하지 않았습니다.', messageEn: 'library not initialised (mf_init not called)',
    category: 'module_unavailable', cause: 'Java 샘플 라이브러리에서 mf_init 호출 누락', causeEn: 'Java sample library: mf_init was not called.',
    fix: '라이브러리 초기화 순서 확인', fixEn: 'Call the initialisation first.', source: 'protocol',
  },
  {
    code: '3014', message: '미등록 가맹점', messageEn: 'merchant not registered', category: 'config_invalid',
    cause: 'site_cd는 실결제인데 호출 JS가 테스트(또는 반대), site_cd를 소문자로 입력, site_key가 잘못됨(따옴표 누락, 끝의 __ 누락)',
    causeEn: 'A REAL site_cd with the TEST payment-window JS (or the reverse), a lower-case site_cd, or a malformed site_key (missing quote or the trailing "__").',
    fix: 'site_cd(대문자)·JS URL·게이트웨이를 모두 테스트 또는 모두 실결제로 맞추고, site_key는 연동 메일에서 복사',
    fixEn: 'Make site_cd (upper case), the JS URL and the gateway host all TEST or all REAL, and copy site_key from KCP\'s integration e-mail.',
    source: 'manual',
  },
  {
    code: '8001', message: '사이트 DB 설정 오류', messageEn: 'site database configuration error', category: 'config_invalid',
    cause: '실결제 site_cd와 실결제 JS인데 게이트웨이가 testpaygw.kcp.co.kr',
    causeEn: 'A REAL site_cd and REAL JS, but the gateway host is testpaygw.kcp.co.kr.',
    fix: 'g_conf_gw_url을 paygw.kcp.co.kr로 (JS와 게이트웨이를 항상 함께 전환)',
    fixEn: 'Set g_conf_gw_url to paygw.kcp.co.kr (switch JS URL and gateway together).',
    source: 'manual',
  },
  {
    code: '7504', message: '기타 오류', messageEn: 'other error', category: 'connection_failed',
    cause: 'telnet으로 게이트웨이 포트에 접속했을 때 받는 응답: 포트가 열려 있다는 뜻',
    causeEn: 'What the gateway answers a bare telnet connection: it proves the port is reachable.',
    fix: '접속 점검에서는 정상 신호', fixEn: 'In a connectivity check this is the healthy answer.', source: 'manual',
  },
  {
    code: '8059', message: '포맷에러(지불정보-공통:결제금액 불일치)', messageEn: 'format error (payment common: amount mismatch)',
    category: 'amount_mismatch',
    cause: 'ordr_mony(가맹점 DB 금액)와 결제창에서 암호화된 금액이 다름: 금액 위변조 방지가 동작한 것',
    causeEn: 'ordr_mony (the amount in the merchant database) differs from the amount encrypted by the payment window: the tamper check worked.',
    fix: '주문 금액을 다시 확인하고 새 주문으로 결제', fixEn: 'Re-check the order amount and start a new payment.', source: 'manual',
  },
  {
    code: '8169', message: '무이자 정보 불일치', messageEn: 'interest-free instalment information mismatch', category: 'gateway_refused',
    cause: 'kcp_noint_quota에 가맹점 관리자에 설정된 무이자 기간보다 긴 개월을 넣고 고객이 그 개월을 선택함',
    causeEn: 'kcp_noint_quota offered more interest-free months than the merchant admin allows and the buyer chose one of them.',
    fix: 'kcp_noint_quota를 관리자 페이지의 무이자 설정 이내로 맞춤', fixEn: 'Keep kcp_noint_quota within the interest-free months set in the merchant admin.',
    source: 'manual',
  },
  {
    code: '8105', message: '포맷에러(지불|신용카드|금액)', resEnMsg: 'format error(payment l credit card l amount)',
    messageEn: 'format error (payment | credit card | amount)', category: 'input_invalid',
    cause: '신용카드 결제 금액 형식 오류', causeEn: 'The card payment amount is malformed.',
    fix: 'good_mny/ordr_mony가 숫자만인지 확인', fixEn: 'Make sure good_mny / ordr_mony are digits only.', source: 'protocol',
  },
  {
    code: '8102', message: '신용카드 거래 불가 가맹점', messageEn: 'merchant cannot take credit-card payments', category: 'gateway_refused',
    cause: '가맹점이 신용카드 거래 계약 상태가 아님', causeEn: 'The merchant is not enabled for card payments.',
    fix: 'KCP와 계약 상태 확인', fixEn: 'Check the contract with KCP.', source: 'protocol',
  },
  {
    code: '8108', message: '카드번호 오류', messageEn: 'card number error', category: 'gateway_refused',
    cause: '카드번호가 잘못됨', causeEn: 'The card number is wrong.', fix: '고객이 카드번호 확인 후 재시도', fixEn: 'The buyer should check the card number.',
    source: 'protocol',
  },
  {
    code: 'CC72', message: '카드사 TIME-OUT', messageEn: 'card company time-out', category: 'outcome_unknown',
    cause: '카드사 응답 시간 초과: 카드사가 승인했을 수 있음', causeEn: 'The card company did not answer in time: it may have approved the charge.',
    fix: '거래 상태를 조회한 뒤 재시도', fixEn: 'Query the transaction (or check KCP\'s admin) before any retry.', source: 'protocol',
  },
  {
    code: '8133', message: undefined, messageEn: 'already cancelled', category: 'already_cancelled',
    cause: '이미 취소된 거래', causeEn: 'The transaction is already cancelled.', fix: '취소를 반복하지 말 것', fixEn: 'Do not cancel again.',
    source: 'ecosystem',
  },
  {
    code: '8038', message: undefined, messageEn: 'partial-cancel rule violated', category: 'input_invalid',
    cause: '부분취소 이후 남은 금액을 전체취소로 요청함', causeEn: 'After a partial cancel the remainder was requested as a full cancel.',
    fix: '남은 금액은 부분취소(mod_mny=rem_mny)로 요청', fixEn: 'Cancel the remainder as a partial cancel with mod_mny = rem_mny.',
    source: 'ecosystem',
  },
  {
    code: '8094', message: '중복 거래요청(스마트폰)', messageEn: 'duplicate transaction request (smartphone)', category: 'duplicate_order',
    cause: '같은 주문번호로 다시 결제 요청', causeEn: 'The same order number was submitted again.', fix: '주문을 조회해 이미 결제됐는지 확인하고, 새 결제는 새 주문번호로',
    fixEn: 'Look the order up (it may already be paid); use a new order number for a new payment.', source: 'protocol',
  },
  {
    code: '8128', message: '신용카드 중복거래 요청 거절', messageEn: 'duplicate card transaction refused', category: 'duplicate_order',
    cause: '같은 주문번호로 신용카드 결제 재요청', causeEn: 'A card payment was requested again for the same order number.',
    fix: '주문을 조회해 이미 결제됐는지 확인하고, 새 결제는 새 주문번호로', fixEn: 'Look the order up (it may already be paid); use a new order number for a new payment.',
    source: 'protocol',
  },
  {
    code: '8739', message: '계좌이체 승인 불가(주문번호 중복 거래)', messageEn: 'bank transfer refused (duplicate order number)',
    category: 'duplicate_order', cause: '같은 주문번호로 계좌이체 재요청', causeEn: 'A bank transfer was requested again for the same order number.',
    fix: '주문을 조회해 이미 결제됐는지 확인하고, 새 결제는 새 주문번호로', fixEn: 'Look the order up (it may already be paid); use a new order number for a new payment.',
    source: 'protocol',
  },
  {
    code: '8338', message: '주문번호 중복 거래(가상계좌)', messageEn: 'duplicate order number (virtual account)', category: 'duplicate_order',
    cause: '같은 주문번호로 가상계좌 재발급 요청', causeEn: 'A virtual account was requested again for the same order number.',
    fix: '이미 발급된 계좌를 안내하거나 새 주문번호 사용', fixEn: 'Show the account already issued, or use a new order number.', source: 'protocol',
   
  },
  {
    code: 'QP97', message: '주문번호 중복체크(페이코)', messageEn: 'duplicate order number check (PAYCO)', category: 'duplicate_order',
    cause: '같은 주문번호로 페이코 결제 재요청', causeEn: 'A PAYCO payment was requested again for the same order number.',
    fix: '주문을 조회해 이미 결제됐는지 확인하고, 새 결제는 새 주문번호로', fixEn: 'Look the order up (it may already be paid); use a new order number for a new payment.',
    source: 'protocol',
  },
];

export const RESULT_CODES: readonly ResultCodeInfo[] = Object.freeze(
  ENTRIES.map((e) => Object.freeze({ ...e, resEnMsg: e.resEnMsg, duplicateOrder: e.category === 'duplicate_order' })),
);

const byCode = new Map(RESULT_CODES.map((r) => [r.code, r]));

/** What a res_cd means and how to fix it; undefined for codes no source documents. */
export function lookupResultCode(resCd: string): ResultCodeInfo | undefined {
  return byCode.get(resCd.trim().toUpperCase());
}

/**
 * The one classifier of KCP result codes: a code's category in the table; 'gateway_refused' (a decline) for a code the
 * table does not list. Success is isSuccessCode's (V000 depends on the method); every caller classifies through here.
 */
export function classifyResultCode(resCd: string): ResultCategory {
  return lookupResultCode(resCd)?.category ?? 'gateway_refused';
}

/** True for the codes KCP answers when an order number was already used (8094, 8128, 8739, 8338, QP97). */
export function isDuplicateOrderCode(resCd: string): boolean {
  return classifyResultCode(resCd) === 'duplicate_order';
}

/**
 * Whether an answer is a success: 0000 always; V000 only for a virtual-account approval, where KCP's revised guide
 * answers it for a successful issue (docs/pp-cli-protocol.md §2.7; the only source is one 2026 gnuboard commit, so it is
 * accepted nowhere else). This is the one success rule: PayPlus and every caller use it.
 */
export function isSuccessCode(resCd: string, context: { vbankApproval?: boolean } = {}): boolean {
  const code = resCd.trim();
  return code === '0000' || (context.vbankApproval === true && code === 'V000');
}

/**
 * KCP's answer to a cancel of something already cancelled: the cancel's goal is reached, so recovery counts it as
 * cancelled. 8133 is the code the simulator answers (the real code is not documented publicly; see lib/sim/README.md).
 */
export function isAlreadyCancelledCode(resCd: string): boolean {
  return classifyResultCode(resCd) === 'already_cancelled';
}
