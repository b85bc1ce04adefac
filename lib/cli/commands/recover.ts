/**
 * `kcp-payplus recover`: settle what crashes and failures left in the payment store. It never touches an attempt a
 * live worker holds, reads unknown outcomes from the module's own answer, cancels approvals that were never committed
 * (commitInStore attempts: the store's mark is the truth), retries cancels until KCP answers, and LISTS — never
 * cancels — approvals whose commit ran outside the store (it cannot ask your database; call payplus.recover() with an
 * isCommitted hook from your app for those). Run it at start-up or from cron.
 *
 * Exit code: 0 when nothing needs a person, 1 when something failed, is unknown or undecided, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { PayPlus } from '../../payplus/payplus.js';
import type { AttemptRef, RecoveryReport } from '../../payplus/recovery.js';
import { openStore } from '../../store/open.js';
import type { CliCommand } from './index.js';

export const RECOVER_USAGE = `usage: kcp-payplus recover [--config FILE] [--store LOCATION] [--dry-run] [--ip ADDR] [--min-age SECONDS]

Settles what crashes left in the payment store: unknown outcomes are read from pp_cli's own answer, uncommitted
approvals are cancelled, failed cancels are retried. Attempts a live worker holds are left alone.

  --config FILE      site_conf_inc (.json/.php/.jsp/.asp/Web.config)   default cfg/site_conf_inc.json
  --store LOCATION   sqlite:/path/payplus.sqlite | postgres://… | mysql://…   default <log_dir>/payplus.sqlite
  --dry-run          list what would be settled; change nothing
  --ip ADDR          mod_ip for the cancels (this server's address)       default 127.0.0.1
  --min-age SECONDS  leave attempts younger than this alone               default 0

Examples:
  kcp-payplus recover --dry-run
  kcp-payplus recover --config /srv/kcp/cfg/site_conf_inc.php --store mysql://shop@127.0.0.1/shop --ip 10.0.0.5
`;

function printReport(report: RecoveryReport, dryRun: boolean): void {
  const line = (label: string, ref: AttemptRef, extra = '') =>
    process.stdout.write(`${label.padEnd(12)} ordr_idxx=${ref.ordrIdxx} tno=${ref.tno ?? '-'} id=${ref.id}${extra}\n`);
  for (const r of report.pending) line(dryRun ? 'would settle' : 'pending', r, ` (${r.state})`);
  for (const r of report.cancelled) line('cancelled', r);
  for (const r of report.committed) line('committed', r);
  for (const r of report.kept) line('kept', r);
  for (const r of report.declined) line('declined', r, ' (the module refused or never ran: the order is payable)');
  for (const r of report.failed) line('FAILED', r, ` ${r.error.message} (retried next run)`);
  for (const r of report.unknown) line('UNKNOWN', r, ` ${r.why}: check KCP's admin`);
  for (const r of report.undecided) {
    line('UNDECIDED', r, ' approved, commit ran outside the store: check your orders, then run recover from your app with isCommitted');
  }
  for (const r of report.inProgress) line('in progress', r, ' (a live worker holds it, or pp_cli is still running)');
  for (const r of report.skipped) line('skipped', r, ` (${r.why}; see --min-age)`);
  const total = Object.values(report).reduce((n, list) => n + list.length, 0);
  if (total === 0) process.stdout.write('nothing to recover: no open payment attempts\n');
}

export const recoverCommand: CliCommand = {
  name: 'recover',
  summary: 'settle payments a crash left open; list what needs a person',
  async run(argv) {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          config: { type: 'string', default: 'cfg/site_conf_inc.json' },
          store: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          ip: { type: 'string', default: '127.0.0.1' },
          'min-age': { type: 'string', default: '0' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }));
    } catch (err) {
      process.stderr.write(`kcp-payplus recover: ${(err as Error).message}\n${RECOVER_USAGE}`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(RECOVER_USAGE);
      return 0;
    }
    const minAge = Number(values['min-age']);
    if (!Number.isInteger(minAge) || minAge < 0) {
      process.stderr.write('kcp-payplus recover: --min-age takes whole seconds (payments younger than this are left alone)\n');
      return 2;
    }
    let payplus: PayPlus | undefined;
    try {
      const conf = await SiteConf.load(values.config!);
      const store = values.store === undefined ? undefined : await openStore(values.store);
      payplus = new PayPlus(conf, { store });
      const dryRun = values['dry-run'] === true;
      const report = await payplus.recover({ dryRun, custIp: values.ip!, minAgeMs: minAge * 1000 });
      printReport(report, dryRun);
      await store?.close();
      return report.failed.length + report.unknown.length + report.undecided.length > 0 ? 1 : 0;
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      process.stderr.write(`kcp-payplus recover: ${err.message}\n`);
      return 1;
    } finally {
      await payplus?.close();
    }
  },
};
