/**
 * SiteConf mirrors KCP's `site_conf_inc` (g_conf_* variables) plus the few settings this SDK adds.
 * Values are validated once, here; everything downstream trusts a SiteConf.
 */
import { z } from 'zod';

export type KcpEnvironment = 'TEST' | 'REAL';

/** One host of KCP's: its exact name (or IPv4 address), what it serves and for which world (environment.ts KCP_HOSTS). */
export interface KcpHostEntry {
  readonly host: string;
  /** pp_cli's gateway (TCP), the payment-window script, or the smartphone trade registration (SOAP). */
  readonly role: 'gateway' | 'script' | 'trade';
  readonly env: KcpEnvironment;
}

/**
 * Which PC payment window g_conf_js_url loads: KCP's standard-web window (payplus_web.jsp, a layer that calls the
 * page's m_Completepayment) or the 2010-era plug-in window (payplus(_test)(_un).js, KCP_Pay_Execute / MakePayMessage).
 */
export type PaymentWindow = 'standard-web' | 'plugin';

export const TEST_SITE_CD = 'T0000';
export const TEST_SITE_KEY = '3grptw1.zW0GSo4PQdaGvsF__';
export const TEST_GW_URL = 'testpaygw.kcp.co.kr';
export const REAL_GW_URL = 'paygw.kcp.co.kr';
export const TEST_JS_URL = 'https://pay.kcp.co.kr/plugin/payplus_test.js';
export const TEST_JS_URL_UTF8 = 'https://pay.kcp.co.kr/plugin/payplus_test_un.js';
export const REAL_JS_URL = 'https://pay.kcp.co.kr/plugin/payplus.js';
export const REAL_JS_URL_UTF8 = 'https://pay.kcp.co.kr/plugin/payplus_un.js';
/** The standard-web window (payplus_web.jsp, m_Completepayment callback): what KCP's PC merchants load today. */
export const TEST_WEB_JS_URL = 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp';
export const REAL_WEB_JS_URL = 'https://pay.kcp.co.kr/plugin/payplus_web.jsp';
/** Trade registration for the smartphone window (SOAP 1.1, KCPPaymentService). */
export const TEST_TRADE_URL = 'https://testsmpay.kcp.co.kr/services/KCPPaymentService';
export const REAL_TRADE_URL = 'https://smpay.kcp.co.kr/services/KCPPaymentService.KCPPaymentServiceHttpSoap11Endpoint/';
export const DEFAULT_GW_PORT = '8090';

/** The raw shape, as in cfg/site_conf_inc.json: g_conf_* names exactly as KCP's sample pages spell them. */
export const siteConfFileSchema = z.object({
  g_conf_home_dir: z.string(),
  g_conf_key_dir: z.string().optional().default(''),
  g_conf_log_dir: z.string().optional().default(''),
  g_conf_gw_url: z.string(),
  g_conf_gw_port: z.union([z.string(), z.number()]).optional().default(DEFAULT_GW_PORT),
  g_conf_js_url: z.string(),
  g_conf_site_cd: z.string(),
  g_conf_site_key: z.string(),
  g_conf_site_name: z.string().optional().default(''),
  g_conf_module_type: z.string().optional().default('01'),
  /** The SDK's own log level 0–3 (and the default for pp_cli's log_level, see payplus.pp_cli_log_level). */
  g_conf_log_level: z.union([z.string(), z.number()]).optional().default('3'),
  /** Settings the vendor file does not have. */
  payplus: z
    .object({
      /** Folders served by the web server; bin/key/log/cfg must lie outside all of them. */
      web_roots: z.array(z.string()).optional().default([]),
      /** 'pp_cli', 'pp_cli_x64', or 'auto' (pp_cli_x64 when it exists on a 64-bit host, else pp_cli). */
      binary: z.enum(['auto', 'pp_cli', 'pp_cli_x64']).optional().default('auto'),
      /** pp_cli's own log_level argument (0, 3 or 5). 3 writes full responses; see README. */
      pp_cli_log_level: z.union([z.string(), z.number()]).optional(),
      /** '2.14' passes log_path (variant B); '2.00' omits it (variant A). */
      pp_cli_version: z.enum(['2.00', '2.14']).optional().default('2.14'),
      /** Set true when a gateway port other than 8090 is deliberate. */
      allow_nonstandard_port: z.boolean().optional().default(false),
      /** Where the merchant receives common_return notifications (checked by doctor). */
      notify_url: z.string().optional(),
      /** Milliseconds before a pp_cli run is killed. */
      timeout_ms: z.number().int().positive().optional().default(60_000),
      /** Delete our daily log files older than this many days; unset keeps them all (KCP: keep payment logs). */
      log_retention_days: z.number().int().min(0).optional(),
      /** Apply log_retention_days to pp_cli's own DD_pp_cli.log files too (they hold full responses at level 3). */
      prune_pp_cli_logs: z.boolean().optional().default(false),
      /**
       * pp_cli_log_level 5 makes pp_cli dump every request body (the window's enc_data, buyer data) into its log; it is
       * refused unless this is true (docs/pp-cli-protocol.md §10.3).
       */
      allow_pp_cli_request_dump: z.boolean().optional().default(false),
      /**
       * Hosts KCP announced after this release, added on purpose to the SDK's table of KCP's hosts (KCP_HOSTS in
       * lib/config/environment.ts): `{ host, role: 'gateway' | 'script' | 'trade', env: 'TEST' | 'REAL' }`. doctor
       * warns about each one, so an entry nobody remembers adding is seen.
       */
      extra_kcp_hosts: z
        .array(z.object({ host: z.string(), role: z.enum(['gateway', 'script', 'trade']), env: z.enum(['TEST', 'REAL']) }).strict())
        .optional(),
      /** Which transport carries approvals, cancels and recovery's questions: pp_cli (default) or KCP's REST API. */
      transport: z.enum(['pp_cli', 'rest']).optional(),
      /** KCP's REST API (PG-API): host override (default by site code), credentials (lib/config/rest.ts). */
      rest_url: z.string().optional(),
      /** The PG-API certificate (splCert.pem), absolute path outside the web root. */
      rest_cert_file: z.string().optional(),
      /** The password-encrypted PKCS#8 private key (splPrikeyPKCS8.pem), absolute path outside the web root. */
      rest_key_file: z.string().optional(),
      /** The NAME of the environment variable holding the key's password (never the password). */
      rest_key_password_env: z.string().optional(),
      /** Or a file holding the password, absolute path outside the web root. */
      rest_key_password_file: z.string().optional(),
      /** An extra CA to trust: only for the local simulator's https (127.0.0.1). */
      rest_ca_file: z.string().optional(),
      /** Run REST approvals and batch charges in a child that writes KCP's answer to a file (default true; rest.ts). */
      rest_durable_answers: z.boolean().optional(),
    })
    .optional()
    .default({
      web_roots: [],
      binary: 'auto',
      pp_cli_version: '2.14',
      allow_nonstandard_port: false,
      timeout_ms: 60_000,
      prune_pp_cli_logs: false,
      allow_pp_cli_request_dump: false,
    }),
});

export type SiteConfFile = z.input<typeof siteConfFileSchema>;

/** Which transport a site uses: payplus.transport, pp_cli when absent (the one place that default is written). */
export function transportOf(conf: Pick<SiteConfData, 'transport'>): 'pp_cli' | 'rest' {
  return conf.transport ?? 'pp_cli';
}

/** Validated, typed site configuration (camelCase view of g_conf_*). */
export interface SiteConfData {
  readonly homeDir: string;
  readonly keyDir: string;
  readonly logDir: string;
  readonly gwUrl: string;
  /** One port or several separated by ':' (pp_cli 2.14 tries them in order). */
  readonly gwPort: string;
  readonly jsUrl: string;
  readonly siteCd: string;
  readonly siteKey: string;
  readonly siteName: string;
  readonly moduleType: '01';
  /** The SDK logger's level, 0–3. */
  readonly logLevel: 0 | 1 | 2 | 3;
  /** log_level passed to pp_cli. */
  readonly ppCliLogLevel: number;
  readonly ppCliVersion: '2.00' | '2.14';
  readonly binary: 'auto' | 'pp_cli' | 'pp_cli_x64';
  readonly webRoots: readonly string[];
  readonly allowNonstandardPort: boolean;
  readonly notifyUrl: string | undefined;
  readonly timeoutMs: number;
  /** Days of our own logs to keep (undefined: keep all). */
  readonly logRetentionDays: number | undefined;
  /** Whether the retention also removes pp_cli's own daily logs. */
  readonly prunePpCliLogs: boolean;
  /** The explicit opt-in that allows pp_cli log_level 5 (request dumps); false when absent. */
  readonly allowPpCliRequestDump?: boolean;
  /** payplus.extra_kcp_hosts: hosts added on purpose to KCP's table (environment.ts KCP_HOSTS); none when absent. */
  readonly extraKcpHosts?: readonly KcpHostEntry[];
  /** payplus.transport: 'pp_cli' (the module; the default when absent) or 'rest' (KCP's PG-API, the rest_* settings). */
  readonly transport?: 'pp_cli' | 'rest' | undefined;
  /** KCP's REST API (PG-API) settings (lib/config/rest.ts); all optional, unset while pp_cli is the transport. */
  readonly restUrl?: string | undefined;
  readonly restCertFile?: string | undefined;
  readonly restKeyFile?: string | undefined;
  readonly restKeyPasswordEnv?: string | undefined;
  readonly restKeyPasswordFile?: string | undefined;
  readonly restCaFile?: string | undefined;
  /** payplus.rest_durable_answers; undefined means on (restDurableAnswers, lib/config/rest.ts). */
  readonly restDurableAnswers?: boolean | undefined;
  /** TEST or REAL, derived from the site code (T0000-style test codes start with 'T'). */
  readonly env: KcpEnvironment;
  /** The PC payment window g_conf_js_url loads (derived from its file name). */
  readonly window: PaymentWindow;
}

/** The settings a SiteConf stores from its file (env and window are derived from them). */
export type SiteConfSetting = Exclude<keyof SiteConfData, 'env' | 'window'>;

type PayplusFileKey = keyof NonNullable<SiteConfFile['payplus']> & string;
/** A key of the file shape: a top-level g_conf_* key or `payplus.<key>`. */
export type SiteConfFileKey = Exclude<keyof SiteConfFile, 'payplus'> | `payplus.${PayplusFileKey}`;

/** How one setting travels between the file shape (toFile, presets) and the camelCase view (SiteConfData, toJSON). */
export interface SiteConfFieldRow {
  /** Its key in cfg/site_conf_inc.json. */
  readonly file: SiteConfFileKey;
  /** Shown masked by toJSON and inspect. */
  readonly secret?: true;
  /** Left out of the file shape when false (an opt-in whose absence means false). Undefined values are always left out. */
  readonly omitWhenFalse?: true;
  /** How the file writes the value, when not as is. */
  readonly toFile?: (value: never) => unknown;
}

/**
 * THE description of the configuration: one row per setting, file key ↔ camelCase property. SiteConfData lists the
 * same properties (the compiler refuses a property without a row, or a row without a property); toFile, toJSON,
 * inspect and the presets are derived from these rows (site-conf-class.ts), and a test checks that every key of
 * siteConfFileSchema has a row. To add a setting: a schema key, a SiteConfData property, a row, its rule in validate().
 */
export const SITE_CONF_FIELDS = Object.freeze({
  homeDir: { file: 'g_conf_home_dir' },
  keyDir: { file: 'g_conf_key_dir' },
  logDir: { file: 'g_conf_log_dir' },
  gwUrl: { file: 'g_conf_gw_url' },
  gwPort: { file: 'g_conf_gw_port' },
  jsUrl: { file: 'g_conf_js_url' },
  siteCd: { file: 'g_conf_site_cd' },
  siteKey: { file: 'g_conf_site_key', secret: true },
  siteName: { file: 'g_conf_site_name' },
  moduleType: { file: 'g_conf_module_type' },
  logLevel: { file: 'g_conf_log_level', toFile: (v: number) => String(v) },
  ppCliLogLevel: { file: 'payplus.pp_cli_log_level' },
  ppCliVersion: { file: 'payplus.pp_cli_version' },
  binary: { file: 'payplus.binary' },
  webRoots: { file: 'payplus.web_roots' },
  allowNonstandardPort: { file: 'payplus.allow_nonstandard_port' },
  notifyUrl: { file: 'payplus.notify_url' },
  timeoutMs: { file: 'payplus.timeout_ms' },
  logRetentionDays: { file: 'payplus.log_retention_days' },
  prunePpCliLogs: { file: 'payplus.prune_pp_cli_logs', omitWhenFalse: true },
  allowPpCliRequestDump: { file: 'payplus.allow_pp_cli_request_dump', omitWhenFalse: true },
  extraKcpHosts: { file: 'payplus.extra_kcp_hosts' },
  transport: { file: 'payplus.transport' },
  restUrl: { file: 'payplus.rest_url' },
  restCertFile: { file: 'payplus.rest_cert_file' },
  restKeyFile: { file: 'payplus.rest_key_file' },
  restKeyPasswordEnv: { file: 'payplus.rest_key_password_env' },
  restKeyPasswordFile: { file: 'payplus.rest_key_password_file' },
  restCaFile: { file: 'payplus.rest_ca_file' },
  restDurableAnswers: { file: 'payplus.rest_durable_answers' },
} as const satisfies { readonly [K in SiteConfSetting]-?: SiteConfFieldRow });

const ROWS = Object.entries(SITE_CONF_FIELDS) as ReadonlyArray<[SiteConfSetting, SiteConfFieldRow]>;

function copy(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

/**
 * camelCase settings → the file shape, by the rows: undefined values are left out (the schema's defaults apply when
 * the shape is validated), as are the opt-ins that are false. toFile and the presets both write through here.
 */
export function settingsToFile(values: { readonly [K in SiteConfSetting]?: SiteConfData[K] }): SiteConfFile {
  const top: Record<string, unknown> = {};
  const payplus: Record<string, unknown> = {};
  for (const [prop, row] of ROWS) {
    const value = values[prop];
    if (value === undefined || (row.omitWhenFalse && value === false)) continue;
    const written = row.toFile ? (row.toFile as (v: unknown) => unknown)(value) : copy(value);
    if (row.file.startsWith('payplus.')) payplus[row.file.slice('payplus.'.length)] = written;
    else top[row.file] = written;
  }
  return { ...top, payplus } as unknown as SiteConfFile;
}

/** The camelCase view of every setting, secrets passed through `mask`: toJSON's body. */
export function settingsView(conf: SiteConfData, mask: (secret: string) => string): Record<string, unknown> {
  const view: Record<string, unknown> = { env: conf.env, window: conf.window };
  for (const [prop, row] of ROWS) {
    const value = conf[prop];
    view[prop] = row.secret && typeof value === 'string' ? mask(value) : copy(value);
  }
  return view;
}
