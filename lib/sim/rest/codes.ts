/**
 * res_cd values the REST simulator adds to lib/sim/codes.ts. KCP publishes no code for these situations
 * (docs/kcp-rest-api.md §6, §9), so every one is the simulator's own (source 'sim') and listed in lib/sim/README.md.
 * They start with 'R' so no KCP table code is mistaken for them; the SDK classifies them as declines.
 */
import type { SimCode } from '../codes.js';

function sim(resCd: string, resMsg: string, resEnMsg: string): SimCode {
  return { resCd, resMsg, resEnMsg, source: 'sim' };
}

export const REST_CODES = {
  /** The body is not a JSON object, or a value is not a JSON string. */
  badJson: sim('R001', '요청 전문 형식 오류', 'request is not a JSON object of strings'),
  /** A field this endpoint requires is missing or empty (ordr_mony on approval, tno, mod_type, …). */
  missing: sim('R002', '필수값 누락', 'required field missing'),
  /** kcp_cert_info is not the one-line PEM with intact markers, or does not parse. */
  certFormat: sim('R101', '인증서 형식 오류', 'kcp_cert_info is not a one-line certificate'),
  /** The certificate is not one this gateway issued to the site, or is outside its validity. */
  certInvalid: sim('R102', '인증서 검증 실패', 'certificate not valid for this site'),
  /** kcp_sign_data does not verify over site_cd^tno^<mod_type|pay_type> as sent. */
  signature: sim('R103', '서명 검증 실패', 'kcp_sign_data does not verify'),
  /** Inquiry pay_type differs from the transaction's. */
  payType: sim('R104', '결제수단 불일치', 'pay_type does not match the transaction'),
  /** Unknown or deleted batch key, or another group / site. */
  batchKey: sim('R201', '배치키 오류', 'batch key not found'),
  /** Tax split parts do not add up to mod_mny. */
  taxSplit: sim('R301', '과세/비과세 금액 오류', 'tax split does not add up'),
} as const;
