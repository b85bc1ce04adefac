/**
 * `kcp-payplus recover`: settle what crashes and failures left in the payment store. It never touches an attempt a
 * live worker holds, reads unknown outcomes from the module's own answer, cancels approvals that were never committed
 * (commitInStore attempts: the store's mark is the truth), retries cancels until KCP answers, and LISTS — never
 * cancels — approvals whose commit ran outside the store (it cannot ask your database; call payplus.recover() with an
 * isCommitted hook from your app for those). Run it at start-up or from cron.
 *
 * It reads an existing store only: a missing log folder or store is an error naming the path (exit 1), never created,
 * and its first line names the config and store it used. After the run it lists every attempt still open that needs a
 * person — overdue (a commit that outlived its limit), unknown, undecided, cancelling — with its age and host
 * (PayPlus#status()).
 *
 * `--attempt <id> --tno <tno>` is a person's answer for an UNKNOWN attempt without a tno (PayPlus#settleWithTno): the
 * tno KCP's admin shows for its order, checked by KCP's inquiry on REST, or by the order id and amount the person
 * states (--order, --amount) on pp_cli; exit 0 once settled, 1 when refused or still open, 2 on a usage error.
 *
 * Exit code: 0 when nothing needs a person, 1 while anything failed or is overdue, unknown, undecided or cancelling, or
 * the config, log folder or store cannot be read, 2 on a usage error. A --dry-run changes nothing and exits 0 unless
 * something failed before.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { PayPlus } from '../../payplus/payplus.js';
import type { AttemptRef, PaymentStatus, RecoveryReport } from '../../payplus/recovery.js';
import { createSiteLogger } from '../../log/site-logger.js';
import { logDirsOf } from '../../log/paths.js';
import { openStore } from '../../store/open.js';
import { chooseConfig, defaultStoreLocation, maskStoreLocation, missingFolder, usedLine } from '../context.js';
import { formatHelp, usageOf } from '../help.js';
import type { CliCommand } from './index.js';

/** recover's usage lines (its help lives with every other command's in help.ts). */
export const RECOVER_USAGE = usageOf('recover');

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
  for (const r of report.unknown) {
    const then = r.tno ? '' : `; found its tno there? kcp-payplus recover --attempt ${r.id} --tno <tno>`;
    line('UNKNOWN', r, ` ${r.why}: check KCP's admin${then}`);
  }
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
          config: { type: 'string' },
          store: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          ip: { type: 'string', default: '127.0.0.1' },
          'min-age': { type: 'string', default: '0' },
          host: { type: 'string' },
          'assume-dead': { type: 'boolean', default: false },
          attempt: { type: 'string' },
          tno: { type: 'string' },
          order: { type: 'string' },
          amount: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }));
    } catch (err) {
      process.stderr.write(`kcp-payplus recover: ${(err as Error).message}\n${RECOVER_USAGE}`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(formatHelp('recover'));
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
    const settling = values.attempt !== undefined || values.tno !== undefined;
    if (settling && (values.attempt === undefined || values.tno === undefined)) {
      process.stderr.write('kcp-payplus recover: --attempt <id> and --tno <tno> go together: the attempt recover lists as UNKNOWN, and the tno KCP\'s admin shows for its order\n');
      return 2;
    }
    if ((values.order === undefined) !== (values.amount === undefined) || (values.order !== undefined && !settling)) {
      process.stderr.write('kcp-payplus recover: --order <ordr_idxx> and --amount <won> go together, with --attempt and --tno (pp_cli: what you saw in KCP\'s admin)\n');
      return 2;
    }
    let payplus: PayPlus | undefined;
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      const config = chooseConfig(values.config);
      const conf = await SiteConf.load(config.file);
      const logDir = logDirsOf(conf)[0]!;
      const location = values.store ?? defaultStoreLocation(logDir);
      process.stdout.write(usedLine('recover', config, [['store', maskStoreLocation(location)]], conf));
      // Read-only: nothing is created. A wrong config names the folder it expected instead of reading an empty store.
      const missing = missingFolder('the log folder', logDir, `check --config (or KCP_CONFIG) and g_conf_log_dir`);
      if (missing !== undefined) {
        process.stderr.write(`kcp-payplus recover: ${missing}\n`);
        return 1;
      }
      store = await openStore(location, { create: false });
      payplus = new PayPlus(conf, { store, logger: createSiteLogger(conf, { createDir: false }) });
      if (settling) {
        const confirmOrder = values.order === undefined ? undefined : { orderId: values.order, amount: values.amount! };
        const result = await payplus.settleWithTno(values.attempt!, values.tno!, { custIp: values.ip!, confirmOrder });
        const settled = result.kind === 'cancelled' || result.kind === 'committed' || result.kind === 'kept';
        const why = result.kind === 'unknown' ? `: ${result.why}` : result.kind === 'failed' ? `: ${result.error.message} (retried by recover)` : '';
        process.stdout.write(`${settled ? result.kind : result.kind.toUpperCase()} id=${values.attempt} tno=${values.tno}${why}\n`);
        return settled ? 0 : 1;
      }
      const dryRun = values['dry-run'] === true;
      const assumeDead = values.host === undefined ? undefined : { host: values.host };
      const report = await payplus.recover({ dryRun, custIp: values.ip!, minAgeMs: minAge * 1000, assumeDead });
      const failed = report.failed.length + report.unknown.length + report.undecided.length > 0;
      const status = dryRun ? undefined : await payplus.status();
      printReport(report, dryRun, status);
      if (status) printAttention(status, report);
      return failed || (status?.attention ?? false) ? 1 : 0;
    } catch (err) {
      // A config KCP refuses, a missing store file, a database that does not answer: named, exit 1.
      process.stderr.write(`kcp-payplus recover: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await payplus?.close();
      await store?.close().catch(() => undefined);
    }
  },
};
