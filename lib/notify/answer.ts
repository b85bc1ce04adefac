/**
 * The page KCP expects back from common_return. KCP reads the hidden `result` field: 0000 means
 * processed; anything else makes it send the same notification again (up to 10 times within 24 hours).
 * So 0000 must only go out after the merchant's own processing succeeded.
 */
import { KcpInputError } from '../errors.js';

export const NOTIFICATION_OK = '0000';
/** What we answer when processing failed, so that KCP re-sends. */
export const NOTIFICATION_RETRY = '9999';

/** `true` → result 0000, `false` → 9999, or an explicit 4-character result code. */
export function notificationAnswer(ok: boolean | string): string {
  const result = ok === true ? NOTIFICATION_OK : ok === false ? NOTIFICATION_RETRY : ok;
  if (typeof result !== 'string' || !/^[0-9A-Za-z]{4}$/.test(result)) {
    throw new KcpInputError(`result must be 4 letters or digits (0000 = processed); got ${JSON.stringify(ok)}.`, { field: 'result' });
  }
  return `<html><body><form><input type="hidden" name="result" value="${result}"></form></body></html>`;
}
