/**
 * Field rules for site_conf_inc, one small function per field. Each returns the value in its final
 * form or throws KcpConfigError (field, problem, fix, and the res_cd KCP would answer when known).
 * Secrets never appear in messages unmasked.
 */
import path from 'node:path';
import { redact } from '../log/mask.js';
import { configError, RES_3014 } from './config-error.js';
import { DEFAULT_GW_PORT, TEST_SITE_CD } from './site-conf.js';

export type SdkLogLevel = 0 | 1 | 2 | 3;

/**
 * The one site-code rule: exactly 5 upper-case letters or digits, as KCP issues it (a lower-case code → 3014). SiteConf,
 * the order form, doctor and the receipt URLs all ask here.
 */
export function isSiteCd(value: unknown): boolean {
  return typeof value === 'string' && /^[A-Z0-9]{5}$/.test(value);
}

/** A code that would be a site code but for its lower-case letters. */
export function isLowerCaseSiteCd(value: string): boolean {
  return value !== value.toUpperCase() && isSiteCd(value.toUpperCase());
}

/** g_conf_site_cd: exactly 5 characters, upper-case letters and digits (lower case → 3014). */
export function checkSiteCd(value: string): string {
  const field = 'g_conf_site_cd';
  if (isLowerCaseSiteCd(value)) {
    throw configError(field, `"${value}" has lower-case letters`, `write it in upper case, as KCP issued it: "${value.toUpperCase()}"`, RES_3014);
  }
  if (!isSiteCd(value)) {
    throw configError(
      field,
      `"${value}" is not 5 upper-case letters or digits (it has ${value.length} characters)`,
      `write the 5-character site code from KCP's 연동 메일 exactly, e.g. "${TEST_SITE_CD}" for TEST, without spaces`,
      RES_3014,
    );
  }
  return value;
}

/** g_conf_site_key: 25 characters ending in "__"; a missing quote or trailing "__" is the classic 3014. */
export function checkSiteKey(value: string): string {
  const field = 'g_conf_site_key';
  const shown = redact(value) || '(empty)'; // the one secret mask (log/mask.ts): nothing of the key, only its length
  const fix = 'copy the 25-character site key from KCP\'s 연동 메일 exactly, including the trailing "__", between one pair of quotes';
  if (/[\s"'`,]|[^\x20-\x7e]/.test(value)) {
    throw configError(field, `${shown} contains a quote, comma, space or non-ASCII character (a missing or extra quote in site_conf_inc is the classic cause)`, fix, RES_3014);
  }
  if (value.length !== 25) {
    throw configError(field, `${shown} is not 25 characters long (a missing quote or trailing "__" is the classic cause)`, fix, RES_3014);
  }
  if (!value.endsWith('__')) {
    throw configError(field, `${shown} does not end in "__" (a missing quote or trailing "__" is the classic cause)`, fix, RES_3014);
  }
  return value;
}

/** g_conf_module_type: fixed "01" (변경불가). */
export function checkModuleType(value: string): '01' {
  if (value !== '01') {
    throw configError('g_conf_module_type', `"${value}" is not "01"`, 'set it to "01"; KCP fixes this value (변경불가) and payments may fail otherwise');
  }
  return '01';
}

function intOf(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  return /^\d{1,2}$/.test(value) ? Number(value) : undefined;
}

/** g_conf_log_level: the SDK logger's level, an integer 0–3 ("3" and "03" both read as 3). */
export function checkLogLevel(value: string | number): SdkLogLevel {
  const n = intOf(value);
  if (n === undefined || n < 0 || n > 3) {
    throw configError('g_conf_log_level', `${JSON.stringify(value)} is not an integer from 0 to 3`, 'write "3" (KCP\'s samples) or 0, 1, 2');
  }
  return n as SdkLogLevel;
}

/**
 * payplus.pp_cli_log_level: pp_cli's own level, 0, 3 or 5 (1 and 2 behave like 0); 3 when unset, as every KCP sample.
 * Above 3 pp_cli writes `REQ_MSG=[…]` lines holding the whole request body, the payment window's enc_data included
 * (docs/pp-cli-protocol.md §10.3), and the SDK cannot mask files pp_cli writes: 5 needs payplus.allow_pp_cli_request_dump.
 */
export function checkPpCliLogLevel(value: string | number | undefined, allowRequestDump = false): number {
  if (value === undefined || value === '') return 3;
  const n = intOf(value);
  if (n !== 0 && n !== 3 && n !== 5) {
    throw configError(
      'payplus.pp_cli_log_level',
      `${JSON.stringify(value)} is not 0, 3 or 5`,
      'leave it out (3, as in KCP\'s samples), or write 0 for start/end and errors only, 5 to add request dumps',
    );
  }
  if (n > 3 && !allowRequestDump) {
    throw configError(
      'payplus.pp_cli_log_level',
      `${n} makes pp_cli write every request body (the payment window's enc_data and the buyer's data) into its log, unmasked`,
      'write 3 (KCP\'s samples) or 0; to debug with request dumps on purpose, also set payplus.allow_pp_cli_request_dump to true, and remove both afterwards',
    );
  }
  return n;
}

/**
 * g_conf_gw_port: "8090", or a ':'-separated list pp_cli tries in order. Any port other than 8090
 * needs payplus.allow_nonstandard_port, so a typo cannot silently point at the wrong service.
 */
export function checkGwPort(value: string | number, allowNonstandard: boolean): string {
  const field = 'g_conf_gw_port';
  const text = String(value);
  const ports = text.split(':');
  for (const p of ports) {
    if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw configError(field, `"${text}" is not a port number or a ':'-separated list of ports`, `write "${DEFAULT_GW_PORT}"`);
    }
    if (p !== DEFAULT_GW_PORT && !allowNonstandard) {
      throw configError(
        field,
        `port ${p} is not KCP's gateway port ${DEFAULT_GW_PORT}`,
        `write "${DEFAULT_GW_PORT}" (TEST and REAL both use it), or set payplus.allow_nonstandard_port to true when another port is deliberate (e.g. a local simulator)`,
      );
    }
  }
  return ports.map((p) => String(Number(p))).join(':');
}

/** g_conf_site_name: at most 20 characters, printable ASCII (the manual asks for English). */
export function checkSiteName(value: string): string {
  const field = 'g_conf_site_name';
  if (/[^\x20-\x7e]/.test(value)) {
    throw configError(field, `"${value}" has non-ASCII characters`, 'write the shop name in English letters, digits and spaces (at most 20 characters)');
  }
  if (value.length > 20) {
    throw configError(field, `"${value}" has ${value.length} characters, more than 20`, 'shorten it to 20 characters or fewer');
  }
  return value;
}

/**
 * A folder setting: absolute, no surrounding spaces, no ',' (pp_cli's option string splits on it).
 * Returns the normalised path without a trailing separator. Empty is returned as '' when allowed.
 */
export function checkDir(field: string, value: string, example: string, allowEmpty: boolean): string {
  if (value === '') {
    if (allowEmpty) return '';
    throw configError(field, 'is empty', `set the absolute path, e.g. "${example}"`);
  }
  if (value.trim() !== value) {
    throw configError(field, `"${value}" has leading or trailing spaces`, `remove them: "${value.trim()}"`);
  }
  if (value.includes(',')) {
    throw configError(field, `"${value}" contains ',', which pp_cli's option string uses as a separator`, 'move the KCP folder to a path without commas');
  }
  if (!path.isAbsolute(value)) {
    throw configError(field, `"${value}" is not an absolute path`, `write the full path from the root, e.g. "${example}"`);
  }
  const normal = path.normalize(value);
  return normal.length > 1 && normal.endsWith(path.sep) ? normal.slice(0, -1) : normal;
}

/** payplus.web_roots: absolute folders served by the web server. */
export function checkWebRoots(values: readonly string[]): string[] {
  return values.map((v, i) => checkDir(`payplus.web_roots[${i}]`, v, '/var/www/html', false));
}

/** True for an absolute http: or https: URL (the one URL rule of every setting and field that holds one). */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** payplus.notify_url: where KCP posts common_return; http(s) only. */
export function checkNotifyUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isHttpUrl(value)) {
    throw configError('payplus.notify_url', `"${value}" is not an http(s) URL`, 'write the full URL of your common_return page, e.g. "https://shop.example.com/kcp/common_return"');
  }
  return value;
}
