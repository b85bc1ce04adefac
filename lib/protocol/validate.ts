/**
 * Value rules for everything that goes into pp_cli's option string.
 *
 * pp_cli splits its `-h` argument on ',' with getsubopt (docs/pp-cli-protocol.md §1.5): a comma inside a value truncates it
 * and the remainder becomes a sub-option of its own, so `ordr_idxx=A,site_cd=EVIL` would override the site code.
 * Control characters would corrupt the data-set framing (US/RS/GS/FS), so only the builders place them.
 */
import { KcpInputError } from '../errors.js';
import { findChar, formatCodePoint, type CharAt } from './encoding.js';

/**
 * KCP's list of characters that break the module in merchant text (docs/kcp-manual.md §3): , & ; newline \ | ' " — the one list;
 * the order form refuses the same (lib/order/checks.ts). `,` ends a pp_cli sub-option, `&` and `;` split the form
 * posts, `|` is KCP's message separator, quotes and the backslash break the sample pages' quoting.
 */
export const FORBIDDEN_TEXT_CHARS = [',', '&', ';', '\n', '\\', '|', "'", '"'] as const;

/** The list as merchants read it in messages. */
export const FORBIDDEN_TEXT_DESCRIPTION = ', & ; \\ | \' " and control characters such as newlines';

const FORBIDDEN = new Set<string>(FORBIDDEN_TEXT_CHARS);

function isControl(codePoint: number): boolean {
  return codePoint < 0x20 || codePoint === 0x7f;
}

/**
 * The first character merchant text may not hold: one of KCP's list or any control character. Positions count code
 * points from 1 (reconciled: the order form's 1-based count was the one a person reads; this module used to report
 * 0-based UTF-16 offsets).
 */
export function findForbiddenChar(value: string): CharAt | undefined {
  return findChar(value, (char, cp) => FORBIDDEN.has(char) || isControl(cp));
}

/** How messages name a character: `"," (U+002C)`, `a newline (U+000A)`, `the control character U+001C`. */
export function describeChar(char: string): string {
  const cp = char.codePointAt(0)!;
  if (char === '\n') return `a newline (${formatCodePoint(cp)})`;
  if (char === '\r') return `a carriage return (${formatCodePoint(cp)})`;
  if (isControl(cp)) return `the control character ${formatCodePoint(cp)}`;
  return `"${char}" (${formatCodePoint(cp)})`;
}

/** No ',' in a value bound for pp_cli's option string (getsubopt splits on it). */
export function assertNoComma(field: string, value: string): void {
  const comma = findChar(value, (char) => char === ',');
  if (comma) {
    throw new KcpInputError(
      `${field}: contains ${describeChar(',')} at position ${comma.position}; pp_cli splits its option list on commas, ` +
        `so the value would be truncated and the rest read as another option. Remove the comma`,
      { field },
    );
  }
}

/** Fields that carry merchant-written free text, where KCP's forbidden characters are refused. */
export const MERCHANT_TEXT_FIELDS = new Set([
  'mod_desc',
  'good_name',
  'buyr_name',
  'buyr_mail',
  'buyr_tel1',
  'buyr_tel2',
  'rcvr_name',
  'rcvr_add1',
  'rcvr_add2',
  'rcvr_mail',
  'rcvr_tel1',
  'rcvr_tel2',
  'comment',
  'deli_corp',
  'deli_numb',
  'refund_nm',
  'site_name',
  'corp_nm',
  'corp_owner_nm',
  'corp_addr',
]);

/**
 * Check one value: no ',' (pp_cli's option separator), no control characters, and for merchant text fields none of
 * KCP's forbidden characters. Throws KcpInputError naming the field and the 1-based position.
 */
export function assertSafeValue(field: string, value: string): void {
  assertNoComma(field, value);
  const control = findChar(value, (_char, cp) => isControl(cp));
  if (control) {
    // Line breaks and tabs are refused too (lib/protocol/README.md): KCP's text fields are single-line.
    const whitespace = /[\t\n\r]/.test(control.char);
    throw new KcpInputError(
      `${field}: contains ${describeChar(control.char)} at position ${control.position}; ` +
        (whitespace
          ? `KCP's text fields are single-line and the module logs some of them raw. Replace it with a space`
          : `control characters are reserved for KCP's data-set separators. Remove it`),
      { field },
    );
  }
  if (MERCHANT_TEXT_FIELDS.has(field)) {
    const bad = findForbiddenChar(value);
    if (bad) {
      throw new KcpInputError(
        `${field}: contains ${describeChar(bad.char)} at position ${bad.position}; KCP's module refuses ` +
          `${FORBIDDEN_TEXT_DESCRIPTION} in text fields. Remove or replace it`,
        { field },
      );
    }
  }
}

/** Characters KCP itself produces in enc_data, enc_info and site keys. */
const KCP_TOKEN = /^[A-Za-z0-9._-]*$/;

export function assertKcpToken(field: string, value: string): void {
  if (!KCP_TOKEN.test(value)) {
    const bad = [...value].find((c) => !/[A-Za-z0-9._-]/.test(c)) ?? '';
    throw new KcpInputError(
      `${field}: contains ${describeChar(bad)}; values produced by KCP's payment window use only A-Z a-z 0-9 . _ - ` +
        `(pass the posted value unchanged)`,
      { field },
    );
  }
}

/** tno: KCP's transaction number, 14 digits: the one tno rule. */
export function isTno(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{14}$/.test(value);
}

/** tno: KCP's transaction number, 14 digits. */
export function assertTno(field: string, value: string): void {
  if (!isTno(value)) {
    throw new KcpInputError(`${field}: '${value}' is not a KCP transaction number (14 digits, as returned in tno)`, {
      field,
    });
  }
}

/**
 * The one amount rule (KCP's N 12): a whole number written with digits only, at most 12 of them, no leading zero, no
 * sign, separator or decimals; zero only where `allowZero` (the complex-tax parts). Numbers must be safe integers.
 * Returns the digits, or undefined when the value breaks the rule.
 */
export function amountText(value: unknown, allowZero = false): string | undefined {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : typeof value === 'string' ? value : '';
  if (!/^(0|[1-9][0-9]{0,11})$/.test(text) || (!allowZero && text === '0')) return undefined;
  return text;
}

/** A positive amount in won (or cents), digits only, no leading zero. */
export function assertAmount(field: string, value: string | number, { allowZero = false } = {}): string {
  const text = amountText(value, allowZero);
  if (text === undefined) {
    throw new KcpInputError(
      `${field}: '${String(value)}' is not a valid amount; use a ${allowZero ? 'non-negative' : 'positive'} whole ` +
        `number of won (digits only, no separators or decimals)`,
      { field },
    );
  }
  return text;
}

/** The characters an order id (ordr_idxx) may hold. */
export const ORDER_ID_CHAR = /^[0-9A-Za-z_.-]$/;

/** ordr_idxx: 1–40 characters of [0-9A-Za-z_.-] (gnuboard's KVE-2020-0656 filter): the one order-id rule. */
export function isOrderId(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9A-Za-z_.-]{1,40}$/.test(value);
}

/** ordr_idxx: up to 40 characters of [0-9A-Za-z_.-] (gnuboard's KVE-2020-0656 filter). */
export function assertOrderId(field: string, value: string): void {
  if (!isOrderId(value)) {
    throw new KcpInputError(
      `${field}: '${value}' is not a valid order id; use 1–40 characters of 0-9 A-Z a-z _ . -`,
      { field },
    );
  }
}
