/**
 * TEST or REAL: KCP keeps two worlds, and site code, gateway host and payment-window JS must all
 * belong to the same one (manual: 3014 for a site code / JS mismatch, 8001 for a REAL site with a TEST
 * gateway). How each value is told apart:
 *
 * - site code: KCP's test codes start with 'T' (T0000 general, T0007 escrow); every other code is REAL.
 * - hosts: exactly the names and addresses of KCP_HOSTS below, the one table of KCP's hosts, plus the ones the
 *   merchant adds on purpose with payplus.extra_kcp_hosts (a host KCP announces later; doctor warns about each).
 *   Nothing is matched by pattern: `paygw.attacker.example` is not KCP's gateway. A loopback host (127.0.0.0/8,
 *   localhost, ::1) is the local simulator and counts as TEST.
 * - JS URL: `payplus_test.js` / `payplus_test_un.js` is TEST, `payplus.js` / `payplus_un.js` is REAL (on
 *   pay.kcp.co.kr). The standard-web window has one file name for both, `payplus_web.jsp`: on `testpay.kcp.co.kr` it
 *   is TEST, on `pay.kcp.co.kr` REAL. Any URL on a loopback host is the local simulator's window: TEST. The file name
 *   also says which window the page opens (payplus_web.jsp: standard web). A REAL site loads it over https only.
 *
 * Anything else is refused rather than guessed: a wrong guess costs a failed or a real payment, or sends the site
 * key and the buyer's enc_data to someone else.
 */
import { configError, RES_3014, RES_8001 } from './config-error.js';
import { TEST_GW_URL, REAL_GW_URL, TEST_WEB_JS_URL, REAL_WEB_JS_URL, type KcpEnvironment, type KcpHostEntry, type PaymentWindow } from './site-conf.js';

/** What one setting says about the environment. `local` marks the loopback simulator. */
export interface EnvReading {
  readonly env: KcpEnvironment;
  readonly local: boolean;
}

/** What g_conf_js_url says: its environment, the PC window it opens and, for the plug-in scripts, the page charset. */
export interface JsUrlReading extends EnvReading {
  readonly window: PaymentWindow;
  /** payplus(_test)_un.js is for UTF-8 pages, payplus(_test).js for EUC-KR; undefined for other scripts. */
  readonly charset?: 'utf-8' | 'euc-kr';
}

export type { KcpHostEntry };
/** What a KCP host serves: pp_cli's gateway (TCP), the payment-window script, or the smartphone trade registration (SOAP). */
export type KcpHostRole = KcpHostEntry['role'];

/**
 * THE table of KCP's hosts (docs/kcp-manual.md §2 "TEST against REAL", docs/pp-cli-protocol.md pa_url, docs/windows-today.md §1–2,
 * the manual's gateway IPs). Every rule that asks "is this KCP's?" asks here, by exact name.
 */
export const KCP_HOSTS: readonly KcpHostEntry[] = Object.freeze([
  { host: 'testpaygw.kcp.co.kr', role: 'gateway', env: 'TEST' },
  { host: '203.238.36.58', role: 'gateway', env: 'TEST' },
  { host: 'paygw.kcp.co.kr', role: 'gateway', env: 'REAL' },
  { host: '203.238.36.136', role: 'gateway', env: 'REAL' },
  { host: '203.238.36.139', role: 'gateway', env: 'REAL' },
  { host: '203.238.36.173', role: 'gateway', env: 'REAL' },
  { host: '203.238.36.178', role: 'gateway', env: 'REAL' },
  // payplus_web.jsp: TEST on testpay, REAL on pay. The plug-in scripts of both worlds live on pay (PLUGIN_SCRIPT_HOST).
  { host: 'testpay.kcp.co.kr', role: 'script', env: 'TEST' },
  { host: 'pay.kcp.co.kr', role: 'script', env: 'REAL' },
  { host: 'testsmpay.kcp.co.kr', role: 'trade', env: 'TEST' },
  { host: 'smpay.kcp.co.kr', role: 'trade', env: 'REAL' },
] satisfies KcpHostEntry[]);

/** The host of the plug-in scripts payplus(_test)(_un).js, TEST and REAL alike (the file name says which). */
const PLUGIN_SCRIPT_HOST = 'pay.kcp.co.kr';
const JS_FILE = /^payplus(_test)?(_un)?\.js$/;
const WEB_JS_FILE = 'payplus_web.jsp';

/** A host name as compared: lower case, no brackets, no trailing dot. */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** The table's (then the merchant's extra) entry for `host` in `role`, if any. */
export function kcpHost(host: string, role: KcpHostRole, extra: readonly KcpHostEntry[] = []): KcpHostEntry | undefined {
  const h = hostKey(host);
  return KCP_HOSTS.find((e) => e.role === role && e.host === h) ?? extra.find((e) => e.role === role && hostKey(e.host) === h);
}

/** The table's hosts for one role and world, for messages. */
export function kcpHostNames(role: KcpHostRole, env: KcpEnvironment): string[] {
  return KCP_HOSTS.filter((e) => e.role === role && e.env === env).map((e) => e.host);
}

/** KCP's test site codes are the T-prefixed ones (T0000, T0007). */
export function siteCdEnvironment(siteCd: string): KcpEnvironment {
  return siteCd.startsWith('T') ? 'TEST' : 'REAL';
}

/** True for 127.0.0.0/8, localhost and ::1 (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Reads a gateway host (g_conf_gw_url); undefined when it is neither KCP's (KCP_HOSTS or `extra`) nor loopback. */
export function gatewayEnvironment(host: string, extra: readonly KcpHostEntry[] = []): EnvReading | undefined {
  if (isLoopbackHost(host)) return { env: 'TEST', local: true };
  const entry = kcpHost(host, 'gateway', extra);
  return entry ? { env: entry.env, local: false } : undefined;
}

/** Reads a payment-window JS URL (g_conf_js_url); undefined when it is none of the known kinds. */
export function jsUrlEnvironment(jsUrl: string, extra: readonly KcpHostEntry[] = []): JsUrlReading | undefined {
  let url: URL;
  try {
    url = new URL(jsUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const window: PaymentWindow = name === WEB_JS_FILE ? 'standard-web' : 'plugin';
  if (isLoopbackHost(url.hostname)) return { env: 'TEST', local: true, window };
  const entry = kcpHost(url.hostname, 'script', extra);
  if (!entry) return undefined;
  if (name === WEB_JS_FILE) return { env: entry.env, local: false, window };
  const file = JS_FILE.exec(name);
  if (!file) return undefined;
  const env: KcpEnvironment = file[1] ? 'TEST' : 'REAL';
  // KCP serves the plug-in scripts of both worlds from pay.kcp.co.kr; a merchant's extra script host serves its own world.
  if (entry.host !== PLUGIN_SCRIPT_HOST && entry.env !== env) return undefined;
  return { env, local: false, window, charset: file[2] ? 'utf-8' : 'euc-kr' };
}

/**
 * Checks a URL the SDK sends a REAL site's data to, or loads KCP's code from (the window script, the SOAP trade
 * registration): https, on a host of `role` for REAL in KCP_HOSTS or `extra`, port 443. Returns the problem, or undefined.
 */
export function realUrlProblem(value: string, role: 'script' | 'trade', extra: readonly KcpHostEntry[] = []): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol !== 'https:') return `"${value}" is not https (${url.protocol.replace(/:$/, '')}), and a REAL site talks to KCP over https only`;
  const entry = kcpHost(url.hostname, role, extra);
  const plugin = role === 'script' && hostKey(url.hostname) === PLUGIN_SCRIPT_HOST;
  if (!entry || (entry.env !== 'REAL' && !plugin)) {
    return `"${url.hostname}" is not KCP's REAL ${role === 'script' ? 'payment-window' : 'trade-registration'} host (${kcpHostNames(role, 'REAL').join(', ')})`;
  }
  if (url.port !== '') return `"${value}" names port ${url.port}; KCP serves it on the https port 443`;
  return undefined;
}

/** Checks the gateway host's form: a bare host name or IP, no scheme, port, path or separator. */
export function checkGatewayHostForm(host: string): void {
  const field = 'g_conf_gw_url';
  if (host === '') {
    throw configError(field, 'is empty', `set the gateway host: "${TEST_GW_URL}" for TEST, "${REAL_GW_URL}" for REAL`);
  }
  if (/^[a-z]+:\/\//i.test(host)) {
    throw configError(field, `"${host}" has a scheme`, `write the host name only, e.g. "${TEST_GW_URL}" (pp_cli opens a TCP connection, not HTTP)`);
  }
  if (/^[A-Za-z0-9.-]+:\d+$/.test(host)) {
    throw configError(field, `"${host}" contains a port`, 'write the host name only and put the port in g_conf_gw_port');
  }
  const hostName = /^[A-Za-z0-9.-]+$/.test(host);
  const ipv6 = /^\[?[0-9A-Fa-f:.]+\]?$/.test(host) && (host.match(/:/g) ?? []).length >= 2;
  if (!hostName && !ipv6) {
    throw configError(field, `"${host}" is not a host name`, `write the host name only, e.g. "${TEST_GW_URL}"; the port goes in g_conf_gw_port`);
  }
}

/** The environment settings of one site configuration, already in their final form. */
export interface EnvSettings {
  readonly siteCd: string;
  readonly gwUrl: string;
  readonly jsUrl: string;
  /** payplus.extra_kcp_hosts: hosts the merchant adds to KCP_HOSTS on purpose. */
  readonly extraHosts?: readonly KcpHostEntry[];
}

/**
 * Why a site configuration is not all TEST or all REAL, in the order a merchant fixes it. The manual's codes
 * (docs/kcp-manual.md §6, from the manual's "호출 JS" / "게이트웨이 서버 호스트명" FAQ): site code and JS of different
 * worlds → 3014; JS and gateway out of step → 8001 ("한 부분이라도 동기화가 이루어져있지 않을 경우 8001"), in either
 * direction. Once site code and JS agree, the gateway is compared with the site code (the one value a merchant cannot
 * change). A REAL site code against the local simulator never reaches KCP, so it carries no KCP code.
 */
export type EnvironmentProblem =
  | { readonly kind: 'js_unknown' }
  | { readonly kind: 'gw_unknown' }
  | { readonly kind: 'local_with_real'; readonly field: 'g_conf_gw_url' | 'g_conf_js_url' }
  | { readonly kind: 'js_insecure'; readonly problem: string }
  | { readonly kind: 'site_js'; readonly site: KcpEnvironment; readonly js: JsUrlReading; readonly resCd: '3014' }
  | { readonly kind: 'site_gw'; readonly site: KcpEnvironment; readonly gw: EnvReading; readonly resCd: '8001' };

export type EnvironmentVerdict =
  | { readonly ok: true; readonly env: KcpEnvironment; readonly window: PaymentWindow; readonly js: JsUrlReading; readonly gw: EnvReading }
  | ({ readonly ok: false } & EnvironmentProblem);

/** The one TEST/REAL classifier: SiteConf (checkEnvironment) and doctor (config.env) both render its verdict. */
export function classifyEnvironment(s: EnvSettings): EnvironmentVerdict {
  const site = siteCdEnvironment(s.siteCd);
  const js = jsUrlEnvironment(s.jsUrl, s.extraHosts);
  if (!js) return { ok: false, kind: 'js_unknown' };
  const gw = gatewayEnvironment(s.gwUrl, s.extraHosts);
  if (!gw) return { ok: false, kind: 'gw_unknown' };
  if (site === 'REAL' && (gw.local || js.local)) return { ok: false, kind: 'local_with_real', field: gw.local ? 'g_conf_gw_url' : 'g_conf_js_url' };
  if (site !== js.env) return { ok: false, kind: 'site_js', site, js, resCd: '3014' };
  if (site !== gw.env) return { ok: false, kind: 'site_gw', site, gw, resCd: '8001' };
  const insecure = site === 'REAL' ? realUrlProblem(s.jsUrl, 'script', s.extraHosts) : undefined;
  if (insecure) return { ok: false, kind: 'js_insecure', problem: insecure };
  return { ok: true, env: site, window: js.window, js, gw };
}

/**
 * Applies the all-TEST-or-all-REAL rule and returns the environment and the PC window the JS URL opens.
 * Throws KcpConfigError naming the value at fault and the res_cd KCP would answer.
 */
export function checkEnvironment(s: EnvSettings): { env: KcpEnvironment; window: PaymentWindow } {
  const v = classifyEnvironment(s);
  if (v.ok) return { env: v.env, window: v.window };
  switch (v.kind) {
    case 'js_unknown':
      throw configError(
        'g_conf_js_url',
        `"${s.jsUrl}" is not a KCP payment-window script (the standard-web payplus_web.jsp on testpay.kcp.co.kr or pay.kcp.co.kr, or the plug-in payplus_test.js, payplus_test_un.js, payplus.js, payplus_un.js on pay.kcp.co.kr) nor a local simulator URL (http://127.0.0.1:<port>/...)`,
        `use the standard-web window: "${TEST_WEB_JS_URL}" for TEST, "${REAL_WEB_JS_URL}" for REAL`,
      );
    case 'gw_unknown':
      throw configError(
        'g_conf_gw_url',
        `"${s.gwUrl}" is neither KCP's TEST gateway (${TEST_GW_URL}) nor its REAL gateway (${REAL_GW_URL}) nor a local simulator (127.0.0.1, localhost, ::1)`,
        `use "${TEST_GW_URL}" with a TEST site code or "${REAL_GW_URL}" with your contracted site code (a gateway KCP announced after this release goes into payplus.extra_kcp_hosts)`,
      );
    case 'js_insecure':
      throw configError(
        'g_conf_js_url',
        `${v.problem}: the browser would load the payment window from where anyone on the way can change it`,
        `use "${REAL_WEB_JS_URL}" (or https://pay.kcp.co.kr/plugin/payplus.js for the plug-in window)`,
      );
    case 'local_with_real':
      throw configError(
        v.field,
        `"${v.field === 'g_conf_gw_url' ? s.gwUrl : s.jsUrl}" is a local simulator, which is accepted only with a TEST site code, but g_conf_site_cd "${s.siteCd}" is a REAL site code`,
        `use a TEST site code (e.g. "T0000") with the simulator, or KCP's REAL gateway and JS with "${s.siteCd}"`,
      );
    case 'site_js':
      throw configError(
        'g_conf_js_url',
        `"${s.jsUrl}" is the ${v.js.env} payment window but g_conf_site_cd "${s.siteCd}" is a ${v.site} site code`,
        v.js.window === 'standard-web'
          ? v.site === 'TEST'
            ? `use "${TEST_WEB_JS_URL}" with a TEST site code, or your contracted site code with "${REAL_WEB_JS_URL}"`
            : `use "${REAL_WEB_JS_URL}" with your contracted site code, or a TEST site code such as "T0000" with "${TEST_WEB_JS_URL}"`
          : v.site === 'TEST'
            ? 'use payplus_test.js (payplus_test_un.js for UTF-8 pages) with a TEST site code, or your contracted site code with payplus.js'
            : 'use payplus.js (payplus_un.js for UTF-8 pages) with your contracted site code, or a TEST site code such as "T0000" with payplus_test.js',
        RES_3014,
      );
    case 'site_gw':
      throw configError(
        'g_conf_gw_url',
        `"${s.gwUrl}" is the ${v.gw.env} gateway but g_conf_site_cd "${s.siteCd}" and g_conf_js_url are ${v.site}`,
        v.site === 'REAL' ? `use "${REAL_GW_URL}" for a REAL site` : `use "${TEST_GW_URL}" (or a local simulator) for a TEST site code`,
        RES_8001,
      );
  }
}

/**
 * payplus.extra_kcp_hosts: each entry a bare host name or IPv4 address (no scheme, port or path), not loopback, not
 * already in KCP_HOSTS for that role, not listed twice. Returns the entries normalised (lower case), or undefined for none.
 */
export function checkExtraKcpHosts(entries: readonly KcpHostEntry[] | undefined): readonly KcpHostEntry[] | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const seen = new Set<string>();
  return Object.freeze(
    entries.map((e, i) => {
      const field = `payplus.extra_kcp_hosts[${i}].host`;
      const host = hostKey(e.host);
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) {
        throw configError(field, `"${e.host}" is not a host name`, 'write the host name KCP announced only, e.g. "paygw2.kcp.co.kr" (no scheme, port or path)');
      }
      if (isLoopbackHost(host)) {
        throw configError(field, `"${e.host}" is a loopback host, which is the local simulator, not KCP`, 'remove the entry; the local simulator needs no entry');
      }
      const known = KCP_HOSTS.find((k) => k.role === e.role && k.host === host);
      if (known) {
        throw configError(field, `"${e.host}" is already KCP's ${known.env} ${e.role} host in the SDK's table`, 'remove the entry');
      }
      const key = `${e.role} ${host}`;
      if (seen.has(key)) throw configError(field, `"${e.host}" is listed twice as a ${e.role} host`, 'keep one entry');
      seen.add(key);
      return Object.freeze({ host, role: e.role, env: e.env });
    }),
  );
}
