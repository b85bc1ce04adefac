/**
 * Masking of secrets and personal data, in one place, for every log level.
 *
 * The logger calls `maskFields` on every event; the trace tool, the doctor and the cassette recorder call
 * `maskText`/`maskValue` on anything they print. Masking is by field name first (a site_key, a buyer's name or a
 * refund account is masked whatever it looks like) and by shape second (a card number, a phone number or an e-mail
 * address is masked under any name). Data-set strings (`ordr_data=…␟mod_data=…`, raw result lines
 * `res_cd=…␟card_no=…`), bracketed log values (`res=[…]`), form bodies (`a=1&b=2`) and JSON text (`"buyr_name":"…"`)
 * are walked item by item, so a value inside a joined string is found by its name too. Full-width characters and
 * dashes are read as their ASCII forms, and percent-encoded text is read decoded as well.
 */

/** Replaces a whole secret: nothing of the value survives, only its length (useful when a key is truncated). */
export function redact(value: string): string {
  if (value === '' || /^\[masked:\d+\]$/.test(value)) return value; // idempotent: masking twice changes nothing
  return `[masked:${value.length}]`;
}

/**
 * The one list of sensitive field names, by what each holds, exactly as KCP spells them (docs/kcp-manual.md,
 * docs/pp-cli-protocol.md, docs/kcp-rest-api.md). Logs mask each kind its own way (below), at every level; cassettes, which are
 * committed, replace the value of every listed name whole (runner/cassette.ts).
 */
export const SENSITIVE_FIELD_NAMES = Object.freeze({
  /** Whole value secret: site key, payment-window ciphertexts, batch (billing) keys, passwords, card expiry. */
  secret: Object.freeze([
    'site_key', 'g_conf_site_key', 'enc_data', 'enc_info', 'bt_batch_key', 'batch_key',
    'card_pwd', 'card_pw', 'pay_pwd', 'pt_pwd', 'passwd', 'password', 'pay_cert_no', 'cert_no', 'cvc', 'cvv',
    'card_expiry', 'pay_expiry',
  ]),
  /** A card number: first 6 and last 4 digits kept. */
  card: Object.freeze(['card_no', 'card_number', 'cardno', 'pan', 'pay_id', 'card_num', 'card_mask_no']),
  /**
   * A phone number, or a buyer identity that usually is one (id_info, cash_id_info: the cash-receipt identity —
   * phone, card or business number): first 3 and last 4 digits kept.
   */
  phone: Object.freeze([
    'buyr_tel1', 'buyr_tel2', 'mobile_no', 'tel_no', 'rcvr_tel1', 'rcvr_tel2', 'phone', 'hp_no', 'id_info',
    'cash_id_info', 'corp_telno',
  ]),
  /** An e-mail address: first character and domain kept. */
  mail: Object.freeze(['buyr_mail', 'rcvr_mail', 'email', 'mail']),
  /**
   * A person's name (buyer, receiver, orderer and remitter of a deposit, refund account holder, card owner,
   * virtual-account holder): first character kept.
   */
  name: Object.freeze([
    'buyr_name', 'rcvr_name', 'cust_name', 'va_name', 'ipgm_name', 'remitter', 'refund_nm', 'mod_depositor',
    'depositor', 'pay_owner_nm', 'corp_owner_nm',
  ]),
  /** A postal address or post code: nothing kept but spacing and punctuation. */
  address: Object.freeze(['rcvr_add1', 'rcvr_add2', 'rcvr_zipx', 'corp_addr']),
  /**
   * A bank account to refund to, or an identity number (birth date / business number for card approval, point-card
   * id, the buyer's business number on a cash receipt): last 4 digits kept when there are at least 8.
   */
  account: Object.freeze(['refund_account', 'mod_account', 'card_taxno', 'pt_idno', 'corp_tax_no']),
});

type SensitiveKind = keyof typeof SENSITIVE_FIELD_NAMES;
type FieldKind = SensitiveKind | 'identifier' | 'text';

const LISTED = new Map<string, SensitiveKind>();
for (const [kind, names] of Object.entries(SENSITIVE_FIELD_NAMES) as [SensitiveKind, readonly string[]][]) {
  for (const name of names) LISTED.set(normalizeName(name), kind);
}

/**
 * Identifier fields whose long digit runs are not card numbers (tno, order numbers, timestamps). Their
 * values are still scanned for nested `key=value` items, but a bare 13–19 digit run in them is kept, so a
 * transaction stays traceable by tno and ordr_idxx. `account` is the virtual account KCP issued for the order (what
 * a deposit notification is matched by), not the buyer's own account.
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

// ------------------------------------------------------------------ masking one value by what it holds

/** A digit position: ASCII or full-width digit, or a '*' left by an earlier masking (so masking twice changes nothing). */
const DIGIT_POSITION = /^[0-9\uff10-\uff19*\uff0a]$/;
/** Letters and digits of any script, and '*': everything a mask may hide. */
const MASKABLE = /[\p{L}\p{N}*\uff0a]/gu;

/**
 * Stars every letter and digit of `value` except the first `head` and the last `tail` digit positions, keeping
 * separators. Letters never survive: a card field holding an e-mail address keeps nothing of it.
 */
function keepDigits(value: string, head: number, tail: number): string {
  let total = 0;
  for (const ch of value) if (DIGIT_POSITION.test(ch)) total += 1;
  let seen = 0;
  return value.replace(MASKABLE, (ch) => {
    if (!DIGIT_POSITION.test(ch)) return '*';
    seen += 1;
    return seen <= head || seen > total - tail ? ch : '*';
  });
}

function digitPositions(value: string): number {
  let total = 0;
  for (const ch of value) if (DIGIT_POSITION.test(ch)) total += 1;
  return total;
}

/**
 * Keeps the first 6 and last 4 digits of a card number (13 or more digit positions), masks every other letter and
 * digit with '*', and keeps separators. Anything shorter keeps nothing.
 */
export function maskCardNumber(value: string): string {
  return digitPositions(value) >= 13 ? keepDigits(value, 6, 4) : keepDigits(value, 0, 0);
}

/**
 * Keeps the first 3 and last 4 digits of a phone number (010-****-5678); short numbers keep the last 2. Letters are
 * masked too (a phone field holding a name or an e-mail address keeps nothing of it).
 */
export function maskPhone(value: string): string {
  const digits = digitPositions(value);
  return digits >= 9 ? keepDigits(value, 3, 4) : keepDigits(value, 0, Math.min(2, digits));
}

/** A bank account or identity number: the last 4 digits when there are at least 8, else nothing. */
function maskAccount(value: string): string {
  return digitPositions(value) >= 8 ? keepDigits(value, 0, 4) : keepDigits(value, 0, 0);
}

/** A person's name: its first letter (홍**, L** ********). */
function maskName(value: string): string {
  let first = true;
  return value.replace(MASKABLE, (ch) => {
    if (first && ch !== '*' && ch !== '\uff0a') {
      first = false;
      return ch;
    }
    first = false;
    return '*';
  });
}

/** An address or post code: nothing but its spacing and punctuation. */
function maskAddress(value: string): string {
  return keepDigits(value, 0, 0);
}

const AT_SIGNS = ['@', '\uff20', '%40'];
const DOMAIN = /^[\p{L}\p{N}.\-\uff0e\uff0d]+$/u;

/**
 * Keeps the first character of the local part and the domain: k***@example.com (also 김***@example.com, full-width
 * `＠` and `%40`); a card or phone number glued to the domain is masked as such. A value that is not an address keeps
 * nothing.
 */
export function maskMail(value: string): string {
  let at = -1;
  let sign = '';
  for (const s of AT_SIGNS) {
    const i = value.lastIndexOf(s);
    if (i > at) [at, sign] = [i, s];
  }
  if (at < 1) return keepDigits(value, 0, 0);
  const first = String.fromCodePoint(value.codePointAt(0)!);
  const domain = value.slice(at + sign.length);
  const head = first === '*' || !/[\p{L}\p{N}]/u.test(first) ? '*' : first;
  // The domain is read as text once more (it has no `@`, so this goes no deeper): digits glued to an address
  // (`kim@example.com010-7391-2468`) are a phone or a card number, not part of a domain anyone needs to read.
  return `${head}***${sign}${DOMAIN.test(domain) ? scan(domain, false) : keepDigits(domain, 0, 0)}`;
}

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** Decodes every run of %XX escapes as UTF-8 (invalid bytes become U+FFFD); anything else is left as it is. */
function percentDecode(text: string): string {
  return text.replace(PERCENT_RUN, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** What a kind masks a whole value with. Percent-encoded values are masked decoded. */
const WHOLE_VALUE: Record<SensitiveKind, (value: string) => string> = {
  secret: redact,
  card: maskCardNumber,
  phone: maskPhone,
  mail: maskMail,
  name: maskName,
  address: maskAddress,
  account: maskAccount,
};

function maskWhole(kind: SensitiveKind, value: string): string {
  if (kind !== 'secret' && PERCENT_ESCAPE.test(value)) value = percentDecode(value);
  return WHOLE_VALUE[kind](value);
}

// ------------------------------------------------------------------ what a digit run is

/** Luhn's check, which every issued card number passes. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A digit run starting with a 20YYMMDD date is a tno, a timestamp or a date-based order number (KCP's tno is
 * YYYYMMDD + 6 digits, app_time YYYYMMDDhhmmss). No card scheme issues numbers starting with 20 (Mastercard's
 * 2-series begins at 2221, Mir's at 2200), so this exception cannot hide a real card number.
 */
function startsWithDate(digits: string): boolean {
  if (!digits.startsWith('20')) return false;
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Whether a 13–19 digit run (as read: ASCII digits, separators folded to ASCII) is masked as a card number.
 * - Date-prefixed runs (tno, timestamps, date-based order ids) never are.
 * - A run written as cards are written in logs and forms — one block of digits, or blocks of 3 or more digits joined
 *   by spaces or dashes — standing on its own always is, whether it passes Luhn or not (test cards often do not).
 * - Digits glued to ASCII letters (an order id like `ORD1234567890123456C1`) only when they pass Luhn, which every
 *   issued card number does, and a random digit string does one time in ten.
 * - Blocks joined by `.`, `/`, `_` or `+` only when they are grouped as card numbers are (a first block of 4 digits,
 *   then blocks of 3 or more, one separator throughout: 4-4-4-4, 4-6-5, 4-4-4-4-3) and pass Luhn: IP addresses
 *   (blocks of at most 3 digits), versions, lists of small numbers and pp_cli's `0501-101542.170` time stamps never
 *   are.
 */
function isCardRun(run: string, glued: boolean): boolean {
  const digits = run.replace(/[^0-9]/g, '');
  if (startsWithDate(digits)) return false;
  if (digits.length === run.length) return !glued || luhn(digits);
  if (!glued && /^[0-9]{3,}(?:[ -][0-9]{3,})*$/.test(run)) return true;
  return /^[0-9]{4}([ .\-/_+])[0-9]{3,}(?:\1[0-9]{3,})*$/.test(run) && luhn(digits);
}

/** The digit groups of a card-like run: where each starts and ends (end exclusive). */
function digitGroups(run: string): Array<[start: number, end: number]> {
  const groups: Array<[number, number]> = [];
  for (let i = 0; i < run.length; i++) {
    if (!isDigit(run.charCodeAt(i))) continue;
    const startAt = i;
    while (i + 1 < run.length && isDigit(run.charCodeAt(i + 1))) i += 1;
    groups.push([startAt, i + 1]);
  }
  return groups;
}

/**
 * A card-like run was rejected as a whole: the length (from its start) of its longest prefix that ends where a digit
 * group ends and is a card by itself (`4518 4412 3456 7892 7` holds one), or 0. Only prefixes whose groups all have 3
 * or more digits can be cards written with separators (isCardRun). At most 19 groups: constant work.
 */
function cardPrefix(read: string, at: number, groups: ReadonlyArray<[number, number]>, run: string): number {
  const glued = at > 0 && GLUE.test(read[at - 1]!); // after a group end comes a separator, never glue
  let usable = 0;
  while (usable < groups.length - 1 && groups[usable]![1] - groups[usable]![0] >= 3) usable += 1;
  for (let k = usable - 1; k >= 0; k--) {
    const end = groups[k]![1];
    const sub = run.slice(0, end);
    if (sub.replace(/[^0-9]/g, '').length < 13) break;
    if (isCardRun(sub, glued)) return end;
  }
  return 0;
}

/**
 * Where to look again after a rejected card-like run: the next of its groups that could start a card (3 or more
 * digits) or a phone number (`0` and an area digit); else its end. Groups of one or two digits
 * (`1 2 3 …`, `1.1.1.…`) are passed over in one step, so such a run costs one reading, not one per group.
 */
function nextStart(groups: ReadonlyArray<[number, number]>, run: string): number {
  for (let k = 1; k < groups.length; k++) {
    const [from, to] = groups[k]!;
    if (to - from >= 3 || (run[from] === '0' && run[from + 1] !== '0' && to - from >= 2)) return from;
  }
  return run.length;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** A phone number glued to ASCII letters counts only when grouped: `ORD01073912468` is an order id. */
function phoneAllowed(read: string, at: number, phone: string): boolean {
  return !(at > 0 && GLUE.test(read[at - 1]!) && /^[0-9]+$/.test(phone));
}

// ------------------------------------------------------------------ reading text

/**
 * Characters read as their ASCII forms before matching (one UTF-16 unit each, so positions stay the same):
 * full-width ASCII (０-９, ＠, －, …), the ideographic and no-break spaces, and the dashes (‐ ‑ ‒ – — ― − ﹘ ﹣).
 */
const FOLDABLE = /[\u00a0\u2000-\u200a\u2010-\u2015\u202f\u2212\u3000\ufe58\ufe63\uff01-\uff5e]/;

const UTF16 = new TextDecoder('utf-16le');

function fold(text: string): string {
  if (!FOLDABLE.test(text)) return text;
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
    else if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe58 || c === 0xfe63) c = 0x2d; // '-'
    else if (c === 0x3000 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f) c = 0x20; // ' '
    units[i] = c;
  }
  return UTF16.decode(units); // a lone surrogate becomes U+FFFD: still one unit, positions stay the same
}

/**
 * Characters that end a non-sensitive `key=value` value: data-set separators (also as their pictures ␜ ␝ ␞ ␟, as
 * logs shown to people and our fixtures write them), `,`, `&`, whitespace, `]`.
 */
// eslint-disable-next-line no-control-regex
const VALUE_END = /[\x1c-\x1f\u241c-\u241f,&\s\]]/g;
/**
 * Where a sensitive value without quotes or brackets ends: a control character (the data-set separators, a line
 * break) or a separator's picture (␜–␟), `&`, `,`, `;`, `]`, `}`, `"`, or a space before the next `key=`. Names and addresses contain spaces, so a
 * space alone does not end them.
 */
// eslint-disable-next-line no-control-regex
const SENSITIVE_END = /[\x00-\x1f\u241c-\u241f&,;\]}"]|\s(?=[A-Za-z_][A-Za-z0-9_.-]*=)/g;
const BRACKET_END = /\]/g;
const DOUBLE_QUOTE_END = /(?<!\\)"/g;
const SINGLE_QUOTE_END = /'/g;

const PHONE_SOURCE = String.raw`(?<![0-9+])(?:\+82[ .\-]{0,2}0?|0)(?:1[016789]|2|[3-6][1-5]|50[2-8]|70|80)[ .\-\/_+)]{0,2}[0-9]{3,4}[ .\-\/_+]{0,2}[0-9]{4}(?![0-9])`;
/** The phone shape at one position (after a card-like run there was rejected). */
const PHONE_AT = new RegExp(PHONE_SOURCE, 'y');
function phoneAt(read: string, at: number): string | null {
  PHONE_AT.lastIndex = at;
  return PHONE_AT.exec(read)?.[0] ?? null;
}
const MAIL_SOURCE = String.raw`(?<![\p{L}\p{N}._%+\-])([\p{L}\p{N}._+\-]+(?:@|%40)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+)`;
/**
 * What the scanner looks for, one alternative per group. Every alternative starts with a lookbehind that only lets
 * it begin at the start of a run (a name, a digit group, an address), or is anchored on a single character, so each
 * run is read a bounded number of times and masking stays linear in the length of the text, whatever the text (a
 * buyer can type 140,000 `A`s into a cancel reason). Matching runs on the folded text (full-width and dashes read as
 * ASCII).
 *   1, 2  `key=` and an optional opener `[`, `"` or `'` (a bracketed log value `res=[…]`, a quoted value);
 *   3–5   a quoted key followed by `:` and an optional opening quote (`"buyr_name": "…"`, `'card_no': …`);
 *   6     an e-mail address, local part in any script, `@` or `%40` (before the digit shapes: a card number or a
 *         phone number used as a local part goes with the address);
 *   7     a card-like run: 13–19 digits, optionally grouped by one of ` .-/_+` (judged by isCardRun);
 *   8     a Korean phone number: mobile 01x, Seoul 02, regions 031–064, 050x, 070, 080, also as +82, grouped by
 *         ` .-/_+` or `(02)` (glued to ASCII letters only when grouped: `ORD01073912468` is an order id).
 */
const shapeSources = (mail: string) => [
  String.raw`(?<![A-Za-z0-9_.\-])([A-Za-z_][A-Za-z0-9_.\-]*)=([\["']?)`,
  String.raw`(["'])([A-Za-z_][A-Za-z0-9_.\-]*)\3[ \t]*:[ \t]*(["']?)`,
  mail,
  String.raw`(?<![0-9])([0-9](?:[ .\-\/_+]?[0-9]){12,18})(?![0-9])`,
  `(${PHONE_SOURCE})`,
];
const SHAPES = new RegExp(shapeSources(MAIL_SOURCE).join('|'), 'gu');
/**
 * The same with an e-mail alternative that never matches (the groups keep their numbers), for text with no `@` or
 * `%40`: a long run of letters is then read once, not twice.
 */
// `\x00(?!)` rather than `(?!)`: an alternative that may start with any character keeps V8 from skipping ahead to
// the characters the others can start with (Hangul text: 1.3 ms instead of 0.04 ms per 140,000 characters).
const SHAPES_WITHOUT_MAIL = new RegExp(shapeSources(String.raw`(\x00(?!))`).join('|'), 'g');

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

const GLUE = /[A-Za-z_]/;

/**
 * True when the scan could change nothing in (folded) text: there is no `=` or `:` for the two key shapes, no `@` or
 * `%` for an address (`%40`), and, unless digit runs are kept anyway (an identifier's value), fewer than 9 ASCII
 * digits, the fewest a phone number has (a card has 13). Most values logged per payment (codes, a tno, a path, an IP,
 * a Korean message) are such text; scanning them would only allocate.
 */
function nothingToFind(read: string, keepIdentifiers: boolean): boolean {
  let digits = 0;
  for (let i = 0; i < read.length; i++) {
    const c = read.charCodeAt(i);
    if (c === 0x3d || c === 0x3a || c === 0x40 || c === 0x25) return false; // = : @ %
    if (c >= 0x30 && c <= 0x39 && ++digits === 9 && !keepIdentifiers) return false;
  }
  return true;
}

/**
 * One forward pass over free text, in time linear in its length:
 * - `key=value`, `key=[value]`, `key="value"` and JSON's `"key": value`: a sensitive field's value is masked whole
 *   by its name; any other value is read on by the same pass, so items nested in data sets
 *   (`ordr_data=…␟buyr_name=…`, `res=[res_cd=…␟card_no=…]`) are found where they are. In an identifier's value
 *   (`tno=`, `ordr_idxx=`) digit runs are kept.
 * - anywhere else, by shape: a card number keeps its first 6 and last 4 digits, a phone number its first 3 and last 4
 *   digits, an e-mail address its first letter and its domain.
 */
function scan(text: string, keepIdentifiers: boolean): string {
  const read = fold(text);
  if (nothingToFind(read, keepIdentifiers)) return text;
  const valueEnd = forwardFinder(read, new RegExp(VALUE_END.source, 'g'));
  const sensitiveEnd = forwardFinder(read, new RegExp(SENSITIVE_END.source, 'g'));
  const bracketEnd = forwardFinder(read, new RegExp(BRACKET_END.source, 'g'));
  const doubleQuoteEnd = forwardFinder(read, new RegExp(DOUBLE_QUOTE_END.source, 'g'));
  const singleQuoteEnd = forwardFinder(read, new RegExp(SINGLE_QUOTE_END.source, 'g'));
  const pattern = read.includes('@') || read.includes('%40') ? SHAPES : SHAPES_WITHOUT_MAIL;
  const shapes = new RegExp(pattern.source, pattern.flags);
  const out: string[] = [];
  let copied = 0;
  let keepUntil = -1; // inside an identifier's value up to here
  let m: RegExpExecArray | null;
  while ((m = shapes.exec(read)) !== null) {
    const [match, eqKey, eqOpen, , jsonKey, jsonOpen, mail, card, phone] = m;
    const at = m.index;
    let replacement: string | undefined;
    let next = at + match.length;
    const key = eqKey ?? jsonKey;
    if (key !== undefined) {
      const kind = fieldKind(key);
      const open = (eqKey !== undefined ? eqOpen : jsonOpen) ?? '';
      let valueStart = next;
      let end: number;
      let bracketed = false;
      if (open === '[') {
        const closed = bracketEnd(next);
        bracketed = closed < read.length;
        if (!bracketed) valueStart = next - 1; // no `]`: the `[` is part of the value
        end = bracketed ? closed : kind === 'identifier' || kind === 'text' ? valueEnd(valueStart) : sensitiveEnd(valueStart);
      } else if (open === '"') {
        end = doubleQuoteEnd(next);
      } else if (open === "'") {
        end = singleQuoteEnd(next);
      } else {
        end = kind === 'identifier' || kind === 'text' ? valueEnd(valueStart) : sensitiveEnd(valueStart);
      }
      if (kind === 'identifier') {
        keepUntil = Math.max(keepUntil, end);
      } else if (kind === 'text') {
        // A "name" with digits in it may be data glued to a `=` (`x010-7391-2468ab=`): read it too. The key
        // alternative cannot start again inside it, so this costs one more look at the name, once.
        if (/[0-9]/.test(key)) next = at + 1;
      } else {
        const value = text.slice(valueStart, end);
        const masked = bracketed && /^masked:\d+$/.test(value) ? value : maskWhole(kind, value);
        replacement = text.slice(at, valueStart) + masked;
        next = end;
      }
    } else if (card !== undefined) {
      if (!(keepIdentifiers || at < keepUntil)) {
        // The longest run from here; if it is no card, a shorter one ending at a group (a card followed by ` 7`),
        // then a phone number here (the card alternative came first), then the next start inside the run.
        const glued = (at > 0 && GLUE.test(read[at - 1]!)) || GLUE.test(read[next] ?? '');
        const groups = isCardRun(card, glued) ? undefined : digitGroups(card);
        const end = groups === undefined ? next : at + cardPrefix(read, at, groups, card);
        const other = end > at || read[at] !== '0' ? null : phoneAt(read, at);
        if (end > at) {
          replacement = maskCardNumber(text.slice(at, end));
          next = end;
        } else if (other !== null && phoneAllowed(read, at, other)) {
          next = at + other.length;
          replacement = maskPhone(text.slice(at, next));
        } else {
          next = at + nextStart(groups!, card);
        }
      }
    } else if (phone !== undefined) {
      if (!(keepIdentifiers || at < keepUntil) && phoneAllowed(read, at, phone)) replacement = maskPhone(text.slice(at, next));
    } else if (mail !== undefined) {
      replacement = maskMail(text.slice(at, next));
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

/**
 * Masks free text (see scan). Text holding percent-escapes (a form body, a URL, pp_cli's URL-encoded `plan_data`) is
 * read a second time decoded; when that finds more to mask, the decoded, masked text is returned, else the text as
 * it came, masked. Both passes are linear.
 */
export function maskText(text: string, options: { keepIdentifiers?: boolean } = {}): string {
  const keep = options.keepIdentifiers === true;
  const masked = scan(text, keep);
  if (!PERCENT_ESCAPE.test(masked)) return masked;
  const decoded = percentDecode(masked);
  const again = scan(decoded, keep);
  return again === decoded ? masked : again;
}

// ------------------------------------------------------------------ names

/**
 * What a field name says its value holds, judged by its normalized form and remembered by the name as given. Exact
 * names first; then, for names we have not listed, the words merchants use for the same data (`hp_num`, `cust_tel`,
 * `email_addr`, `buyerName`, `X-Rcvr-Add1`, `refundAccountNo`): a wrong guess only masks more.
 */
function fieldKind(name: string): FieldKind {
  const known = kindCache.get(name);
  if (known !== undefined) return known;
  const kind = classify(normalizeName(name));
  if (kindCache.size >= 4096) kindCache.clear(); // names come from callers' data: keep the cache bounded
  kindCache.set(name, kind);
  return kind;
}

const kindCache = new Map<string, FieldKind>();

const PERSON = 'buyr|buyer|rcvr|receiver|recipient|orderer|ordr|cust|customer|payer|sender|member|user|ipgm|refund|owner|va';
const NAME_WORDS = new RegExp(`(?:${PERSON})(?:name|nm)|depositor|remitter|(?:card|account|acnt|acct|bank)holder`);
const ADDRESS_WORDS = new RegExp(
  `(?:${PERSON}|shipping|ship|delivery|deli|home|billing|bill|corp|company|street|mailing)(?:add[0-9]|addr|address)|zipcode|zipx|postcode|postalcode`,
);
const ACCOUNT_WORDS = /(?:refund|mod|bank|deposit|payer|holder|cust|customer|user)(?:account|acct|acnt)|(?:account|acct|acnt)(?:no|num|number)$/;

function classify(key: string): FieldKind {
  const listed = LISTED.get(key);
  if (listed !== undefined) return listed;
  if (IDENTIFIER_FIELDS.has(key)) return 'identifier';
  if (DATA_SET_FIELDS.has(key)) return 'text';
  if (/mail/.test(key)) return 'mail';
  if (/(?:cardno|cardnum|cardnumber)$/.test(key)) return 'card';
  if (/tel|phone|mobile|^hp|hpno|hpnum|cellno/.test(key)) return 'phone';
  if (NAME_WORDS.test(key)) return 'name';
  if (ADDRESS_WORDS.test(key)) return 'address';
  if (ACCOUNT_WORDS.test(key)) return 'account';
  return 'text';
}

/** Masks one named string value. Unknown names are scanned as free text. */
export function maskString(name: string, value: string): string {
  if (value === '') return value;
  const kind = fieldKind(name);
  if (kind === 'identifier') return maskText(value, { keepIdentifiers: true });
  if (kind === 'text') return maskText(value);
  return maskWhole(kind, value);
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
  // The same own enumerable keys as Object.entries, without a [name, value] pair per field (every log line).
  const names = Object.keys(fields);
  for (let i = 0; i < names.length; i++) out[names[i]!] = maskValue(names[i]!, fields[names[i]!], depth);
  return out;
}

/** A masked copy of a record (deep). The input is not changed. */
export function maskFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return maskFieldsAt(fields, 0);
}
