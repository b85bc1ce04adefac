/**
 * `kcp-payplus cancel` and `kcp-payplus capture`: the vendor's cancel and modify pages as commands, for operators.
 *
 *   kcp-payplus cancel  --config /opt/kcp-payplus/cfg/site_conf_inc.json --tno 20261126000001 --reason "고객 요청" [--ip 1.2.3.4]
 *   kcp-payplus cancel  ... --amount 1000 --balance 5000     (partial cancel, STPC)
 *   kcp-payplus capture --config /opt/kcp-payplus/cfg/site_conf_inc.json --tno 20261126000001
 *
 * They print KCP's answer as `key=value` lines (secrets never appear in answers) and exit 1 on any refusal.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { maskFields } from '../../log/mask.js';
import { PayPlus } from '../../payplus/payplus.js';
import { logDirsOf } from '../../log/paths.js';
import { chooseConfig, defaultStoreLocation, usedLine } from '../context.js';
import type { CliCommand } from './index.js';

/** Options both commands take. */
const COMMON_OPTIONS = {
  config: { type: 'string' },
  tno: { type: 'string' },
  ip: { type: 'string', default: '127.0.0.1' },
} as const;

function missingTno(command: string): number {
  process.stderr.write(`kcp-payplus ${command}: --tno is required (the 14-digit KCP transaction number)\n`);
  return 2;
}

/**
 * The site as the command will use it. Its first line names the config and store, on stderr: stdout is KCP's answer
 * as key=value lines for scripts.
 */
async function openSite(command: string, option: string | undefined): Promise<PayPlus> {
  const config = chooseConfig(option);
  const conf = await SiteConf.load(config.file);
  process.stderr.write(usedLine(command, config, [['store', defaultStoreLocation(logDirsOf(conf)[0]!)]], conf));
  return new PayPlus(conf);
}

/** KCP's answer, masked like a log line: terminals and cron mail keep what a command prints. */
function printFields(raw: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(maskFields(raw))) process.stdout.write(`${k}=${String(v)}\n`);
}

function fail(err: unknown): number {
  if (err instanceof KcpError) {
    process.stderr.write(`kcp-payplus: ${err.message}\n`);
    if (err.resCd) process.stderr.write(`res_cd=${err.resCd}\nres_msg=${err.resMsg ?? ''}\n`);
    if (!err.outcomeKnown) process.stderr.write('outcome unknown: check KCP admin before retrying\n');
    return 1;
  }
  throw err;
}

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'cancel a payment (STSC), or part of it with --amount/--balance (STPC)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...COMMON_OPTIONS,
        reason: { type: 'string', default: '' },
        amount: { type: 'string' },
        balance: { type: 'string' },
      },
    });
    if (!values.tno) return missingTno('cancel');
    try {
      const payplus = await openSite('cancel', values.config);
      const base = { tno: values.tno, reason: values.reason!, custIp: values.ip! };
      if (values.amount !== undefined || values.balance !== undefined) {
        if (values.amount === undefined || values.balance === undefined) {
          process.stderr.write('kcp-payplus cancel: a partial cancel needs both --amount and --balance (rem_mny)\n');
          return 2;
        }
        const res = await payplus.partialCancel({ ...base, amount: values.amount, cancellableBalance: values.balance });
        printFields(res.raw);
      } else {
        printFields((await payplus.cancel(base)).raw);
      }
      return 0;
    } catch (err) {
      return fail(err);
    }
  },
};

export const captureCommand: CliCommand = {
  name: 'capture',
  summary: 'capture a manually-captured card approval (STMR)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS });
    if (!values.tno) return missingTno('capture');
    try {
      const payplus = await openSite('capture', values.config);
      printFields((await payplus.capture({ tno: values.tno, custIp: values.ip! })).raw);
      return 0;
    } catch (err) {
      return fail(err);
    }
  },
};
