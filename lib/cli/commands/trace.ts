/**
 * `kcp-payplus trace <trace_no|ordr_idxx|tno> [--since YYYY-MM-DD] [--config path] [--store location] [--log-dir dir]... [--json]`
 *
 * Reads pp_cli's logs (v2.00/v2.14, EUC-KR) and the SDK's JSON-lines logs and prints one transaction's
 * story in time order, card numbers masked. Log folders come from --log-dir, else from the config
 * (g_conf_log_dir and <home>/log). With a config (or --store) it adds the payment store's attempts of the transaction
 * (lib/trace/attempts.ts): on the REST transport, where no pp_cli log exists, the SDK's tx.* lines (each PG-API
 * exchange, masked) and the store tell the story. It only reads: its first line names the config, transport, folders
 * and store it read (on stderr with --json), and when none of the folders exists it says so, naming them (exit 2),
 * instead of reporting nothing found. The default SQLite store is read only when its file exists.
 * Exit 0 when lines or attempts were found, 1 when none, 2 on a usage or config error or a missing log folder.
 */
import { parseArgs } from 'node:util';

import { SiteConf } from '../../config/index.js';
import type { SiteConfData } from '../../config/site-conf.js';
import { maskText } from '../../log/mask.js';
import { logDirsOf } from '../../log/paths.js';
import { attemptsOf, formatStory, storyJson, traceTransaction } from '../../trace/index.js';
import { existsSync } from 'node:fs';
import { openStore } from '../../store/open.js';
import type { Attempt, PaymentStore } from '../../store/types.js';
import { chooseConfig, defaultStoreLocation, maskStoreLocation, usedLine } from '../context.js';
import { formatHelp, usageOf } from '../help.js';
import type { CliCommand } from './index.js';

export interface TraceCommandDeps {
  loadConf: (file: string) => Promise<Pick<SiteConfData, 'homeDir' | 'logDir' | 'transport'>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultDeps: TraceCommandDeps = {
  loadConf: (file) => SiteConf.load(file),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

const USAGE = usageOf('trace');

/** YYYY-MM-DD as a local date, or undefined when it is not a real date. */
export function parseSince(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.getMonth() === Number(m[2]) - 1 && date.getDate() === Number(m[3]) ? date : undefined;
}

export async function runTraceCommand(argv: string[], deps: TraceCommandDeps = defaultDeps): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        since: { type: 'string' },
        config: { type: 'string' },
        store: { type: 'string' },
        'log-dir': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    deps.stderr(`kcp-payplus trace: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.stdout(formatHelp('trace'));
    return 0;
  }
  if (positionals.length !== 1 || positionals[0].trim() === '') {
    deps.stderr(`kcp-payplus trace: give exactly one trace_no, ordr_idxx or tno\n${USAGE}`);
    return 2;
  }
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since);
    if (!since) {
      deps.stderr(`kcp-payplus trace: --since must be a date YYYY-MM-DD, not "${values.since}"\n`);
      return 2;
    }
  }
  let dirs = values['log-dir'] ?? [];
  const config = dirs.length === 0 ? chooseConfig(values.config) : undefined;
  let conf: Pick<SiteConfData, 'homeDir' | 'logDir' | 'transport'> | undefined;
  if (config) {
    try {
      conf = await deps.loadConf(config.file);
      dirs = logDirsOf(conf);
    } catch (error) {
      deps.stderr(`kcp-payplus trace: ${maskText(error instanceof Error ? error.message : String(error))}\n(use --log-dir to read logs without a config)\n`);
      return 2;
    }
  }
  // The store: --store, else the config's default SQLite file when it exists (a pp_cli site may have none).
  const defaultStore = conf ? defaultStoreLocation(dirs[0]!) : undefined;
  const location = values.store ?? (defaultStore !== undefined && existsSync(defaultStore.slice('sqlite:'.length)) ? defaultStore : undefined);
  const header = usedLine('trace', config, [['log folders', dirs.join(', ')], ...(location ? [['store', maskStoreLocation(location)] as const] : [])], conf);
  if (values.json) deps.stderr(header);
  else deps.stdout(header);
  if (!dirs.some((dir) => existsSync(dir))) {
    const which = dirs.length === 1 ? `the log folder ${dirs[0]} does not exist` : `none of the log folders ${dirs.join(', ')} exists`;
    deps.stderr(`kcp-payplus trace: ${which}; check ${config ? '--config (or KCP_CONFIG) and g_conf_log_dir' : '--log-dir'}\n`);
    return 2;
  }
  const result = traceTransaction(positionals[0].trim(), { dirs, since });
  let attempts: Attempt[] = [];
  if (location) {
    let store: PaymentStore | undefined;
    try {
      store = await openStore(location, { create: false });
      attempts = await attemptsOf(store, result);
    } catch (error) {
      deps.stderr(`kcp-payplus trace: the store ${maskStoreLocation(location)} could not be read: ${maskText(error instanceof Error ? error.message : String(error))}\n`);
      return 2;
    } finally {
      await store?.close().catch(() => undefined);
    }
  }
  deps.stdout(values.json ? storyJson(result, attempts) : formatStory(result, attempts));
  return result.entries.length > 0 || attempts.length > 0 ? 0 : 1;
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: "print one transaction's story from pp_cli's and the SDK's logs (by trace_no, ordr_idxx or tno)",
  run: (argv) => runTraceCommand(argv),
};
