/**
 * Strict EUC-KR (KS X 1001) byte counting.
 *
 * KCP counts field lengths in EUC-KR bytes (good_name: 30 bytes = 15 Hangul syllables). iconv-lite's
 * "euc-kr" is really CP949, which also encodes the 8,822 Unified-Hangul-Code syllables (똠, 뷁, …) that
 * plain EUC-KR does not have; a module or window that decodes strictly turns those into garbage. So we
 * accept a character only when CP949 gives it two bytes both in 0xA1–0xFE (the KS X 1001 plane), or
 * when it is ASCII, and report the first one that is not.
 */
import iconv from 'iconv-lite';

export interface NonKsX1001Character {
  readonly char: string;
  /** Position in code points (what a person counts), 0-based. */
  readonly index: number;
  readonly codePoint: number;
}

/** The EUC-KR byte length of one character, or undefined when KS X 1001 has no such character. */
function charByteLength(char: string): number | undefined {
  const cp = char.codePointAt(0)!;
  if (cp < 0x80) return 1;
  const bytes = iconv.encode(char, 'cp949');
  if (bytes.length !== 2) return undefined;
  const [lead, trail] = [bytes[0]!, bytes[1]!];
  return lead >= 0xa1 && lead <= 0xfe && trail >= 0xa1 && trail <= 0xfe ? 2 : undefined;
}

/** The first character of `text` that strict EUC-KR cannot encode, if any. */
export function findNonKsX1001(text: string): NonKsX1001Character | undefined {
  let index = 0;
  for (const char of text) {
    if (charByteLength(char) === undefined) return { char, index, codePoint: char.codePointAt(0)! };
    index += 1;
  }
  return undefined;
}

/** EUC-KR byte length of `text`; characters outside KS X 1001 count as undefined → returns undefined. */
export function eucKrByteLength(text: string): number | undefined {
  let total = 0;
  for (const char of text) {
    const n = charByteLength(char);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/** `U+AC00` style notation, for error messages. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
