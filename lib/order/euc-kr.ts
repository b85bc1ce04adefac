/**
 * Strict EUC-KR (KS X 1001) byte counting.
 *
 * KCP counts field lengths in EUC-KR bytes (good_name: 30 bytes = 15 Hangul syllables). The character rule is
 * the protocol's (lib/protocol/encoding.ts: ASCII, or two bytes in the KS X 1001 plane); this module only counts
 * and reports the first character that fails it, without throwing, so the order form can word its own message.
 */
import { encodeEucKrChar } from '../protocol/encoding.js';

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
  return encodeEucKrChar(char)?.length;
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
