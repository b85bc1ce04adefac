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

/**
 * The one list of sensitive field names, by what each holds, exactly as KCP spells them. Logs mask each kind its own
 * way (below); cassettes, which are committed, replace the value of every listed name whole (runner/cassette.ts).
 */
export const SENSITIVE_FIELD_NAMES = Object.freeze({
  /** Whole value secret: site key, payment-window ciphertexts, batch (billing) keys, passwords, card expiry. */
  secret: Object.freeze([
    'site_key', 'g_conf_site_key', 'enc_data', 'enc_info', 'bt_batch_key', 'batch_key',
    'card_pwd', 'card_pw', 'pay_pwd', 'passwd', 'password', 'pay_cert_no', 'cert_no', 'cvc', 'cvv',
    'card_expiry', 'pay_expiry',
  ]),
  /** A card number (masked to first 6 + last 4 even if it is not a clean digit run). */
  card: Object.freeze(['card_no', 'card_number', 'cardno', 'pan', 'pay_id', 'card_num']),
  /**
   * A phone number, or a buyer identity that usually is one (id_info: the cash-receipt identity — phone, card or
   * business number — masked the same way).
   */
  phone: Object.freeze(['buyr_tel1', 'buyr_tel2', 'mobile_no', 'tel_no', 'rcvr_tel1', 'rcvr_tel2', 'phone', 'hp_no', 'id_info']),
  /** An e-mail address. */
  mail: Object.freeze(['buyr_mail', 'rcvr_mail', 'email', 'mail']),
  /**
   * Other personal data: names, addresses, accounts, identity numbers. Logs keep these (an operator finds an order by
   * its buyer); cassettes do not.
   */
  personal: Object.freeze([
    'card_taxno', 'pay_owner_nm', 'buyr_name', 'rcvr_name', 'rcvr_add1', 'rcvr_add2', 'cust_name', 'va_name',
    'remitter', 'ipgm_name', 'refund_account', 'refund_nm', 'mod_account', 'mod_depositor', 'pt_idno',
  ]),
});

const SECRET_FIELDS = new Set(SENSITIVE_FIELD_NAMES.secret.map(normalizeName));
const CARD_FIELDS = new Set(SENSITIVE_FIELD_NAMES.card.map(normalizeName));
const PHONE_FIELDS = new Set(SENSITIVE_FIELD_NAMES.phone.map(normalizeName));
const MAIL_FIELDS = new Set(SENSITIVE_FIELD_NAMES.mail.map(normalizeName));

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

/** Characters that end a `key=value` value in joined strings: data-set separators, `,`, `&`, whitespace, `]`. */
// eslint-disable-next-line no-control-regex
const VALUE_END = /[\x1c-\x1f,&\s\]]/g;
const BRACKET_END = /\]/g;

/**
 * What the scanner looks for, one alternative per group. Every alternative starts with a lookbehind that only lets
 * it begin at the start of a run (a name, a digit group, an address), so each run is read once and masking stays
 * linear in the length of the text, whatever the text (a buyer can type 140,000 `A`s into a cancel reason).
 *   1, 2  `key=` and an optional `[` (a bracketed log value `res=[…]`);
 *   3     a card-like run: 13–19 digits, optionally grouped by single spaces or dashes;
 *   4     a Korean phone number: mobile 01x, Seoul 02, regions 031–064, 050x, 070, 080, also as +82;
 *   5     an e-mail address.
 */
const SHAPES = new RegExp(
  [
    String.raw`(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)=(\[?)`,
    String.raw`(?<![0-9])([0-9](?:[ -]?[0-9]){12,18})(?![0-9])`,
    String.raw`(?<![0-9A-Za-z+])((?:\+82[ -]?0?|0)(?:1[016789]|2|[3-6][1-5]|50[2-8]|70|80)[ .)-]?[0-9]{3,4}[ .-]?[0-9]{4})(?![0-9])`,
    String.raw`(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)`,
  ].join('|'),
  'g',
);

/**
 * The first match of `pattern` at or after a position, remembered: the scanner only moves forward, so asking again
 * from a later position inside the same stretch costs nothing, and the whole text is searched at most once.
 */
function forwardFinder(text: string, pattern: RegExp): (from: number) => number {
  let searchedFrom = -1;
  let found = -1;
  return (from) => {
    if (from >= searchedFrom && from <= found) return found;
    pattern.lastIndex = from;
    const m = pattern.exec(text);
    searchedFrom = from;
    found = m ? m.index : text.length;
    return found;
  };
}

/** How a field's whole value is masked when its name says what it holds; undefined: scan the value as text. */
function wholeValueMask(name: string): ((value: string) => string) | undefined {
  switch (fieldKind(normalizeName(name))) {
    case 'secret': return redact;
    case 'card': return (v) => (v.includes('*') ? v : maskCardNumber(v));
    case 'phone': return maskPhone;
    case 'mail': return maskMail;
    default: return undefined;
  }
}

/**
 * One forward pass over free text, in time linear in its length:
 * - `key=value` and `key=[value]`: a secret, card, phone or mail field's value (up to the next separator or `]`) is
 *   masked whole by its name; any other value is read on by the same pass, so items nested in data sets
 *   (`ordr_data=…␟buyr_tel1=…`, `res=[res_cd=…␟card_no=…]`) are found where they are. In an identifier's value
 *   (`tno=`, `ordr_idxx=`) digit runs are kept.
 * - anywhere else, by shape: a 13–19 digit run keeps its first 6 and last 4 digits (a 14-digit run starting with a
 *   20YYMMDD date is a tno or a timestamp and is kept), a phone number its first 3 and last 4 digits, an e-mail
 *   address its first letter and its domain.
 */
export function maskText(text: string, options: { keepIdentifiers?: boolean } = {}): string {
  const valueEnd = forwardFinder(text, new RegExp(VALUE_END.source, 'g'));
  const bracketEnd = forwardFinder(text, new RegExp(BRACKET_END.source, 'g'));
  const shapes = new RegExp(SHAPES.source, 'g');
  const out: string[] = [];
  let copied = 0;
  let keepUntil = -1; // inside an identifier's value up to here
  let m: RegExpExecArray | null;
  while ((m = shapes.exec(text)) !== null) {
    const [match, key, bracket, card, phone, mail] = m;
    const at = m.index;
    let replacement: string | undefined;
    let next = at + match.length;
    if (key !== undefined) {
      const valueStart = at + key.length + 1;
      const closed = bracket === '[' ? bracketEnd(next) : text.length;
      const bracketed = closed < text.length;
      const end = bracketed ? closed : valueEnd(valueStart);
      const whole = wholeValueMask(key);
      if (whole) {
        const value = text.slice(bracketed ? next : valueStart, end);
        const masked = bracketed && /^masked:\d+$/.test(value) ? value : whole(value);
        replacement = `${key}=${bracketed ? '[' : ''}${masked}`;
        next = end;
      } else if (fieldKind(normalizeName(key)) === 'identifier') {
        keepUntil = Math.max(keepUntil, end);
      }
    } else if (card !== undefined) {
      if (!(options.keepIdentifiers || at < keepUntil || looksLikeTnoOrTimestamp(card))) {
        replacement = maskCardNumber(card);
      }
    } else if (phone !== undefined) {
      if (!(options.keepIdentifiers || at < keepUntil)) replacement = maskPhone(phone);
    } else if (mail !== undefined) {
      replacement = maskMail(mail);
    }
    if (replacement !== undefined) {
      out.push(text.slice(copied, at), replacement);
      copied = next;
    }
    shapes.lastIndex = next;
  }
  if (copied === 0) return text;
  out.push(text.slice(copied));
  return out.join('');
}

type FieldKind = 'secret' | 'card' | 'phone' | 'mail' | 'identifier' | 'text';

/**
 * What a (normalized) field name says its value holds. Exact names first; then, for names we have not listed, the
 * words merchants use for contact data (`hp_num`, `cust_tel`, `email_addr`): a wrong guess only masks more.
 */
function fieldKind(key: string): FieldKind {
  const known = kindCache.get(key);
  if (known !== undefined) return known;
  const kind = classify(key);
  if (kindCache.size >= 4096) kindCache.clear(); // names come from callers' data: keep the cache bounded
  kindCache.set(key, kind);
  return kind;
}

const kindCache = new Map<string, FieldKind>();

function classify(key: string): FieldKind {
  if (SECRET_FIELDS.has(key)) return 'secret';
  if (CARD_FIELDS.has(key)) return 'card';
  if (PHONE_FIELDS.has(key)) return 'phone';
  if (MAIL_FIELDS.has(key)) return 'mail';
  if (IDENTIFIER_FIELDS.has(key)) return 'identifier';
  if (DATA_SET_FIELDS.has(key)) return 'text';
  if (/mail/.test(key)) return 'mail';
  if (/tel|phone|mobile|^hp|hpno|hpnum|cellno/.test(key)) return 'phone';
  return 'text';
}

/** Masks one named string value. Unknown names are scanned as free text. */
export function maskString(name: string, value: string): string {
  if (value === '') return value;
  const kind = fieldKind(normalizeName(name));
  if (kind === 'identifier') return maskText(value, { keepIdentifiers: true });
  if (kind === 'text') return maskText(value);
  return wholeValueMask(name)!(value);
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
