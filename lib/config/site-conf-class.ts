/**
 * SiteConf: the validated, immutable mirror of KCP's site_conf_inc. Every rule lives in rules.ts,
 * environment.ts and web-roots.ts; this class only orders them, derives values and renders the
 * result (toFile for round trips, toJSON/inspect with the site key masked).
 */
import path from 'node:path';
import { inspect, type InspectOptions } from 'node:util';
import { z } from 'zod';
import { KcpConfigError } from '../errors.js';
import { redact } from '../log/mask.js';
import { configError } from './config-error.js';
import { checkEnvironment, checkExtraKcpHosts, checkGatewayHostForm } from './environment.js';
import {
  checkDir,
  checkGwPort,
  checkLogLevel,
  checkModuleType,
  checkNotifyUrl,
  checkPpCliLogLevel,
  checkSiteCd,
  checkSiteKey,
  checkSiteName,
  checkWebRoots,
} from './rules.js';
import {
  DEFAULT_GW_PORT,
  REAL_GW_URL,
  REAL_JS_URL,
  REAL_JS_URL_UTF8,
  settingsToFile,
  settingsView,
  siteConfFileSchema,
  TEST_GW_URL,
  TEST_JS_URL,
  TEST_JS_URL_UTF8,
  TEST_SITE_CD,
  TEST_SITE_KEY,
  TEST_WEB_JS_URL,
  REAL_WEB_JS_URL,
  type PaymentWindow,
  type SiteConfData,
  type SiteConfFile,
} from './site-conf.js';
import { siteConfPath } from './default-path.js';
import { readSiteConfFile } from './load.js';
import { checkOutsideWebRoots, type PrivatePath } from './web-roots.js';
import { checkRestSettings } from './rest.js';

export interface SiteConfFromFileOptions {
  /** The folder the cfg file lives in: it must lie outside every web root too. */
  readonly baseDir?: string;
}

/** camelCase settings a preset accepts; anything left out takes the preset's value. */
export type SiteConfPresetOptions = Partial<Omit<SiteConfData, 'env' | 'moduleType' | 'window'>> & {
  /** Use the UTF-8 payment window (payplus_test_un.js / payplus_un.js). Ignored when jsUrl is given. */
  readonly utf8?: boolean;
  /** Which PC window the preset's JS URL opens: 'plugin' (default, payplus(_test).js) or 'standard-web' (payplus_web.jsp). Ignored when jsUrl is given. */
  readonly window?: PaymentWindow;
};

const TOP_KEYS = new Set<string>([...Object.keys(siteConfFileSchema.shape), '$schema', '$comment']);
const PAYPLUS_KEYS = new Set<string>(Object.keys(siteConfFileSchema.shape.payplus.unwrap().unwrap().shape));

type ParsedFile = z.output<typeof siteConfFileSchema>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every key the schema does not know, one error each: a misspelt key would otherwise be dropped silently. */
export function unknownKeyErrors(raw: Record<string, unknown>): KcpConfigError[] {
  const errors: KcpConfigError[] = [];
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.has(key)) {
      errors.push(configError(key, 'is not a site_conf_inc setting', `remove it or correct its spelling; known keys: ${[...TOP_KEYS].filter((k) => !k.startsWith('$')).join(', ')}`));
    }
  }
  const payplus = raw['payplus'];
  if (!isPlainObject(payplus)) return errors;
  for (const key of Object.keys(payplus)) {
    if (!PAYPLUS_KEYS.has(key)) {
      errors.push(configError(`payplus.${key}`, 'is not a payplus setting', `remove it or correct its spelling; known keys: ${[...PAYPLUS_KEYS].join(', ')}`));
    }
  }
  return errors;
}

/** Refuses the first unknown key. */
function checkKnownKeys(raw: Record<string, unknown>): void {
  const [first] = unknownKeyErrors(raw);
  if (first) throw first;
}

/** zod's complaints about a raw file, each in the house style. */
export function schemaErrors(raw: unknown): KcpConfigError[] {
  const result = siteConfFileSchema.safeParse(raw);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.join('.') || 'site_conf_inc';
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return configError(field, 'is missing', 'add it (cfg/README.md lists every key and its meaning)');
    }
    return configError(field, `has the wrong form (${issue.message})`, 'write it as cfg/README.md shows');
  });
}

function parseRaw(raw: unknown): ParsedFile {
  if (!isPlainObject(raw)) {
    throw configError('site_conf_inc', 'is not an object of g_conf_* keys', 'write a JSON object like cfg/site_conf_inc.json');
  }
  checkKnownKeys(raw);
  const [first] = schemaErrors(raw);
  if (first) throw first;
  return siteConfFileSchema.parse(raw);
}

/** Applies every rule, in the order a merchant would fix them (identity, environment, paths). */
function validate(f: ParsedFile, options: SiteConfFromFileOptions): SiteConfData & { cfgDir: string | undefined } {
  const siteCd = checkSiteCd(f.g_conf_site_cd);
  const siteKey = checkSiteKey(f.g_conf_site_key);
  checkGatewayHostForm(f.g_conf_gw_url);
  const extraKcpHosts = checkExtraKcpHosts(f.payplus.extra_kcp_hosts);
  const { env, window } = checkEnvironment({ siteCd, gwUrl: f.g_conf_gw_url, jsUrl: f.g_conf_js_url, extraHosts: extraKcpHosts });
  const gwPort = checkGwPort(f.g_conf_gw_port, f.payplus.allow_nonstandard_port);
  const moduleType = checkModuleType(f.g_conf_module_type);
  const logLevel = checkLogLevel(f.g_conf_log_level);
  const siteName = checkSiteName(f.g_conf_site_name);
  const homeDir = checkDir('g_conf_home_dir', f.g_conf_home_dir, '/opt/kcp-payplus', false);
  const keyDir = checkDir('g_conf_key_dir', f.g_conf_key_dir, '/opt/kcp-payplus/key', true);
  const logDir = checkDir('g_conf_log_dir', f.g_conf_log_dir, '/opt/kcp-payplus/log', true) || path.join(homeDir, 'log');
  const webRoots = checkWebRoots(f.payplus.web_roots);
  const cfgDir = options.baseDir === undefined ? undefined : path.resolve(options.baseDir);
  const rest = checkRestSettings(f.payplus, env);
  if (f.payplus.transport === 'rest' && rest.settings.restCertFile === undefined) {
    throw configError('payplus.transport', "is 'rest' but payplus.rest_cert_file is not set", 'set payplus.rest_cert_file, payplus.rest_key_file and payplus.rest_key_password_env (or _file) to the PG-API files KCP issued, or leave payplus.transport out to keep pp_cli');
  }
  const privatePaths: PrivatePath[] = [
    { field: 'g_conf_home_dir', label: 'the module folder <home>/bin', path: path.join(homeDir, 'bin') },
    ...(keyDir ? [{ field: 'g_conf_key_dir', label: 'the key folder', path: keyDir }] : []),
    { field: 'g_conf_log_dir', label: 'the log folder', path: logDir },
    ...(cfgDir ? [{ field: 'cfg', label: 'the folder of the cfg file', path: cfgDir }] : []),
    ...rest.privatePaths,
  ];
  checkOutsideWebRoots(privatePaths, webRoots);
  return {
    homeDir,
    keyDir,
    logDir,
    gwUrl: f.g_conf_gw_url,
    gwPort,
    jsUrl: f.g_conf_js_url,
    siteCd,
    siteKey,
    siteName,
    moduleType,
    logLevel,
    ppCliLogLevel: checkPpCliLogLevel(f.payplus.pp_cli_log_level, f.payplus.allow_pp_cli_request_dump),
    ppCliVersion: f.payplus.pp_cli_version,
    binary: f.payplus.binary,
    webRoots: Object.freeze(webRoots),
    allowNonstandardPort: f.payplus.allow_nonstandard_port,
    notifyUrl: checkNotifyUrl(f.payplus.notify_url),
    timeoutMs: f.payplus.timeout_ms,
    logRetentionDays: f.payplus.log_retention_days,
    prunePpCliLogs: f.payplus.prune_pp_cli_logs,
    allowPpCliRequestDump: f.payplus.allow_pp_cli_request_dump,
    ...(extraKcpHosts ? { extraKcpHosts } : {}),
    ...(f.payplus.transport ? { transport: f.payplus.transport } : {}),
    ...rest.settings,
    env,
    window,
    cfgDir,
  };
}

/** camelCase preset values → the raw file shape (settingsToFile), so presets go through the very same rules. */
function presetToFile(base: SiteConfPresetOptions & { siteCd: string; siteKey: string; gwUrl: string; jsUrl: string; homeDir: string; siteName: string }): SiteConfFile {
  return settingsToFile({
    ...base,
    // Passing a port in code is itself deliberate; only the cfg file needs the explicit switch.
    allowNonstandardPort: base.allowNonstandardPort ?? String(base.gwPort ?? DEFAULT_GW_PORT) !== DEFAULT_GW_PORT,
  });
}

/** Frozen plain SiteConfData already validated by SiteConf.from. */
const validatedData = new WeakMap<object, SiteConf>();

/** The fields of SiteConfData, declared once there (declaration merging), assigned in the constructor. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SiteConf extends SiteConfData {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SiteConf implements SiteConfData {
  /** The folder of the cfg file this came from (undefined for presets and fromFile without baseDir). */
  readonly cfgDir: string | undefined;

  private constructor(d: SiteConfData & { cfgDir: string | undefined }) {
    Object.assign(this, d);
    this.cfgDir = d.cfgDir;
    Object.freeze(this);
  }

  /** Validates the raw g_conf_* shape (cfg/site_conf_inc.json). Throws KcpConfigError on the first bad field. */
  static fromFile(raw: SiteConfFile, options: SiteConfFromFileOptions = {}): SiteConf {
    return new SiteConf(validate(parseRaw(raw), options));
  }

  /**
   * Reads a cfg file: `.json` (our format) or a legacy site_conf_inc.php/.jsp/.asp or Web.config
   * (never executed, only its g_conf_* assignments are read). Legacy files lack the payplus extras:
   * pass them (web_roots, ...) as `payplus`; for a .json file they override the file's own.
   * Errors name the file (and the line, for legacy files). Without `file`: $KCP_CONFIG, else
   * /opt/kcp-payplus/cfg/site_conf_inc.json — the `kcp-payplus` command's default too.
   */
  static async load(file: string = siteConfPath(), payplus?: SiteConfFile['payplus']): Promise<SiteConf> {
    const source = await readSiteConfFile(file, payplus);
    try {
      return SiteConf.fromFile(source.raw, { baseDir: source.baseDir });
    } catch (e) {
      if (!(e instanceof KcpConfigError)) throw e;
      const line = e.field === undefined ? undefined : source.lines[e.field];
      throw new KcpConfigError(`${file}${line === undefined ? '' : `:${line}`}: ${e.message}`, { field: e.field, cause: e });
    }
  }

  /**
   * The validated SiteConf for `conf`: itself when it is one. Plain SiteConfData (a literal, e.g. a test's) goes
   * through the very rules a cfg file does, so an inconsistent or malformed literal fails the way the file would;
   * env and window are derived again, never taken from the literal. APIs that need a valid configuration (orderForm
   * and the pages built on it) take their conf only through here.
   */
  static from(conf: SiteConf | SiteConfData): SiteConf {
    if (conf instanceof SiteConf) return conf;
    const cached = validatedData.get(conf);
    if (cached) return cached;
    const validated = SiteConf.fromFile(settingsToFile(conf));
    if (Object.isFrozen(conf)) validatedData.set(conf, validated); // a frozen literal cannot change after the check
    return validated;
  }

  /** KCP's public TEST site (T0000) against testpaygw.kcp.co.kr and payplus_test.js (payplus_web.jsp with window 'standard-web'). */
  static testPreset(o: SiteConfPresetOptions & { homeDir: string }, options: SiteConfFromFileOptions = {}): SiteConf {
    const js = o.window === 'standard-web' ? TEST_WEB_JS_URL : o.utf8 ? TEST_JS_URL_UTF8 : TEST_JS_URL;
    return SiteConf.fromFile(
      presetToFile({ siteName: 'TEST SHOP', ...o, siteCd: o.siteCd ?? TEST_SITE_CD, siteKey: o.siteKey ?? TEST_SITE_KEY, gwUrl: o.gwUrl ?? TEST_GW_URL, jsUrl: o.jsUrl ?? js }),
      options,
    );
  }

  /** A contracted (REAL) site against paygw.kcp.co.kr and payplus.js. */
  static realPreset(o: SiteConfPresetOptions & { siteCd: string; siteKey: string; homeDir: string }, options: SiteConfFromFileOptions = {}): SiteConf {
    const js = o.window === 'standard-web' ? REAL_WEB_JS_URL : o.utf8 ? REAL_JS_URL_UTF8 : REAL_JS_URL;
    return SiteConf.fromFile(presetToFile({ siteName: '', ...o, gwUrl: o.gwUrl ?? REAL_GW_URL, jsUrl: o.jsUrl ?? js }), options);
  }

  /** `<home>/bin`, where pp_cli lives. */
  get binDir(): string {
    return path.join(this.homeDir, 'bin');
  }

  /** The raw file shape, every value explicit (settingsToFile). Contains the full site key: write it only to the cfg file. */
  toFile(): SiteConfFile {
    return settingsToFile(this);
  }

  /** The camelCase view of every setting (site-conf.ts SITE_CONF_FIELDS) with the site key masked: safe for logs and JSON.stringify. */
  toJSON(): Record<string, unknown> {
    return { ...settingsView(this, redact), cfgDir: this.cfgDir };
  }

  toString(): string {
    return `SiteConf(${this.siteCd}, ${this.env})`;
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `SiteConf ${inspect(this.toJSON(), options)}`;
  }
}
