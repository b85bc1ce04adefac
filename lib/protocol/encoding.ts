/**
 * Text ↔ bytes for pp_cli.
 *
 * What KCP's module carries depends on `opt` (docs/pp-cli-protocol.md §1.5, §10):
 * - opt=0 (the native runner): the argument's bytes go to KCP as they are. Korean browsers send CP949 for EUC-KR pages
 *   (KS X 1001 plus the 8,822 Hangul syllables Microsoft added in lead bytes 0x81–0xC6, such as 똠, 햏, 뷁), KCP's own
 *   PHP samples pass those bytes straight through, and the real module carries them exactly. So opt=0 text is
 *   encoded as CP949 (encodeCp949), and only characters CP949 lacks (emoji, most symbols) are refused.
 * - opt=1 (UTF-8 arguments, the execa runner): pp_cli converts with glibc's strict EUC-KR (KS X 1001) and turns
 *   anything else into '?'. There a character outside KS X 1001 is refused, naming the field (encodeEucKr).
 * - ㉾ (U+327E, KS X 1001:2002's postal mark) is the one character glibc's EUC-KR has (0xA2E8) and CP949 lacks.
 *   Decision: refused in both, because nothing downstream reads it back: KCP's answers are decoded as CP949 here, and
 *   0xA2E8 would come back as U+FFFD; the table below is built from CP949, so it is not in it.
 *
 * iconv-lite's 'euc-kr' is really CP949, and it replaces unmappable characters with '?'; the tables here are built
 * once from it and checked by round trip, and nothing is ever replaced silently. Output is decoded as CP949.
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
 * CP949's Hangul beyond KS X 1001, keyed by character: the modern syllables U+AC00–U+D7A3 that KS X 1001 lacks (8,822,
 * lead bytes 0x81–0xC6), built once with one encode and checked by round trip.
 */
let extended: Map<string, number> | undefined;
function cp949ExtendedHangul(): Map<string, number> {
  if (extended) return extended;
  extended = new Map();
  const ks = eucKrTable();
  const chars: string[] = [];
  for (let cp = 0xac00; cp <= 0xd7a3; cp++) {
    const ch = String.fromCharCode(cp);
    if (!ks.has(ch)) chars.push(ch);
  }
  const bytes = iconv.encode(chars.join(''), 'cp949');
  if (bytes.length !== chars.length * 2) throw new Error('iconv-lite cp949 does not map every Hangul syllable to two bytes');
  const back = iconv.decode(bytes, 'cp949');
  chars.forEach((ch, i) => {
    const code = bytes.readUInt16BE(2 * i);
    if (back[i] === ch && code >> 8 >= 0x81 && code >> 8 <= 0xc6) extended!.set(ch, code);
  });
  return extended;
}

/** The CP949 code of a non-ASCII character (KS X 1001 or CP949's extended Hangul), or undefined. */
function cp949Code(ch: string): number | undefined {
  return eucKrTable().get(ch) ?? cp949ExtendedHangul().get(ch);
}

/**
 * Encode one non-ASCII character as strict EUC-KR, or return undefined when KS X 1001 has no such character.
 */
export function encodeEucKrChar(ch: string): Buffer | undefined {
  const code = eucKrTable().get(ch);
  return code === undefined ? undefined : Buffer.from([code >> 8, code & 0xff]);
}

/** U+327E ㉾: in glibc's EUC-KR (0xA2E8), not in CP949 (see the decision above). */
const POSTAL_MARK = '\u327e';

/** Strict EUC-KR's refusal (encodeEucKr, eucKrByteLength: the order form's rule for KCP's window). */
function refuse(field: string, ch: string): never {
  throw new KcpInputError(
    `${field}: the character ${describe(ch)} is not in EUC-KR (KS X 1001), so pp_cli cannot carry it; ` +
      `replace it (CP949-only Hangul such as 뷁 and emoji are not allowed)`,
    { field },
  );
}

/** opt=1's refusal: pp_cli converts UTF-8 to KS X 1001 and makes '?' of the rest. */
function refuseUnderOpt1(field: string, ch: string): never {
  if (ch === POSTAL_MARK) refusePostalMark(field);
  if (cp949ExtendedHangul().has(ch)) {
    throw new KcpInputError(
      `${field}: the character ${describe(ch)} is CP949 Hangul outside EUC-KR (KS X 1001); with opt=1 (UTF-8 arguments) ` +
        `pp_cli turns it into '?'. Use the native runner, whose opt=0 carries its CP949 bytes exactly (build it with ` +
        `'npm rebuild kcp-payplus'), or replace the character`,
      { field },
    );
  }
  throw new KcpInputError(
    `${field}: the character ${describe(ch)} is not in EUC-KR (KS X 1001), so pp_cli cannot carry it; ` +
      `replace it (emoji and symbols outside KS X 1001 are not allowed)`,
    { field },
  );
}

function refusePostalMark(field: string): never {
  throw new KcpInputError(
    `${field}: the character '㉾' (U+327E) is in glibc's EUC-KR but not in CP949, in which KCP's answers are read, so ` +
      `it would not come back as written; write '우' or '우편' instead`,
    { field },
  );
}

/** opt=0's refusal: not even CP949 has the character. */
function refuseCp949(field: string, ch: string): never {
  if (ch === POSTAL_MARK) refusePostalMark(field);
  throw new KcpInputError(
    `${field}: the character ${describe(ch)} is not in EUC-KR (KS X 1001) nor in CP949's extended Hangul, so pp_cli ` +
      `cannot carry it; replace it (emoji and symbols outside KS X 1001 are not allowed)`,
    { field },
  );
}

/**
 * Encode `text` as CP949, what pp_cli carries under opt=0: ASCII, KS X 1001 and CP949's extended Hangul (똠, 햏, 뷁).
 * Throws KcpInputError naming `field` and the first character CP949 lacks.
 */
export function encodeCp949(text: string, field: string): Buffer {
  return encodeDoubleByte(text, cp949Code, (ch) => refuseCp949(field, ch));
}

/** Encode `text` as strict EUC-KR. Throws KcpInputError naming `field` and the first character outside KS X 1001. */
export function encodeEucKr(text: string, field: string): Buffer {
  if (isAscii(text)) return Buffer.from(text, 'latin1');
  const codes = eucKrTable();
  return encodeDoubleByte(text, (ch) => codes.get(ch), (ch) => refuse(field, ch));
}

/** ASCII as one byte, every other character as the two bytes `codeOf` gives; `refuse` throws for one it lacks. */
function encodeDoubleByte(text: string, codeOf: (ch: string) => number | undefined, refuse: (ch: string) => never): Buffer {
  if (isAscii(text)) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    const code = codeOf(ch) ?? refuse(ch);
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

/**
 * Throws like encodeCp949 when `text` has a character pp_cli cannot carry under any opt (outside CP949); otherwise
 * returns its byte length as KCP counts it (ASCII 1, every other character 2). Setters check with this before the
 * runner, and so opt, is known; under opt=1 the option string is checked strictly once more (encodeText).
 */
export function assertEucKr(field: string, text: string): number {
  if (isAscii(text)) return text.length;
  let bytes = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes += 1;
    else if (cp949Code(ch) !== undefined) bytes += 2;
    else refuseCp949(field, ch);
  }
  return bytes;
}

/**
 * Encode for pp_cli: CP949 bytes under opt=0 ('euc-kr': the module passes them on unchanged), or UTF-8 under opt=1,
 * checked against strict EUC-KR first, since pp_cli 2.14 converts UTF-8 to KS X 1001 itself and makes '?' of the rest.
 */
export function encodeText(text: string, field: string, encoding: TextEncoding): Buffer {
  if (encoding === 'euc-kr') return encodeCp949(text, field);
  const bad = findNonKsX1001(text);
  if (bad) refuseUnderOpt1(field, bad.char);
  return Buffer.from(text, 'utf8');
}

/**
 * Byte length of `text` in strict EUC-KR (ASCII 1, KS X 1001 2), the order form's counter for KCP's window: throws
 * KcpInputError naming `field` for a character outside KS X 1001 (use findNonKsX1001 first to word that case yourself).
 * What pp_cli carries is counted by assertEucKr (CP949).
 */
export function eucKrByteLength(text: string, field: string): number {
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

/** Decode bytes from pp_cli: CP949 (superset of EUC-KR) or UTF-8 when opt=1 was used. */
export function decodeText(bytes: Buffer, encoding: TextEncoding): string {
  return encoding === 'utf-8' ? bytes.toString('utf8') : decodeCp949(bytes);
}

/** KS X 1001's Hangul block: lead bytes 0xB0–0xC8, trail bytes 0xA1–0xFE, 2,350 syllables. */
const HANGUL_FIRST_LEAD = 0xb0;
const HANGUL_LEADS = 25;

/**
 * The characters of KS X 1001's Hangul block in code order, from one iconv-lite decode of the whole block (so each is
 * what iconv-lite decodes its code to), or '' when that decode is not one character per code.
 */
let hangulBlock: string | undefined;
function ksHangul(): string {
  if (hangulBlock !== undefined) return hangulBlock;
  const codes = Buffer.alloc(HANGUL_LEADS * 94 * 2);
  for (let i = 0; i < HANGUL_LEADS * 94; i++) {
    codes[2 * i] = HANGUL_FIRST_LEAD + Math.floor(i / 94);
    codes[2 * i + 1] = 0xa1 + (i % 94);
  }
  const chars = iconv.decode(codes, 'cp949');
  return (hangulBlock = chars.length === HANGUL_LEADS * 94 && !chars.includes('\ufffd') ? chars : '');
}

/**
 * CP949 bytes as text, exactly as iconv-lite decodes them. The text of a KCP answer — ASCII and KS X 1001 Hangul — is
 * read here; anything else (other two-byte codes, a lead byte without its pair, a byte CP949 does not use) hands the
 * whole text to iconv-lite, whose tables and replacements then apply.
 */
function decodeCp949(bytes: Buffer): string {
  // The code units are read back as UTF-16LE: a big-endian host (s390x) holds them the other way round.
  if (!LITTLE_ENDIAN) return iconv.decode(bytes, 'cp949');
  const units = new Uint16Array(bytes.length);
  let n = 0;
  let hangul: string | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units[n++] = b;
      continue;
    }
    const t = bytes[i + 1] ?? 0;
    hangul ??= ksHangul();
    if (b < HANGUL_FIRST_LEAD || b >= HANGUL_FIRST_LEAD + HANGUL_LEADS || t < 0xa1 || t > 0xfe || hangul === '') {
      return iconv.decode(bytes, 'cp949');
    }
    units[n++] = hangul.charCodeAt((b - HANGUL_FIRST_LEAD) * 94 + (t - 0xa1));
    i++;
  }
  return UTF16LE.decode(units.subarray(0, n));
}

const UTF16LE = new TextDecoder('utf-16le');
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
