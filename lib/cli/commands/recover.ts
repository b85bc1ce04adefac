/**
 * `kcp-payplus recover`: settle what a crash left in the payment journal — approvals never committed are cancelled,
 * failed automatic cancels are retried, unknown outcomes are listed for a person. Run it at start-up or from cron.
 *
 *   kcp-payplus recover --config cfg/site_conf_inc.json [--dry-run] [--ip 10.0.0.5] [--min-age 300]
 *
 * Exit code: 0 when nothing needs a person, 1 when something failed or is unknown, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { PayPlus } from '../../payplus/payplus.js';
import type { RecoveryReport } from '../../payplus/process-payment.js';
import type { CliCommand } from './index.js';

function printReport(report: RecoveryReport, dryRun: boolean): void {
  const line = (label: string, ref: { id: string; ordrIdxx: string; tno?: string }, extra = '') =>
    process.stdout.write(`${label.padEnd(12)} ordr_idxx=${ref.ordrIdxx} tno=${ref.tno ?? '-'} id=${ref.id}${extra}\n`);
  for (const r of report.pending) line(dryRun ? 'would cancel' : 'pending', r);
  for (const r of report.cancelled) line('cancelled', r);
  for (const r of report.kept) line('kept', r);
  for (const r of report.failed) line('FAILED', r, ` ${r.error.message}`);
  for (const r of report.unknown) line('UNKNOWN', r, ` (${r.step} outcome unknown: check KCP's admin)`);
  const total = report.pending.length + report.cancelled.length + report.kept.length + report.failed.length + report.unknown.length;
  if (total === 0) process.stdout.write('nothing to recover\n');
}

export const recoverCommand: CliCommand = {
  name: 'recover',
  summary: 'cancel approvals a crash left uncommitted; list unknown outcomes',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', default: 'cfg/site_conf_inc.json' },
        'dry-run': { type: 'boolean', default: false },
        ip: { type: 'string', default: '127.0.0.1' },
        'min-age': { type: 'string', default: '60' },
      },
    });
    const minAge = Number(values['min-age']);
    if (!Number.isInteger(minAge) || minAge < 0) {
      process.stderr.write('kcp-payplus recover: --min-age takes whole seconds (payments younger than this are left alone)\n');
      return 2;
    }
    try {
      const payplus = new PayPlus(await SiteConf.load(values.config!));
      const dryRun = values['dry-run'] === true;
      const report = await payplus.recover({ dryRun, custIp: values.ip!, minAgeMs: minAge * 1000 });
      printReport(report, dryRun);
      return report.failed.length > 0 || report.unknown.length > 0 ? 1 : 0;
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      process.stderr.write(`kcp-payplus recover: ${err.message}\n`);
      return 1;
    }
  },
};
