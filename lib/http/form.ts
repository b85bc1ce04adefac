/**
 * Decoding a form POST body from KCP's side of the world: the payment window's post to pp_ax_hub and common_return
 * notifications are `application/x-www-form-urlencoded` whose percent-escapes are EUC-KR bytes by default (UTF-8 for
 * UTF-8 pages), so the body must be decoded from bytes: a framework's default UTF-8 form parser turns 홍길동 in EUC-KR
 * into replacement characters. The charset comes from the Content-Type when it names one; otherwise UTF-8 when every
 * value is valid UTF-8, else CP949 (the superset of EUC-KR that Korean servers actually produce).
 */
import { isUtf8 } from 'node:buffer';
import { decodeText } from '../protocol/encoding.js';
import { splitBytePairs } from '../runner/wire.js';
import { kcpError, type KcpErrorCode } from '../errors.js';

export type FormCharset = 'euc-kr' | 'utf-8';

export interface DecodedBody {
  readonly fields: Readonly<Record<string, string>>;
  /** undefined when the body was already a record of strings. */
  readonly charset: FormCharset | undefined;
}

const EUC_KR_NAMES = new Set(['euc-kr', 'euckr', 'cp949', 'x-windows-949', 'windows-949', 'ks_c_5601-1987', 'uhc']);
const UTF8_NAMES = new Set(['utf-8', 'utf8']);

/** Who is decoding, for error messages and codes ('Notification body', 'notification_rejected'). */
export interface FormContext {
  what: string;
  code: KcpErrorCode;
}

const DEFAULT_CONTEXT: FormContext = { what: 'Form body', code: 'input_invalid' };

/** The charset a Content-Type names, if any. Unknown charsets are refused rather than guessed. */
export function charsetFromContentType(contentType: string | undefined, context: FormContext = DEFAULT_CONTEXT): FormCharset | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  if (EUC_KR_NAMES.has(name)) return 'euc-kr';
  if (UTF8_NAMES.has(name)) return 'utf-8';
  throw kcpError(
    context.code,
    `${context.what} charset "${match[1]}" is not supported; KCP sends EUC-KR or UTF-8.`,
    { field: 'content-type' },
  );
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** Percent-decodes form bytes: `+` is a space, `%XX` a byte, a broken escape stays as written (as PHP does). */
function percentDecode(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i]!;
    if (b === 0x2b) {
      out[n++] = 0x20;
    } else if (b === 0x25 && i + 2 < bytes.length && hexValue(bytes[i + 1]!) >= 0 && hexValue(bytes[i + 2]!) >= 0) {
      out[n++] = hexValue(bytes[i + 1]!) * 16 + hexValue(bytes[i + 2]!);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}

/** Splits a form body into raw (still encoded) name/value byte pairs; a repeated name keeps the last value. */
function splitForm(body: Buffer): Array<[Buffer, Buffer]> {
  return splitBytePairs(body, 0x26).map(([name, value]) => [percentDecode(name), percentDecode(value)]);
}

function decodePairs(pairs: Array<[Buffer, Buffer]>, charset: FormCharset): Record<string, string> {
  // fromEntries defines own properties, so a field named __proto__ cannot touch the prototype; later
  // duplicates overwrite earlier ones, like PHP's $_POST.
  return Object.fromEntries(pairs.map(([name, value]) => [decodeText(name, charset), decodeText(value, charset)]));
}

/** A form body whose charset is known, decoded into fields ('euc-kr' decodes as CP949, a superset). */
export function decodeForm(body: Buffer, charset: FormCharset): Record<string, string> {
  return decodePairs(splitForm(body), charset);
}

/** Turns a body (raw bytes, a string, or an already-parsed record) into fields. */
export function decodeFormBody(
  body: Buffer | Uint8Array | string | Readonly<Record<string, unknown>>,
  contentType?: string,
  context: FormContext = DEFAULT_CONTEXT,
): DecodedBody {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    if (body === null || typeof body !== 'object') {
      throw kcpError(context.code, `${context.what} must be bytes, a string or a record of fields.`, { field: 'body' });
    }
    const entries = Object.entries(body).map(
      ([name, value]) => [name, Array.isArray(value) ? String(value[value.length - 1] ?? '') : String(value ?? '')] as const,
    );
    return { fields: Object.fromEntries(entries), charset: undefined };
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const pairs = splitForm(bytes);
  const charset = charsetFromContentType(contentType, context) ?? (pairs.every(([k, v]) => isUtf8(k) && isUtf8(v)) ? 'utf-8' : 'euc-kr');
  return { fields: decodePairs(pairs, charset), charset };
}
