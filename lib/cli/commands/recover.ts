/**
 * `kcp-payplus recover`: settle what crashes and failures left in the payment store. It never touches an attempt a
 * live worker holds, reads unknown outcomes from the module's own answer, cancels approvals that were never committed
 * (commitInStore attempts: the store's mark is the truth), retries cancels until KCP answers, and LISTS — never
 * cancels — approvals whose commit ran outside the store (it cannot ask your database; call payplus.recover() with an
 * isCommitted hook from your app for those). Run it at start-up or from cron.
 *
 * After the run it lists every attempt still open that needs a person — overdue (a commit that outlived its limit),
 * unknown, undecided, cancelling — with its age and host (PayPlus#status()).
 *
 * Exit code: 0 when nothing needs a person, 1 while anything failed or is overdue, unknown, undecided or cancelling,
 * 2 on a usage error. A --dry-run changes nothing and exits 0 unless something failed before.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { PayPlus } from '../../payplus/payplus.js';
import type { AttemptRef, PaymentStatus, RecoveryReport } from '../../payplus/recovery.js';
import { openStore } from '../../store/open.js';
import type { CliCommand } from './index.js';

export const RECOVER_USAGE = `usage: kcp-payplus recover [--config FILE] [--store LOCATION] [--dry-run] [--ip ADDR] [--min-age SECONDS]
                           [--host NAME --assume-dead]

Settles what crashes left in the payment store: unknown outcomes are read from pp_cli's own answer, uncommitted
approvals are cancelled, failed cancels are retried. Attempts a live worker holds are left alone.

  --config FILE      site_conf_inc (.json/.php/.jsp/.asp/Web.config)   default cfg/site_conf_inc.json
  --store LOCATION   sqlite:/path/payplus.sqlite | postgres://… | mysql://…   default <log_dir>/payplus.sqlite
  --dry-run          list what would be settled; change nothing
  --ip ADDR          mod_ip for the cancels (this server's address)       default 127.0.0.1
  --min-age SECONDS  leave attempts younger than this alone               default 0
  --host NAME --assume-dead
                     the workers of host NAME are gone for good (machine or container destroyed): take
                     their attempts over whatever their lease says (each by compare-and-set). What their
                     pp_cli answered is read where this host can see it; the rest stays UNKNOWN.

Exit code 1 while anything is FAILED, OVERDUE, UNKNOWN, UNDECIDED or CANCELLING (listed with age and host).

Examples:
  kcp-payplus recover --dry-run
  kcp-payplus recover --host shop-7f9c --assume-dead
  kcp-payplus recover --config /srv/kcp/cfg/site_conf_inc.php --store mysql://shop@127.0.0.1/shop --ip 10.0.0.5
`;

function printReport(report: RecoveryReport, dryRun: boolean, status?: PaymentStatus): void {
  const where = new Map(status?.attempts.map((a) => [a.id, ` (age ${Math.round(a.ageMs / 1000)} s, host ${a.host})`]));
  const line = (label: string, ref: AttemptRef, extra = '') =>
    process.stdout.write(`${label.padEnd(12)} ordr_idxx=${ref.ordrIdxx} tno=${ref.tno ?? '-'} id=${ref.id}${extra}${label === label.toUpperCase() ? (where.get(ref.id) ?? '') : ''}\n`);
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

/** Every open attempt that needs a person and that the report did not list already, with its age and host. */
function printAttention(status: PaymentStatus, report: RecoveryReport): void {
  const listed = new Set([...report.failed, ...report.unknown, ...report.undecided].map((r) => r.id));
  for (const a of status.attempts) {
    if (a.kind === 'in_progress' || listed.has(a.id)) continue;
    const age = `${Math.round(a.ageMs / 1000)} s`;
    process.stdout.write(
      `${a.kind.toUpperCase().padEnd(12)} ordr_idxx=${a.ordrIdxx} tno=${a.tno ?? '-'} id=${a.id} state=${a.state} age=${age} ` +
        `host=${a.host} pid=${a.pid}: ${a.why}\n`,
    );
  }
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
          host: { type: 'string' },
          'assume-dead': { type: 'boolean', default: false },
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
    if (values['assume-dead'] !== (values.host !== undefined)) {
      process.stderr.write(
        'kcp-payplus recover: --assume-dead and --host NAME go together: name the host whose workers are gone for good\n',
      );
      return 2;
    }
    let payplus: PayPlus | undefined;
    try {
      const conf = await SiteConf.load(values.config!);
      const store = values.store === undefined ? undefined : await openStore(values.store);
      payplus = new PayPlus(conf, { store });
      const dryRun = values['dry-run'] === true;
      const assumeDead = values.host === undefined ? undefined : { host: values.host };
      const report = await payplus.recover({ dryRun, custIp: values.ip!, minAgeMs: minAge * 1000, assumeDead });
      const failed = report.failed.length + report.unknown.length + report.undecided.length > 0;
      const status = dryRun ? undefined : await payplus.status();
      printReport(report, dryRun, status);
      if (status) printAttention(status, report);
      const attention = status?.attention ?? false;
      await store?.close();
      return failed || attention ? 1 : 0;
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      process.stderr.write(`kcp-payplus recover: ${err.message}\n`);
      return 1;
    } finally {
      await payplus?.close();
    }
  },
};
