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

/** `U+AC00` style notation, for error messages. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A character found in a value, for messages: `position` counts code points from 1, as a person counts. */
export interface CharAt {
  readonly char: string;
  readonly position: number;
  readonly codePoint: number;
}

/** The first character of `text` for which `test` holds, with its 1-based position in code points. */
export function findChar(text: string, test: (char: string, codePoint: number) => boolean): CharAt | undefined {
  let position = 0;
  for (const char of text) {
    position += 1;
    const codePoint = char.codePointAt(0)!;
    if (test(char, codePoint)) return { char, position, codePoint };
  }
  return undefined;
}

function describe(ch: string): string {
  return `'${ch}' (${formatCodePoint(ch.codePointAt(0) ?? 0)})`;
}

/**
 * KS X 1001 as a table, built once: every two-byte code with lead and trail byte in 0xA1–0xFE, keyed by the character
 * it decodes to. Looking characters up here keeps encoding linear and cheap on long text (30,000 Hangul).
 */
let table: Map<string, number> | undefined;
function eucKrTable(): Map<string, number> {
  if (table) return table;
  table = new Map();
  const row = Buffer.alloc(94 * 2);
  for (let lead = 0xa1; lead <= 0xfe; lead++) {
    for (let i = 0; i < 94; i++) {
      row[2 * i] = lead;
      row[2 * i + 1] = 0xa1 + i;
    }
    // One decode per row when the row is fully mapped (Hangul and Hanja rows), else one per code.
    const chars = iconv.decode(row, 'cp949');
    for (let i = 0; i < 94; i++) {
      const code = (lead << 8) | (0xa1 + i);
      const ch = chars.length === 94 ? chars[i]! : iconv.decode(row.subarray(2 * i, 2 * i + 2), 'cp949');
      if (ch.length !== 1 || ch === '\ufffd') continue;
      if (chars.length !== 94 && iconv.encode(ch, 'cp949').readUInt16BE(0) !== code) continue;
      table.set(ch, code);
    }
    if (chars.length === 94) {
      const back = iconv.encode(chars, 'cp949');
      for (let i = 0; i < 94; i++) {
        const code = (lead << 8) | (0xa1 + i);
        if (back.length !== row.length || back.readUInt16BE(2 * i) !== code) table.delete(chars[i]!);
      }
    }
  }
  return table;
}

/**
 * Encode one non-ASCII character as strict EUC-KR, or return undefined when KS X 1001 has no such character.
 */
export function encodeEucKrChar(ch: string): Buffer | undefined {
  const code = eucKrTable().get(ch);
  return code === undefined ? undefined : Buffer.from([code >> 8, code & 0xff]);
}

function refuse(field: string, ch: string): never {
  throw new KcpInputError(
    `${field}: the character ${describe(ch)} is not in EUC-KR (KS X 1001), so pp_cli cannot carry it; ` +
      `replace it (CP949-only Hangul such as 뷁 and emoji are not allowed)`,
    { field },
  );
}

/** Encode `text` as strict EUC-KR. Throws KcpInputError naming `field` and the first character outside KS X 1001. */
export function encodeEucKr(text: string, field: string): Buffer {
  if (isAscii(text)) return Buffer.from(text, 'latin1');
  const codes = eucKrTable();
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    const code = codes.get(ch);
    if (code === undefined) refuse(field, ch);
    out[n++] = code >> 8;
    out[n++] = code & 0xff;
  }
  return Buffer.from(out.subarray(0, n));
}

/**
 * The first character of `text` that strict EUC-KR (KS X 1001) cannot encode, if any: for callers that word their own
 * message (the order form). The character rule is encodeEucKr's: ASCII, or two bytes in the KS X 1001 plane.
 */
export function findNonKsX1001(text: string): CharAt | undefined {
  if (isAscii(text)) return undefined;
  const codes = eucKrTable();
  return findChar(text, (char, cp) => cp >= 0x80 && !codes.has(char));
}

/** Throws like encodeEucKr when `text` has a character outside KS X 1001; otherwise returns its EUC-KR byte length. */
export function assertEucKr(field: string, text: string): number {
  if (isAscii(text)) return text.length;
  const codes = eucKrTable();
  let bytes = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes += 1;
    else if (codes.has(ch)) bytes += 2;
    else refuse(field, ch);
  }
  return bytes;
}

/** Encode for pp_cli: strict EUC-KR, or UTF-8 (opt=1; still checked, since pp_cli 2.14 converts to EUC-KR itself). */
export function encodeText(text: string, field: string, encoding: TextEncoding): Buffer {
  if (encoding === 'euc-kr') return encodeEucKr(text, field);
  encodeEucKr(text, field); // same character rule: pp_cli converts UTF-8 to strict EUC-KR internally
  return Buffer.from(text, 'utf8');
}

/**
 * Byte length of `text` as KCP counts it (EUC-KR: ASCII 1, KS X 1001 2), with the same strict check: the one byte
 * counter (throws KcpInputError naming `field` for a character outside KS X 1001; use findNonKsX1001 first to word
 * that case yourself).
 */
export function eucKrByteLength(text: string, field: string): number {
  return assertEucKr(field, text);
}

/** Decode bytes from pp_cli: CP949 (superset of EUC-KR) or UTF-8 when opt=1 was used. */
export function decodeText(bytes: Buffer, encoding: TextEncoding): string {
  return encoding === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, 'cp949');
}
