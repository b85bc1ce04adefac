/**
 * Masking of secrets and personal data, in one place, for every log level.
 *
 * The logger calls `maskFields` on every event; the trace tool, the doctor and the cassette recorder call
 * `maskText`/`maskValue` on anything they print. Masking is by field name first (a site_key is masked
 * whatever it looks like) and by shape second (a 13–19 digit run anywhere looks like a card number).
 * Data-set strings (`ordr_data=…␟mod_data=…`, raw result lines `res_cd=…␟card_no=…`) and bracketed log
 * values (`res=[…]`) are walked item by item, so a card number inside a joined string is found too.
 */

/** Replaces a whole secret: nothing of the value survives, only its length (useful when a key is truncated). */
export function redact(value: string): string {
  if (value === '' || /^\[masked:\d+\]$/.test(value)) return value; // idempotent: masking twice changes nothing
  return `[masked:${value.length}]`;
}

/** Fields whose whole value is secret: site key, payment-window ciphertexts, batch (billing) keys, passwords. */
const SECRET_FIELDS = new Set(
  [
    'site_key', 'g_conf_site_key', 'enc_data', 'enc_info', 'bt_batch_key', 'batch_key',
    'card_pwd', 'card_pw', 'pay_pwd', 'passwd', 'password', 'pay_cert_no', 'cert_no', 'cvc', 'cvv',
  ].map(normalizeName),
);

/** Fields that hold a card number (masked to first 6 + last 4 even if they are not a clean digit run). */
const CARD_FIELDS = new Set(['card_no', 'card_number', 'cardno', 'pan', 'pay_id', 'card_num'].map(normalizeName));

/**
 * Fields that hold a phone number, or a buyer identity that usually is one (id_info: the cash-receipt identity —
 * phone, card or business number — masked the same way).
 */
const PHONE_FIELDS = new Set(
  ['buyr_tel1', 'buyr_tel2', 'mobile_no', 'tel_no', 'rcvr_tel1', 'rcvr_tel2', 'phone', 'hp_no', 'id_info'].map(
    normalizeName,
  ),
);

/** Fields that hold an e-mail address. */
const MAIL_FIELDS = new Set(['buyr_mail', 'rcvr_mail', 'email', 'mail'].map(normalizeName));

/**
 * Identifier fields whose long digit runs are not card numbers (tno, order numbers, timestamps). Their
 * values are still scanned for nested `key=value` items, but a bare 13–19 digit run in them is kept, so a
 * transaction stays traceable by tno and ordr_idxx.
 */
const IDENTIFIER_FIELDS = new Set(
  [
    'tno', 'ordr_idxx', 'order_no', 'ca_order_id', 'trace_no', 'app_time', 'van_apptime', 'canc_time',
    'ipgm_time', 'tx_tm', 'va_date', 'pg_txid', 'van_txid', 'tk_order_id', 'noti_id', 'trad_time',
    'cash_no', 'receipt_no', 'app_no', 'account', 'mcht_taxno', 'mall_taxno', 'bizx_numb', 'time',
  ].map(normalizeName),
);

/** Names of data-set values whose content is itself a list of `key=value` items. */
const DATA_SET_FIELDS = new Set(
  [
    'ordr_data', 'rcvr_data', 'escw_data', 'modx_data', 'mod_data', 'payx_data', 'plan_data', 'rcpt_data',
    'corp_data', 'res', 'result', 'common', 'card', 'real_batch', 'raw', 'stdout', 'argv', 'optstring',
  ].map(normalizeName),
);

/** 'cardNo', 'card_no' and 'CARD-NO' are the same field. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Keeps the first 6 and last 4 digits, masks the rest with '*', and keeps separators (spaces, dashes). */
export function maskCardNumber(value: string): string {
  const digits = value.replace(/\D/g, '').length;
  if (digits < 11) return value.replace(/\d/g, '*');
  let seen = 0;
  return value.replace(/\d/g, (d) => {
    seen += 1;
    return seen <= 6 || seen > digits - 4 ? d : '*';
  });
}

/**
 * Keeps the first 3 and last 4 digits of a phone number (010-****-5678); short numbers keep the last 2.
 * A '*' counts as a digit position, so masking an already-masked number changes nothing.
 */
export function maskPhone(value: string): string {
  const digits = value.replace(/[^\d*]/g, '').length;
  const head = digits >= 9 ? 3 : 0;
  const tail = digits >= 9 ? 4 : Math.min(2, digits);
  let seen = 0;
  return value.replace(/[\d*]/g, (d) => {
    seen += 1;
    return seen <= head || seen > digits - tail ? d : '*';
  });
}

/** Keeps the first character of the local part and the domain: k***@example.com. */
export function maskMail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 1) return value === '' ? '' : '*'.repeat(Math.min(value.length, 8));
  return `${value[0]}***${value.slice(at)}`;
}

/**
 * A 14-digit run starting with a 20YYMMDD date is a tno or a timestamp (KCP's tno is YYYYMMDD + 6 digits,
 * app_time is YYYYMMDDhhmmss). No card scheme issues numbers starting with 20 (Mastercard's 2-series
 * begins at 2221), so this exception cannot hide a real card number.
 */
function looksLikeTnoOrTimestamp(run: string): boolean {
  if (!/^\d{14}$/.test(run) || !run.startsWith('20')) return false;
  const month = Number(run.slice(4, 6));
  const day = Number(run.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * One pass over free text: `key=[value]` and `key=value` items are masked by their key; any remaining
 * 13–19 digit run (optionally grouped by single spaces or dashes) is masked as a card number.
 * A `key=value` value ends at a data-set separator (0x1C–0x1F), `,`, `&`, whitespace or `]`.
 */
const TEXT_PATTERN =
  /([A-Za-z_][A-Za-z0-9_]*)=(\[[^\]]*\]|[^\x1c-\x1f,&\s\]]*)|(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g;

export function maskText(text: string, options: { keepIdentifiers?: boolean } = {}): string {
  return text.replace(TEXT_PATTERN, (match: string, key: string | undefined, value: string | undefined) => {
    if (key !== undefined && value !== undefined) {
      if (value.startsWith('[') && value.endsWith(']') && value.length >= 2) {
        return `${key}=[${maskValue(key, value.slice(1, -1))}]`;
      }
      return `${key}=${maskValue(key, value)}`;
    }
    const digitsOnly = match.replace(/\D/g, '');
    if (digitsOnly.length < 13) return match;
    if (options.keepIdentifiers || looksLikeTnoOrTimestamp(match)) return match;
    return maskCardNumber(match);
  });
}

/** Masks one named string value. Unknown names are scanned as free text. */
export function maskString(name: string, value: string): string {
  const key = normalizeName(name);
  if (value === '') return value;
  if (SECRET_FIELDS.has(key)) return redact(value);
  if (CARD_FIELDS.has(key)) return value.includes('*') ? value : maskCardNumber(value);
  if (PHONE_FIELDS.has(key)) return maskPhone(value);
  if (MAIL_FIELDS.has(key)) return maskMail(value);
  if (IDENTIFIER_FIELDS.has(key)) return maskText(value, { keepIdentifiers: true });
  if (DATA_SET_FIELDS.has(key)) return maskText(value);
  return maskText(value);
}

/**
 * Masks any value found under `name`: strings by name and shape, numbers as their digits, arrays item by
 * item, objects field by field, Buffers by size only (raw bytes may hold anything), Errors by message.
 */
export function maskValue(name: string, value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return maskString(name, value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    const masked = maskString(name, text);
    return masked === text ? value : masked;
  }
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return { name: value.name, message: maskText(value.message) };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => maskValue(name, item, depth + 1));
  if (typeof value === 'object') return maskFieldsAt(value as Record<string, unknown>, depth + 1);
  return `[${typeof value}]`;
}

function maskFieldsAt(fields: Readonly<Record<string, unknown>>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) out[name] = maskValue(name, value, depth);
  return out;
}

/** A masked copy of a record (deep). The input is not changed. */
export function maskFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return maskFieldsAt(fields, 0);
}
