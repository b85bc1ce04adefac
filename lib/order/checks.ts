/**
 * Field checks shared by the order-form builder. Every failure is a KcpInputError whose message names
 * the KCP field and the OrderInput property, says what is wrong with the value, and how to fix it.
 */
import { KcpInputError } from '../errors.js';
import { eucKrByteLength, findNonKsX1001, formatCodePoint } from '../protocol/encoding.js';
import { amountText, describeChar, findForbiddenChar, FORBIDDEN_TEXT_DESCRIPTION } from '../protocol/validate.js';

/** A KCP form field and the OrderInput property that feeds it. */
export interface FieldRef {
  readonly kcp: string;
  readonly prop: string;
  /** Where the value came from when not the order, e.g. 'g_conf_site_name'. */
  readonly source?: string;
}

export function fieldLabel(ref: FieldRef): string {
  return `${ref.kcp} (${ref.source ?? `order.${ref.prop}`})`;
}

/** Throws the SDK's input error for one field: "<kcp> (order.<prop>) <problem>. <fix>" */
export function fail(ref: FieldRef, problem: string, fix: string): never {
  throw new KcpInputError(`${fieldLabel(ref)} ${problem}. ${fix}`, { field: ref.kcp });
}

/** Refuses the characters that break the module: KCP's list and control characters (protocol/validate.ts). */
export function checkNoForbidden(ref: FieldRef, value: string): void {
  const bad = findForbiddenChar(value);
  if (bad) {
    fail(
      ref,
      `contains ${describeChar(bad.char)} at position ${bad.position}, which breaks KCP's module`,
      `Remove it (refused in merchant text: ${FORBIDDEN_TEXT_DESCRIPTION})`,
    );
  }
}

/** Refuses characters outside KS X 1001 and values longer than `maxBytes` EUC-KR bytes. */
export function checkEucKrLength(ref: FieldRef, value: string, maxBytes: number): void {
  const bad = findNonKsX1001(value);
  if (bad) {
    fail(
      ref,
      `contains "${bad.char}" (${formatCodePoint(bad.codePoint)}) at position ${bad.position}, which EUC-KR (KS X 1001) cannot encode`,
      'Replace it with a character from KS X 1001 (the 2,350 common Hangul syllables, Hanja, ASCII)',
    );
  }
  const bytes = eucKrByteLength(value, ref.kcp); // every character is KS X 1001 by now: this counts, never throws
  if (bytes > maxBytes) {
    fail(
      ref,
      `is ${bytes} bytes in EUC-KR; KCP allows at most ${maxBytes}`,
      `Shorten it (a Hangul syllable counts 2 bytes, ASCII 1)`,
    );
  }
}

/** A merchant text field: no forbidden characters, strict EUC-KR, at most `maxBytes` bytes. */
export function checkText(ref: FieldRef, value: string, maxBytes: number): string {
  if (typeof value !== 'string') fail(ref, `must be a string; got ${typeof value}`, 'Pass text');
  checkNoForbidden(ref, value);
  checkEucKrLength(ref, value, maxBytes);
  return value;
}

/** Y/N flags: accepts 'Y', 'N' or a boolean. */
export function checkYn(ref: FieldRef, value: 'Y' | 'N' | boolean): 'Y' | 'N' {
  if (value === true || value === 'Y') return 'Y';
  if (value === false || value === 'N') return 'N';
  return fail(ref, `must be "Y" or "N" (or a boolean); got ${JSON.stringify(value)}`, 'Use "Y" to enable, "N" to disable');
}

/** A whole number within [min, max], given as a number or a string of digits. */
export function checkIntRange(ref: FieldRef, value: number | string, min: number, max: number, fix: string): number {
  const n = typeof value === 'number' ? value : /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    fail(ref, `must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`, fix);
  }
  return n;
}

/**
 * An amount: digits only, at most 12 (KCP's N 12). `allowZero` for the complex-tax parts.
 * Numbers must be safe integers; strings must not carry commas, signs, decimals or leading zeros.
 */
export function checkAmount(ref: FieldRef, value: number | string, allowZero: boolean): number {
  if (amountText(value, allowZero) === undefined) {
    fail(
      ref,
      `must be a ${allowZero ? 'non-negative' : 'positive'} whole amount written with digits only (at most 12 digits); got ${JSON.stringify(value)}`,
      'Remove commas, signs and decimals (USD amounts are in cents: $10.55 → 1055)',
    );
  }
  return Number(value);
}
