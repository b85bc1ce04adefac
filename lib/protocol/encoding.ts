/**
 * Text ↔ bytes for pp_cli.
 *
 * pp_cli reads and writes EUC-KR (KS X 1001). iconv-lite's 'euc-kr' is really CP949 (Microsoft's superset, with 8,822
 * extra Hangul in lead bytes 0x81–0xC6), and it replaces unmappable characters with '?'. KCP's module converts with
 * glibc's strict EUC-KR, so a CP949-only syllable such as 뷁 would be corrupted or refused there. We therefore encode
 * strictly — every non-ASCII character must become two bytes in 0xA1–0xFE — and refuse anything else, naming the field
 * and the character. Output is decoded as CP949 (a superset, so nothing KCP sends is lost).
 */
import iconv from 'iconv-lite';
import { KcpInputError } from '../errors.js';

export type TextEncoding = 'euc-kr' | 'utf-8';

/** True when every character is 7-bit ASCII (then EUC-KR and UTF-8 bytes are identical). */
export function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text);
}

function describe(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `'${ch}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * Encode one non-ASCII character as strict EUC-KR, or return undefined when KS X 1001 has no such character.
 */
export function encodeEucKrChar(ch: string): Buffer | undefined {
  const bytes = iconv.encode(ch, 'cp949');
  if (bytes.length !== 2) return undefined;
  const [lead, trail] = [bytes[0]!, bytes[1]!];
  if (lead < 0xa1 || lead > 0xfe || trail < 0xa1 || trail > 0xfe) return undefined;
  return bytes;
}

/** Encode `text` as strict EUC-KR. Throws KcpInputError naming `field` and the first character outside KS X 1001. */
export function encodeEucKr(text: string, field: string): Buffer {
  if (isAscii(text)) return Buffer.from(text, 'latin1');
  const parts: Buffer[] = [];
  let ascii = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      ascii += ch;
      continue;
    }
    const bytes = encodeEucKrChar(ch);
    if (bytes === undefined) {
      throw new KcpInputError(
        `${field}: the character ${describe(ch)} is not in EUC-KR (KS X 1001), so pp_cli cannot carry it; ` +
          `replace it (CP949-only Hangul such as 뷁 and emoji are not allowed)`,
        { field },
      );
    }
    if (ascii) {
      parts.push(Buffer.from(ascii, 'latin1'));
      ascii = '';
    }
    parts.push(bytes);
  }
  if (ascii) parts.push(Buffer.from(ascii, 'latin1'));
  return Buffer.concat(parts);
}

/** Encode for pp_cli: strict EUC-KR, or UTF-8 (opt=1; still checked, since pp_cli 2.14 converts to EUC-KR itself). */
export function encodeText(text: string, field: string, encoding: TextEncoding): Buffer {
  if (encoding === 'euc-kr') return encodeEucKr(text, field);
  encodeEucKr(text, field); // same character rule: pp_cli converts UTF-8 to strict EUC-KR internally
  return Buffer.from(text, 'utf8');
}

/** Byte length of `text` as KCP counts it (EUC-KR), with the same strict check. */
export function eucKrByteLength(text: string, field: string): number {
  return encodeEucKr(text, field).length;
}

/** Decode bytes from pp_cli: CP949 (superset of EUC-KR) or UTF-8 when opt=1 was used. */
export function decodeText(bytes: Buffer, encoding: TextEncoding): string {
  return encoding === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, 'cp949');
}
