/**
 * What a payment window handed back, before anything is sent to pp_cli. KCP's windows (standard web and smartphone)
 * report the buyer's own exit with a non-0000 res_cd — 3001 사용자 취소 when the buyer closes the window — and no
 * tran_cd/enc_data: that is not a payment error, the order simply stays payable. Only a completed window goes on to
 * processPayment.
 */

/** KCP's user-cancel code: the buyer closed the payment window. */
export const USER_CANCEL_RES_CD = '3001';
export const USER_CANCEL_RES_MSG = '사용자 취소';

export type WindowResult =
  /** The window finished (res_cd 0000, or a plug-in page that posts no res_cd): approve with processPayment. */
  | { readonly status: 'completed' }
  /** The buyer closed the window (3001). Nothing was sent to pp_cli; the order is still payable. */
  | { readonly status: 'user_cancelled'; readonly resCd: string; readonly resMsg: string }
  /** The window itself failed with another res_cd. Nothing was sent to pp_cli; the buyer may try again. */
  | { readonly status: 'window_failed'; readonly resCd: string; readonly resMsg: string };

/** Reads res_cd/res_msg of a window's post (pp_ax_hub or the smartphone Ret_URL). */
export function readWindowResult(form: Readonly<Record<string, string | undefined>>): WindowResult {
  const resCd = (form.res_cd ?? '').trim();
  if (resCd === '' || resCd === '0000') return { status: 'completed' };
  const resMsg = (form.res_msg ?? '').trim();
  if (resCd === USER_CANCEL_RES_CD) return { status: 'user_cancelled', resCd, resMsg: resMsg || USER_CANCEL_RES_MSG };
  return { status: 'window_failed', resCd, resMsg };
}
