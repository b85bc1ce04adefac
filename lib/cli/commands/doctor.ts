/**
 * `kcp-payplus doctor [--config path] [--offline] [--json] [--lang ko|en|both] [--expect-size n] [--expect-sha256 hex]`
 *
 * Runs KCP's troubleshooting FAQ against this server and prints a table (or JSON). Exit 1 when any
 * check fails, 2 on a usage error. A configuration that does not load is itself a failing check, so
 * the report is still printed (the loader's message names the field and the fix).
 */
import { parseArgs } from 'node:util';

import { SiteConf } from '../../config/index.js';
import type { SiteConfData } from '../../config/site-conf.js';
import { doctorPassed, formatDoctorJson, formatDoctorTable, runDoctor, type CheckResult, type DoctorOptions, type FixLanguage } from '../../doctor/index.js';
import { maskText } from '../../log/mask.js';
import { formatHelp, usageOf } from '../help.js';
import type { CliCommand } from './index.js';

const DEFAULT_CONFIG = 'cfg/site_conf_inc.json';

export interface DoctorCommandDeps {
  loadConf: (file: string) => Promise<SiteConfData>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Extra runDoctor options (tests inject network fakes). */
  doctorOptions?: DoctorOptions;
}

const defaultDeps: DoctorCommandDeps = {
  loadConf: (file) => SiteConf.load(file),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** A config that does not load is reported like any other failing check. */
function loadFailure(file: string, error: unknown): CheckResult {
  const message = maskText(error instanceof Error ? error.message : String(error));
  const at = message.indexOf(' Fix: ');
  const resCd = /res_cd=([0-9A-Z]{4})/.exec(message)?.[1];
  const result: CheckResult = {
    id: 'config.load',
    title: 'Configuration file',
    status: 'fail',
    detail: at < 0 ? message : message.slice(0, at),
    fix: {
      ko: `설정 파일 ${file}을(를) 고치십시오 (아래 영문 안내의 항목).`,
      en: at < 0 ? `fix ${file}.` : message.slice(at + ' Fix: '.length),
    },
  };
  return resCd ? { ...result, kcpCode: resCd } : result;
}

const USAGE = usageOf('doctor');

export async function runDoctorCommand(argv: string[], deps: DoctorCommandDeps = defaultDeps): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', default: DEFAULT_CONFIG },
        offline: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        lang: { type: 'string', default: 'both' },
        'expect-size': { type: 'string' },
        'expect-sha256': { type: 'string' },
        'no-smoke': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    deps.stderr(`kcp-payplus doctor: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    deps.stdout(formatHelp('doctor'));
    return 0;
  }
  const lang = values.lang as FixLanguage;
  if (!['ko', 'en', 'both'].includes(lang)) {
    deps.stderr(`kcp-payplus doctor: --lang must be ko, en or both, not "${values.lang}"\n${USAGE}`);
    return 2;
  }
  const size = values['expect-size'];
  if (size !== undefined && !/^\d+$/.test(size)) {
    deps.stderr(`kcp-payplus doctor: --expect-size must be a number of bytes, not "${size}"\n`);
    return 2;
  }
  const sha = values['expect-sha256'];
  if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) {
    deps.stderr('kcp-payplus doctor: --expect-sha256 must be 64 hex digits\n');
    return 2;
  }
  const file = values.config!;
  let results: CheckResult[];
  try {
    const conf = await deps.loadConf(file);
    results = await runDoctor(conf, {
      ...deps.doctorOptions,
      offline: values.offline,
      configPath: file,
      noSmoke: values['no-smoke'],
      expectedModule: size !== undefined || sha !== undefined ? { size: size === undefined ? undefined : Number(size), sha256: sha } : undefined,
    });
  } catch (error) {
    results = [loadFailure(file, error)];
  }
  deps.stdout(values.json ? formatDoctorJson(results) : formatDoctorTable(results, { lang, width: process.stdout.columns || 120 }));
  return doctorPassed(results) ? 0 : 1;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: "check this server against KCP's troubleshooting FAQ (module, config, logs, network)",
  run: (argv) => runDoctorCommand(argv),
};
