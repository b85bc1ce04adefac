/**
 * `kcp-payplus doctor [--config path] [--offline] [--json] [--lang ko|en|both] [--expect-size n] [--expect-sha256 hex]`
 *
 * Runs KCP's troubleshooting FAQ against this server and prints a table (or JSON). Exit 1 when any
 * check fails, 2 on a usage error. A configuration SiteConf refuses is read leniently instead, so one run reports
 * every problem in it and still runs the module, log and network checks (see doctor/config-file.ts).
 */
import { parseArgs } from 'node:util';

import { SiteConf } from '../../config/index.js';
import type { SiteConfData } from '../../config/site-conf.js';
import { doctorPassed, formatDoctorJson, formatDoctorTable, runDoctor, type CheckResult, type DoctorOptions, type FixLanguage } from '../../doctor/index.js';
import { readConfigLeniently } from '../../doctor/config-file.js';
import { chooseConfig, usedLine } from '../context.js';
import { formatHelp, usageOf } from '../help.js';
import type { CliCommand } from './index.js';

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

const USAGE = usageOf('doctor');

export async function runDoctorCommand(argv: string[], deps: DoctorCommandDeps = defaultDeps): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
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
  const config = chooseConfig(values.config);
  const file = config.file;
  let results: CheckResult[];
  const options: DoctorOptions = {
    ...deps.doctorOptions,
    offline: values.offline,
    configPath: file,
    noSmoke: values['no-smoke'],
    expectedModule: size !== undefined || sha !== undefined ? { size: size === undefined ? undefined : Number(size), sha256: sha } : undefined,
  };
  let conf: SiteConfData | undefined;
  try {
    conf = await deps.loadConf(file);
  } catch {
    conf = undefined;
  }
  // SiteConf stops at the first bad field; doctor then reads the file leniently and reports every problem in one run.
  const lenient = conf ? undefined : await readConfigLeniently(file);
  const checked = conf ?? lenient?.conf;
  // The first line names the file checked and its transport (on stderr with --json, so stdout stays one JSON document).
  if (values.json) deps.stderr(usedLine('doctor', config, [], checked));
  else deps.stdout(usedLine('doctor', config, [], checked));
  if (lenient) results = [...lenient.results, ...(lenient.conf ? await runDoctor(lenient.conf, options) : [])];
  else results = await runDoctor(conf!, options);
  deps.stdout(values.json ? formatDoctorJson(results) : formatDoctorTable(results, { lang, width: process.stdout.columns || 120 }));
  return doctorPassed(results) ? 0 : 1;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: "check this server against KCP's troubleshooting FAQ (module, config, logs, network)",
  run: (argv) => runDoctorCommand(argv),
};
