/**
 * TEST or REAL: KCP keeps two worlds, and site code, gateway host and payment-window JS must all
 * belong to the same one (manual: 3014 for a site code / JS mismatch, 8001 for a REAL site with a TEST
 * gateway). How each value is told apart:
 *
 * - site code: KCP's test codes start with 'T' (T0000 general, T0007 escrow); every other code is REAL.
 * - gateway host: `testpaygw.*` or KCP's test IP 203.238.36.58 is TEST; `paygw.*` or a real gateway IP
 *   (203.238.36.136/.139/.173/.178) is REAL; a loopback host (127.0.0.0/8, localhost, ::1) is the local
 *   simulator and counts as TEST.
 * - JS URL: `payplus_test.js` / `payplus_test_un.js` is TEST, `payplus.js` / `payplus_un.js` is REAL (on a
 *   kcp.co.kr host, http or https). The standard-web window has one file name for both, `payplus_web.jsp`: on
 *   `testpay.kcp.co.kr` it is TEST, on `pay.kcp.co.kr` REAL. Any URL on a loopback host is the local simulator's
 *   window: TEST. The file name also says which window the page opens (payplus_web.jsp: standard web).
 *
 * Anything else is refused rather than guessed: a wrong guess costs a failed or a real payment.
 */
import { configError, RES_3014, RES_8001 } from './config-error.js';
import { TEST_GW_URL, REAL_GW_URL, TEST_WEB_JS_URL, REAL_WEB_JS_URL, type KcpEnvironment, type PaymentWindow } from './site-conf.js';

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

const TEST_GW_IPS = new Set(['203.238.36.58']);
const REAL_GW_IPS = new Set(['203.238.36.136', '203.238.36.139', '203.238.36.173', '203.238.36.178']);
const JS_FILE = /^payplus(_test)?(_un)?\.js$/;
const WEB_JS_FILE = 'payplus_web.jsp';
/** The standard-web script's host decides its environment (the file name is the same for both). */
const WEB_JS_HOSTS: Readonly<Record<string, KcpEnvironment>> = { 'testpay.kcp.co.kr': 'TEST', 'pay.kcp.co.kr': 'REAL' };

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

/** Reads a gateway host (g_conf_gw_url); undefined when it is none of the known kinds. */
export function gatewayEnvironment(host: string): EnvReading | undefined {
  const h = host.toLowerCase();
  if (isLoopbackHost(h)) return { env: 'TEST', local: true };
  if (TEST_GW_IPS.has(h) || h.startsWith('testpaygw.')) return { env: 'TEST', local: false };
  if (REAL_GW_IPS.has(h) || h.startsWith('paygw.')) return { env: 'REAL', local: false };
  return undefined;
}

/** Reads a payment-window JS URL (g_conf_js_url); undefined when it is none of the known kinds. */
export function jsUrlEnvironment(jsUrl: string): JsUrlReading | undefined {
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
  const host = url.hostname.toLowerCase();
  if (name === WEB_JS_FILE) {
    const env = WEB_JS_HOSTS[host];
    return env === undefined ? undefined : { env, local: false, window };
  }
  if (host !== 'kcp.co.kr' && !host.endsWith('.kcp.co.kr')) return undefined;
  const file = JS_FILE.exec(name);
  if (!file) return undefined;
  return { env: file[1] ? 'TEST' : 'REAL', local: false, window, charset: file[2] ? 'utf-8' : 'euc-kr' };
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
}

/**
 * Why a site configuration is not all TEST or all REAL, in the order a merchant fixes it. The manual's codes
 * (../shared/docs/kcp-ax-hub-manual.ko.txt, "호출 JS" / "게이트웨이 서버 호스트명" FAQ): site code and JS of different
 * worlds → 3014; JS and gateway out of step → 8001 ("한 부분이라도 동기화가 이루어져있지 않을 경우 8001"), in either
 * direction. Once site code and JS agree, the gateway is compared with the site code (the one value a merchant cannot
 * change). A REAL site code against the local simulator never reaches KCP, so it carries no KCP code.
 */
export type EnvironmentProblem =
  | { readonly kind: 'js_unknown' }
  | { readonly kind: 'gw_unknown' }
  | { readonly kind: 'local_with_real'; readonly field: 'g_conf_gw_url' | 'g_conf_js_url' }
  | { readonly kind: 'site_js'; readonly site: KcpEnvironment; readonly js: JsUrlReading; readonly resCd: '3014' }
  | { readonly kind: 'site_gw'; readonly site: KcpEnvironment; readonly gw: EnvReading; readonly resCd: '8001' };

export type EnvironmentVerdict =
  | { readonly ok: true; readonly env: KcpEnvironment; readonly window: PaymentWindow; readonly js: JsUrlReading; readonly gw: EnvReading }
  | ({ readonly ok: false } & EnvironmentProblem);

/** The one TEST/REAL classifier: SiteConf (checkEnvironment) and doctor (config.env) both render its verdict. */
export function classifyEnvironment(s: EnvSettings): EnvironmentVerdict {
  const site = siteCdEnvironment(s.siteCd);
  const js = jsUrlEnvironment(s.jsUrl);
  if (!js) return { ok: false, kind: 'js_unknown' };
  const gw = gatewayEnvironment(s.gwUrl);
  if (!gw) return { ok: false, kind: 'gw_unknown' };
  if (site === 'REAL' && (gw.local || js.local)) return { ok: false, kind: 'local_with_real', field: gw.local ? 'g_conf_gw_url' : 'g_conf_js_url' };
  if (site !== js.env) return { ok: false, kind: 'site_js', site, js, resCd: '3014' };
  if (site !== gw.env) return { ok: false, kind: 'site_gw', site, gw, resCd: '8001' };
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
        `"${s.gwUrl}" is neither KCP's TEST gateway (testpaygw.kcp.co.kr) nor its REAL gateway (paygw.kcp.co.kr) nor a local simulator (127.0.0.1, localhost, ::1)`,
        `use "${TEST_GW_URL}" with a TEST site code or "${REAL_GW_URL}" with your contracted site code`,
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
