/**
 * Doctor's view of a cfg file that SiteConf refuses. SiteConf stops at the first bad field (right for a running shop);
 * doctor reads the same file leniently so one run reports every problem: the file-level ones here (unknown keys,
 * missing or mistyped values, the gateway host's form, web roots), the field rules through the usual config checks,
 * and the module, log and network checks against whatever paths the file names.
 */
import path from 'node:path';

import { checkExtraKcpHosts, checkGatewayHostForm, siteCdEnvironment, jsUrlEnvironment, type KcpHostEntry } from '../config/environment.js';
import { readSiteConfFile, type SiteConfSource } from '../config/load.js';
import { checkDir, checkPpCliLogLevel } from '../config/rules.js';
import { schemaErrors, unknownKeyErrors } from '../config/site-conf-class.js';
import { DEFAULT_GW_PORT, type SiteConfData } from '../config/site-conf.js';
import { maskText } from '../log/mask.js';
import { KO_FIX_BY_FIELD } from './checks/config.js';
import { bi, fail, pass, splitConfigMessage } from './results.js';
import type { CheckResult } from './types.js';

const TITLE = bi('설정 파일', 'Configuration file');

/** The file cannot be read or parsed at all: the one result there is. */
export function loadFailure(file: string, error: unknown): CheckResult {
  const message = maskText(error instanceof Error ? error.message : String(error));
  const { problem, fix, resCd } = splitConfigMessage(message);
  const line = /:(\d+): /.exec(message)?.[1];
  const ko = line
    ? `${file}의 ${line}행을 고치십시오: 값은 따옴표 한 쌍 안에, 문장 끝은 원래 샘플 파일과 같게 쓰십시오.`
    : `${file}을(를) 읽을 수 있는지(경로, 권한)와 형식(JSON 문법 등)을 확인하십시오. cfg/site_conf_inc.json 예제와 비교하십시오.`;
  return fail('config.load', TITLE, bi(`설정 파일을 읽을 수 없습니다: ${problem}`, problem), { ko, en: fix }, resCd);
}

interface Problem {
  field: string;
  problem: string;
  fix: string;
}

function problemOf(error: Error): Problem {
  const field = (error as { field?: string }).field ?? 'site_conf_inc';
  return { field, ...splitConfigMessage(maskText(error.message)) };
}

function tryRule(fn: () => unknown): Problem | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return problemOf(error as Error);
  }
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);

/** A non-empty string setting (that passes `ok`), else undefined. */
function optionalStr(v: unknown, ok: (v: string) => boolean = () => true): string | undefined {
  return typeof v === 'string' && v !== '' && ok(v) ? v : undefined;
}

/**
 * The raw values as a SiteConfData without validation, so every check can look at them: values a check validates
 * again are kept as written (a wrong one is reported there); only derived values get a safe default.
 */
function lenientConf(source: SiteConfSource): SiteConfData {
  const raw = (typeof source.raw === 'object' && source.raw !== null ? source.raw : {}) as Record<string, unknown>;
  const pp = (typeof raw['payplus'] === 'object' && raw['payplus'] !== null ? raw['payplus'] : {}) as Record<string, unknown>;
  const homeDir = str(raw['g_conf_home_dir']);
  const logDir = str(raw['g_conf_log_dir']);
  const siteCd = str(raw['g_conf_site_cd']);
  let ppCliLogLevel = 3;
  try {
    ppCliLogLevel = checkPpCliLogLevel(pp['pp_cli_log_level'] as string | undefined);
  } catch {
    ppCliLogLevel = Number(pp['pp_cli_log_level']) || 3;
  }
  let extraKcpHosts: readonly KcpHostEntry[] | undefined;
  try {
    extraKcpHosts = Array.isArray(pp['extra_kcp_hosts']) ? checkExtraKcpHosts(pp['extra_kcp_hosts'] as KcpHostEntry[]) : undefined;
  } catch {
    extraKcpHosts = undefined; // reported by fileProblems
  }
  const webRoots = (Array.isArray(pp['web_roots']) ? pp['web_roots'] : []).filter(
    (r): r is string => typeof r === 'string' && tryRule(() => checkDir('payplus.web_roots', r, '/var/www/html', false)) === undefined,
  );
  return {
    homeDir,
    keyDir: str(raw['g_conf_key_dir']),
    logDir: logDir || (homeDir ? path.join(homeDir, 'log') : ''),
    gwUrl: str(raw['g_conf_gw_url']),
    gwPort: str(raw['g_conf_gw_port'], DEFAULT_GW_PORT),
    jsUrl: str(raw['g_conf_js_url']),
    siteCd,
    siteKey: str(raw['g_conf_site_key']),
    siteName: str(raw['g_conf_site_name']),
    moduleType: str(raw['g_conf_module_type'], '01') as '01',
    logLevel: (raw['g_conf_log_level'] ?? '3') as SiteConfData['logLevel'],
    ppCliLogLevel,
    ppCliVersion: pp['pp_cli_version'] === '2.00' ? '2.00' : '2.14',
    binary: pp['binary'] === 'pp_cli' || pp['binary'] === 'pp_cli_x64' ? pp['binary'] : 'auto',
    webRoots,
    allowNonstandardPort: pp['allow_nonstandard_port'] === true,
    notifyUrl: typeof pp['notify_url'] === 'string' && pp['notify_url'] !== '' ? pp['notify_url'] : undefined,
    timeoutMs: typeof pp['timeout_ms'] === 'number' ? pp['timeout_ms'] : 60_000,
    logRetentionDays: undefined,
    prunePpCliLogs: false,
    ...(extraKcpHosts ? { extraKcpHosts } : {}),
    // The transport decides which checks apply; the REST files as written (the REST checks look at each).
    transport: pp['transport'] === 'rest' || pp['transport'] === 'pp_cli' ? pp['transport'] : undefined,
    restUrl: optionalStr(pp['rest_url'], (v) => URL.canParse(v)),
    restCertFile: optionalStr(pp['rest_cert_file']),
    restKeyFile: optionalStr(pp['rest_key_file']),
    restKeyPasswordEnv: optionalStr(pp['rest_key_password_env']),
    restKeyPasswordFile: optionalStr(pp['rest_key_password_file']),
    restCaFile: optionalStr(pp['rest_ca_file']),
    restDurableAnswers: typeof pp['rest_durable_answers'] === 'boolean' ? pp['rest_durable_answers'] : undefined,
    env: siteCdEnvironment(siteCd.toUpperCase()),
    window: jsUrlEnvironment(str(raw['g_conf_js_url']), extraKcpHosts)?.window ?? 'standard-web',
  };
}

/** Fields the config checks of run.ts report themselves: their schema complaints would only repeat them. */
const CHECKED_ELSEWHERE = new Set([
  'g_conf_home_dir', 'g_conf_log_dir', 'g_conf_key_dir', 'g_conf_gw_port', 'g_conf_module_type', 'g_conf_log_level',
  'g_conf_site_name', 'g_conf_site_cd', 'g_conf_site_key', 'g_conf_js_url', 'payplus.notify_url', 'payplus.pp_cli_log_level',
]);

/** File-level problems: unknown keys, missing or mistyped values, the gateway host's form, web roots. */
function fileProblems(source: SiteConfSource, conf: SiteConfData): Problem[] {
  const raw = source.raw as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ field: 'site_conf_inc', problem: 'site_conf_inc: is not an object of g_conf_* keys.', fix: 'write a JSON object like cfg/site_conf_inc.json.' }];
  }
  const problems = [
    ...unknownKeyErrors(raw as Record<string, unknown>).map(problemOf),
    ...schemaErrors(raw)
      .map(problemOf)
      .filter((p) => !CHECKED_ELSEWHERE.has(p.field) || / is missing\.?$/.test(p.problem)),
  ];
  if (!problems.some((p) => p.field === 'g_conf_gw_url')) {
    const gw = tryRule(() => checkGatewayHostForm(conf.gwUrl));
    if (gw) problems.push(gw);
  }
  const extra = (raw as { payplus?: { extra_kcp_hosts?: unknown } }).payplus?.extra_kcp_hosts;
  if (Array.isArray(extra) && !problems.some((p) => p.field.startsWith('payplus.extra_kcp_hosts'))) {
    const p = tryRule(() => checkExtraKcpHosts(extra as KcpHostEntry[]));
    if (p) problems.push(p);
  }
  const roots = (raw as { payplus?: { web_roots?: unknown } }).payplus?.web_roots;
  if (Array.isArray(roots)) {
    roots.forEach((r, i) => {
      const p = typeof r === 'string' ? tryRule(() => checkDir(`payplus.web_roots[${i}]`, r, '/var/www/html', false)) : undefined;
      if (p) problems.push(p);
    });
  }
  return problems;
}

function koFix(p: Problem): string {
  const base = p.field.replace(/\[\d+\]$/, '');
  if (KO_FIX_BY_FIELD[base]) return KO_FIX_BY_FIELD[base];
  if (p.field === 'site_conf_inc') return 'g_conf_* 항목을 담은 JSON 객체로 작성하십시오 (cfg/site_conf_inc.json 예제 참고).';
  if (/ is not a (site_conf_inc|payplus) setting\.?$/.test(p.problem)) return `${p.field} 항목을 지우거나 철자를 고치십시오 (cfg/README.md에 모든 항목이 있습니다).`;
  if (/ is missing\.?$/.test(p.problem)) return `${p.field} 항목을 추가하십시오 (cfg/README.md 참고).`;
  return `${p.field} 값을 cfg/README.md의 형식대로 쓰십시오.`;
}

export interface LenientConfig {
  /** The values to run the remaining checks on; undefined when the file could not be read at all. */
  conf: SiteConfData | undefined;
  /** config.load (unreadable) or config.file (file-level problems, or a pass). */
  results: CheckResult[];
}

/** Reads a cfg file that SiteConf refused, for a report of every problem in it. */
export async function readConfigLeniently(file: string): Promise<LenientConfig> {
  let source: SiteConfSource;
  try {
    source = await readSiteConfFile(file);
  } catch (error) {
    return { conf: undefined, results: [loadFailure(file, error)] };
  }
  const conf = lenientConf(source);
  const problems = fileProblems(source, conf);
  const notAnObject = typeof source.raw !== 'object' || source.raw === null || Array.isArray(source.raw);
  if (problems.length === 0) {
    return { conf, results: [pass('config.file', TITLE, bi(`${file} (${source.format}) 읽음`, `${file} (${source.format}) read`))] };
  }
  const fields = problems.map((p) => p.field).join(', ');
  return {
    conf: notAnObject ? undefined : conf, // nothing in it names a path or a site to check
    results: [
      fail('config.file', TITLE, bi(`${file}: 항목 문제 ${problems.length}개: ${fields}.`, `${file}: ${problems.map((p) => p.problem).join(' ')}`), {
        ko: problems.map(koFix).join(' '),
        en: problems.map((p) => `${p.field}: ${p.fix}`).join(' '),
      }),
    ],
  };
}
