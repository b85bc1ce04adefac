/** Decoding a common_return POST body: the shared form decoder, with notification errors. */
import { charsetFromContentType as formCharset, decodeFormBody, type DecodedBody, type FormCharset } from '../http/form.js';

export type NotificationCharset = FormCharset;
export type { DecodedBody };

const NOTIFICATION = { what: 'Notification body', code: 'notification_rejected' } as const;

/** The charset a Content-Type names, if any. Unknown charsets are refused rather than guessed. */
export function charsetFromContentType(contentType: string | undefined): NotificationCharset | undefined {
  return formCharset(contentType, NOTIFICATION);
}

/** Turns a body (raw bytes, a string, or an already-parsed record) into fields. */
export function decodeNotificationBody(
  body: Buffer | Uint8Array | string | Readonly<Record<string, unknown>>,
  contentType?: string,
): DecodedBody {
  return decodeFormBody(body, contentType, NOTIFICATION);
}
