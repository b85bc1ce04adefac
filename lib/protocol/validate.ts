/**
 * Value rules for everything that goes into pp_cli's option string.
 *
 * pp_cli splits its `-h` argument on ',' with getsubopt (pp-cli-protocol.md §1.5): a comma inside a value truncates it
 * and the remainder becomes a sub-option of its own, so `ordr_idxx=A,site_cd=EVIL` would override the site code.
 * Control characters would corrupt the data-set framing (US/RS/GS/FS), so only the builders place them.
 */
import { KcpInputError } from '../errors.js';

/** KCP's list of characters that break the module in merchant text (SPEC §3): , & ; newline \ | ' " */
export const FORBIDDEN_TEXT_CHARS = [',', '&', ';', '\n', '\\', '|', "'", '"'] as const;

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

function describeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  if (ch === '\n') return 'a newline';
  return `'${ch}'`;
}

/**
 * Check one value: no ',' (pp_cli's option separator), no control characters, and for merchant text fields none of
 * KCP's forbidden characters. Throws KcpInputError naming the field.
 */
export function assertSafeValue(field: string, value: string): void {
  const comma = value.indexOf(',');
  if (comma >= 0) {
    throw new KcpInputError(
      `${field}: contains ',' at position ${comma}; pp_cli splits its option list on commas, so the value would be ` +
        `truncated and the rest read as another option. Remove the comma`,
      { field },
    );
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x1f\x7f]/.exec(value);
  if (control) {
    // Line breaks and tabs are refused too (lib/protocol/README.md): KCP's text fields are single-line.
    const whitespace = /[\t\n\r]/.test(control[0]);
    throw new KcpInputError(
      `${field}: contains ${describeChar(control[0])} at position ${control.index}; ` +
        (whitespace
          ? `KCP's text fields are single-line and the module logs some of them raw. Replace it with a space`
          : `control characters are reserved for KCP's data-set separators. Remove it`),
      { field },
    );
  }
  if (MERCHANT_TEXT_FIELDS.has(field)) {
    for (const ch of FORBIDDEN_TEXT_CHARS) {
      const at = value.indexOf(ch);
      if (at >= 0) {
        throw new KcpInputError(
          `${field}: contains ${describeChar(ch)} at position ${at}; KCP's module refuses , & ; newline \\ | ' " ` +
            `in text fields. Remove or replace it`,
          { field },
        );
      }
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

/** tno: KCP's transaction number, 14 digits. */
export function assertTno(field: string, value: string): void {
  if (!/^[0-9]{14}$/.test(value)) {
    throw new KcpInputError(`${field}: '${value}' is not a KCP transaction number (14 digits, as returned in tno)`, {
      field,
    });
  }
}

/** A positive amount in won (or cents), digits only, no leading zero. */
export function assertAmount(field: string, value: string | number, { allowZero = false } = {}): string {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : 'NaN') : value;
  if (!/^(0|[1-9][0-9]*)$/.test(text) || text.length > 12 || (!allowZero && text === '0')) {
    throw new KcpInputError(
      `${field}: '${String(value)}' is not a valid amount; use a ${allowZero ? 'non-negative' : 'positive'} whole ` +
        `number of won (digits only, no separators or decimals)`,
      { field },
    );
  }
  return text;
}

/** ordr_idxx: up to 40 characters of [0-9A-Za-z_.-] (gnuboard's KVE-2020-0656 filter). */
export function assertOrderId(field: string, value: string): void {
  if (!/^[0-9A-Za-z_.-]{1,40}$/.test(value)) {
    throw new KcpInputError(
      `${field}: '${value}' is not a valid order id; use 1–40 characters of 0-9 A-Z a-z _ . -`,
      { field },
    );
  }
}
