/**
 * Decoding a form POST body from KCP's side of the world: the payment window's post to pp_ax_hub and common_return
 * notifications are `application/x-www-form-urlencoded` whose percent-escapes are EUC-KR bytes by default (UTF-8 for
 * UTF-8 pages), so the body must be decoded from bytes: a framework's default UTF-8 form parser turns 홍길동 in EUC-KR
 * into replacement characters. The charset comes from the Content-Type when it names one; otherwise UTF-8 when every
 * value is valid UTF-8, else CP949 (the superset of EUC-KR that Korean servers actually produce).
 */
import { isUtf8 } from 'node:buffer';
import { decodeText } from '../protocol/encoding.js';
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

const AMP = 0x26;
const EQ = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;

/**
 * A form body's names and values percent-decoded into ONE buffer, each followed by a `&` byte, with the number of `&`
 * bytes each one decoded to (from `%26`). Every pair costs two numbers, never a Buffer or a string of its own: 64 KiB
 * of `&a` pairs is 32,768 pairs, and allocating objects per pair (as a split into Buffers does) made that cost about
 * a second of event-loop time. One pass over the bytes, so linear in the body.
 *
 * Rules (as PHP reads $_POST): pairs are split on `&`, each at its first `=` (a pair without `=` has the value ''),
 * empty pairs are skipped; `+` is a space, `%XX` a byte, a broken escape stays as written.
 */
interface FormBytes {
  /** name₀ & value₀ & name₁ & value₁ & … (decoded bytes). */
  readonly bytes: Buffer;
  /** For each name and value in order, how many `&` bytes it decoded to. */
  readonly amps: number[];
  /** Whether any decoded byte is 0x80 or above (else the text is ASCII, the same in UTF-8 and CP949). */
  readonly high: boolean;
}

function percentDecodeForm(body: Buffer): FormBytes {
  const length = body.length;
  // Each pair adds at most two `&` (name & value &), and decoding never lengthens: 2n + 2 bounds the output.
  const out = Buffer.allocUnsafe(2 * length + 2);
  const amps: number[] = [];
  let high = 0;
  let n = 0;
  let i = 0;
  while (i < length) {
    if (body[i] === AMP) {
      i += 1; // an empty pair
      continue;
    }
    let inValue = false;
    let count = 0;
    while (i < length) {
      const b = body[i]!;
      if (b === AMP) break;
      if (b === EQ && !inValue) {
        out[n++] = AMP;
        amps.push(count);
        count = 0;
        inValue = true;
        i += 1;
        continue;
      }
      let byte = b;
      if (b === PLUS) {
        byte = 0x20;
      } else if (b === PERCENT && i + 2 < length) {
        const hi = hexValue(body[i + 1]!);
        const lo = hi < 0 ? -1 : hexValue(body[i + 2]!);
        if (lo >= 0) {
          byte = hi * 16 + lo;
          i += 2;
        }
      }
      if (byte === AMP) count += 1;
      high |= byte;
      out[n++] = byte;
      i += 1;
    }
    if (!inValue) {
      // a pair without '=': its name, then an empty value
      out[n++] = AMP;
      amps.push(count);
      count = 0;
    }
    out[n++] = AMP;
    amps.push(count);
  }
  return { bytes: out.subarray(0, n), amps, high: high >= 0x80 };
}

/**
 * The fields of a FormBytes: the whole buffer is decoded at once and split back into names and values. `&` is
 * ASCII, which neither UTF-8 nor CP949 ever uses inside a multi-byte character (a lead byte before it decodes to
 * U+FFFD and the `&` stays), so every `&` byte is exactly one `&` in the text and the text splits where the bytes did.
 */
function fieldsOf(form: FormBytes, charset: FormCharset): Record<string, string> {
  // ASCII bytes are the same characters in UTF-8 and CP949: latin1 is the cheapest exact decoder for them.
  const pieces = (form.high ? decodeText(form.bytes, charset) : form.bytes.toString('latin1')).split('&');
  // A plain object, as PHP's $_POST: later duplicates overwrite earlier ones; a field named __proto__ is defined as an
  // own property (assigning it would set the object's prototype).
  const fields: Record<string, string> = {};
  const amps = form.amps;
  let p = 0;
  for (let k = 0; k < amps.length; k += 2) {
    let name = pieces[p]!;
    if (amps[k] === 0) p += 1;
    else {
      name = pieces.slice(p, p + amps[k]! + 1).join('&');
      p += amps[k]! + 1;
    }
    let value = pieces[p]!;
    if (amps[k + 1] === 0) p += 1;
    else {
      value = pieces.slice(p, p + amps[k + 1]! + 1).join('&');
      p += amps[k + 1]! + 1;
    }
    if (name === '__proto__') Object.defineProperty(fields, name, { value, writable: true, enumerable: true, configurable: true });
    else fields[name] = value;
  }
  return fields;
}

/** A form body whose charset is known, decoded into fields ('euc-kr' decodes as CP949, a superset). */
export function decodeForm(body: Buffer, charset: FormCharset): Record<string, string> {
  return fieldsOf(percentDecodeForm(body), charset);
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
  const form = percentDecodeForm(bytes);
  // Every name and value is valid UTF-8 exactly when the whole buffer is: the `&` between them is ASCII.
  const charset = charsetFromContentType(contentType, context) ?? (isUtf8(form.bytes) ? 'utf-8' : 'euc-kr');
  return { fields: fieldsOf(form, charset), charset };
}
