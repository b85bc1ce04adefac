/**
 * How lib/config reports a bad setting: one KcpConfigError whose message always says which field,
 * what is wrong, how to fix it and, when KCP documents one, the res_cd the gateway would answer.
 * Merchants meet these errors at start-up instead of as a cryptic code on the first payment.
 */
import { KcpConfigError } from '../errors.js';

/** A KCP answer a misconfiguration leads to (the manual's FAQ, docs/kcp-manual.md §6). */
export interface KcpConsequence {
  readonly resCd: string;
  readonly resMsg: string;
}

export const RES_3014: KcpConsequence = { resCd: '3014', resMsg: '미등록 가맹점' };
export const RES_8001: KcpConsequence = { resCd: '8001', resMsg: '사이트 DB 설정 오류' };

/**
 * Builds the standard message `<field>: <problem>. Fix: <fix>. [KCP answers res_cd=<code> (<msg>) to this.]`
 * The consequence goes into the message only: resCd on a KcpError means the gateway really answered.
 */
export function configError(
  field: string,
  problem: string,
  fix: string,
  consequence?: KcpConsequence,
): KcpConfigError {
  const tail = consequence
    ? ` Left as is, KCP answers res_cd=${consequence.resCd} (${consequence.resMsg}).`
    : '';
  return new KcpConfigError(`${field}: ${problem}. Fix: ${fix}.${tail}`, { field });
}
