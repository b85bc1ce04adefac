/**
 * The `-h` option string and the argv pp_cli receives (docs/pp-cli-protocol.md §1.2, §1.5).
 *
 * One argument, `key=value` pairs joined by ',' in the vendor order. pp_cli 2.14 takes `log_path` between `cust_ip` and
 * `log_level` (variant B); 2.00 has no such key (variant A). Values are bytes: CP949 under opt=0, UTF-8 with opt=1
 * (encoding.ts), except the two folders: `home` and `log_path` are the file system's bytes, UTF-8, under either opt.
 * pp_cli opens them as they are (opt=1 converts only ordr_idxx and the data sets, docs/pp-cli-protocol.md §1.5), and Node,
 * the SDK's logger and doctor use those same UTF-8 bytes, so a Hangul g_conf_log_dir is one folder for all of them.
 */
import { encodeText, findNonKsX1001, isAscii, type TextEncoding } from './encoding.js';
import { assertNoComma } from './validate.js';

export interface OptionValues {
  home: string;
  siteCd: string;
  siteKey: string;
  txCd: string;
  paUrl: string;
  paPort: string;
  ordrIdxx: string;
  /** Complete set strings including their own name prefix (`ordr_data=…`, `mod_data=…`) or ''. */
  payxData: string;
  ordrData: string;
  rcvrData: string;
  escwData: string;
  modxData: string;
  encData: string;
  encInfo: string;
  traceNo: string;
  custIp: string;
  /** Only sent for pp_cli 2.14 (variant B). */
  logPath: string;
  logLevel: number;
  /** 0: EUC-KR; 1: UTF-8 in and out (pp_cli 2.14). */
  opt: 0 | 1;
}

export type PpCliVersion = '2.00' | '2.14';

const HEAD_KEYS = [
  'home', 'site_cd', 'site_key', 'tx_cd', 'pa_url', 'pa_port', 'ordr_idxx', 'payx_data', 'ordr_data', 'rcvr_data',
  'escw_data', 'modx_data', 'enc_data', 'enc_info', 'trace_no', 'cust_ip',
];
const KEYS_2_14: readonly string[] = Object.freeze([...HEAD_KEYS, 'log_path', 'log_level', 'opt']);
const KEYS_2_00: readonly string[] = Object.freeze([...HEAD_KEYS, 'log_level', 'opt']);

/** Keys in the order the vendor libraries write them (one frozen list per version, not a new one per payment). */
export function optionKeys(version: PpCliVersion): readonly string[] {
  return version === '2.14' ? KEYS_2_14 : KEYS_2_00;
}

function valueOf(values: OptionValues, key: string): string {
  switch (key) {
    case 'home': return values.home;
    case 'site_cd': return values.siteCd;
    case 'site_key': return values.siteKey;
    case 'tx_cd': return values.txCd;
    case 'pa_url': return values.paUrl;
    case 'pa_port': return values.paPort;
    case 'ordr_idxx': return values.ordrIdxx;
    case 'payx_data': return values.payxData;
    case 'ordr_data': return values.ordrData;
    case 'rcvr_data': return values.rcvrData;
    case 'escw_data': return values.escwData;
    case 'modx_data': return values.modxData;
    case 'enc_data': return values.encData;
    case 'enc_info': return values.encInfo;
    case 'trace_no': return values.traceNo;
    case 'cust_ip': return values.custIp;
    case 'log_path': return values.logPath;
    case 'log_level': return String(values.logLevel);
    case 'opt': return String(values.opt);
    default: throw new Error(`unknown option key ${key}`);
  }
}

/** The keys whose values are folders: passed as the file system's bytes (UTF-8), never converted. */
const PATH_KEYS: ReadonlySet<string> = new Set(['home', 'log_path']);
const SET_KEYS: ReadonlySet<string> = new Set(['payx_data', 'ordr_data', 'rcvr_data', 'escw_data', 'modx_data']);

/**
 * Under opt=1 pp_cli makes '?' of every character outside KS X 1001: the first such character of a data set is refused
 * naming its item (buyr_name, not ordr_data), as the setters name it.
 */
function assertStrictItems(setString: string): void {
  if (findNonKsX1001(setString) === undefined) return;
  const body = setString.slice(setString.indexOf('=') + 1);
  for (const subset of body.split('\x1e')) {
    // payx subsets are `common=items…`: the subset name is a prefix, not an item
    const inner = setString.startsWith('payx_data=') ? subset.slice(subset.indexOf('=') + 1) : subset;
    for (const item of inner.split(/[\x1c\x1d\x1f]/)) {
      const eq = item.indexOf('=');
      encodeText(item, eq < 0 ? item : item.slice(0, eq), 'utf-8'); // throws at the first bad item, naming it
    }
  }
}

/** `key=` for the first key, `,key=` for the others: the bytes before each value, made once per key. */
const prefixOf = (key: string, first: boolean): string => `${first ? '' : ','}${key}=`;
const PREFIXES_2_14: readonly string[] = KEYS_2_14.map((key, i) => prefixOf(key, i === 0));
const PREFIXES_2_00: readonly string[] = KEYS_2_00.map((key, i) => prefixOf(key, i === 0));

/**
 * Build the `-h` argument as bytes. Every value is checked for ',' (the separator getsubopt splits on). ASCII is the
 * same bytes in every encoding here: it is written into the result as it is; only other values are encoded first.
 */
export function buildOptionString(values: OptionValues, version: PpCliVersion): Buffer {
  const encoding: TextEncoding = values.opt === 1 ? 'utf-8' : 'euc-kr';
  const keys = optionKeys(version);
  const prefixes = version === '2.14' ? PREFIXES_2_14 : PREFIXES_2_00;
  const texts: string[] = [];
  const encoded: Array<Buffer | undefined> = [];
  let length = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = valueOf(values, key);
    assertNoComma(key, value);
    if (encoding === 'utf-8' && SET_KEYS.has(key)) assertStrictItems(value);
    const bytes = isAscii(value) ? undefined : PATH_KEYS.has(key) ? Buffer.from(value, 'utf8') : encodeText(value, key, encoding);
    texts.push(value);
    encoded.push(bytes);
    length += prefixes[i]!.length + (bytes ? bytes.length : value.length);
  }
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    at += out.write(prefixes[i]!, at, 'latin1');
    const bytes = encoded[i];
    at += bytes ? bytes.copy(out, at) : out.write(texts[i]!, at, 'latin1');
  }
  // Unfilled bytes of allocUnsafe would be old memory passed to pp_cli: the lengths above must have been exact.
  if (at !== length) throw new Error(`buildOptionString: wrote ${at} of ${length} bytes`);
  return out;
}
