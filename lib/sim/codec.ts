/**
 * Bytes on the simulator's wires: the stand-in's EUC-KR form bodies, the result line it answers with, the
 * merchant's notification bodies, and the data sets (US/RS/GS framed) inside requests.
 *
 * Kept apart from the gateway logic so that every handler works on decoded strings only.
 */
import iconv from 'iconv-lite';
import { decodeForm, type FormCharset } from '../http/form.js';
import { escapeHtml } from '../order/html.js';
import { GS, RS, US } from '../protocol/index.js';
import { splitItemPairs } from '../wire.js';

/** Percent-encode raw bytes, leaving only RFC 3986 unreserved characters as they are. */
export function percentEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Parse a form body whose values are bytes in `charset` (the SDK's own form decoder). */
export function parseForm(body: Buffer, charset: FormCharset): Map<string, string> {
  return new Map(Object.entries(decodeForm(body, charset)));
}

/** Encode fields as an EUC-KR form body (what KCP's notification sender posts). */
export function encodeForm(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const text = fields.map(([k, v]) => `${k}=${percentEncode(iconv.encode(v, 'cp949'))}`).join('&');
  return Buffer.from(text, 'latin1');
}

/** The gateway's answer: `res_cd=…<US>res_msg=…<US>…` in EUC-KR, no trailing separator, no newline. */
export function encodeResultLine(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return iconv.encode(fields.map(([k, v]) => `${k}=${v}`).join(US), 'cp949');
}

/** Split `name=value<sep>` items at their first '=' (lib/wire.ts, as the SDK reads them); the last duplicate wins. */
export function splitItems(items: string, separator: string): Map<string, string> {
  return new Map(splitItemPairs(items, separator));
}

/** Strip a set's own `name=` prefix (`ordr_data=ordr_data=…` arrives as `ordr_data=…`). */
function stripPrefix(value: string, name: string): string {
  return value.startsWith(`${name}=`) ? value.slice(name.length + 1) : value;
}

/**
 * A US-framed set such as ordr_data or mod_data, flattened: nested sets (`rcpt_data=user_type=PGNW<US>…<US><US>`)
 * are read the way KCP's flat encoding allows, i.e. the nested set name is dropped and its items join the map.
 */
export function parseUsSet(value: string, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, val] of splitItems(stripPrefix(value, name), US)) {
    const eq = val.indexOf('=');
    if ((key === 'rcpt_data' || key === 'corp_data') && eq > 0) out.set(val.slice(0, eq), val.slice(eq + 1));
    else out.set(key, val);
  }
  return out;
}

/** payx_data: `payx_data=common=…<US>…<RS>card=…<RS>` → subset name → items. */
export function parsePayxData(value: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let text = stripPrefix(value, 'payx_data');
  text = stripPrefix(text, 'payx_data');
  for (const subset of text.split(RS)) {
    if (subset === '') continue;
    const eq = subset.indexOf('=');
    if (eq < 0) continue;
    out.set(subset.slice(0, eq), splitItems(subset.slice(eq + 1), US));
  }
  return out;
}

/** escw_data: GS-terminated items. */
export function parseEscwData(value: string): Map<string, string> {
  return splitItems(stripPrefix(value, 'escw_data'), GS);
}

/** HTML-escape, with every non-ASCII character as a numeric reference so the page bytes stay ASCII. */
export function htmlText(text: string): string {
  return escapeHtml(text).replace(/[^\x00-\x7e]/gu, (ch) => `&#${ch.codePointAt(0)};`);
}
