/**
 * `kcp-payplus archive`: moves settled payment attempts (committed, declined, cancelled, kept) last changed before a
 * cut-off out of the live table, into kcp_payplus_attempts_archive. Their order ids stay taken, so the duplicate check
 * keeps working; open attempts are never moved. It works on an existing store only (a missing log folder or store is
 * named, exit 1, never created) and names the config, transport and store in its first line. It needs the store only:
 * no pp_cli and no PG-API credentials. See help.ts for the text.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { logDirsOf } from '../../log/paths.js';
import { openStore } from '../../store/open.js';
import { chooseConfig, defaultStoreLocation, maskStoreLocation, missingFolder, usedLine } from '../context.js';
import { usageOf } from '../help.js';
import type { CliCommand } from './index.js';

export const archiveCommand: CliCommand = {
  name: 'archive',
  summary: 'move settled payment attempts older than N days to the archive table (order ids stay taken)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        store: { type: 'string' },
        'older-than-days': { type: 'string', default: '90' },
      },
    });
    const days = Number(values['older-than-days']);
    if (!Number.isInteger(days) || days < 0) {
      process.stderr.write(`kcp-payplus archive: --older-than-days takes whole days (0 or more)\n${usageOf('archive')}`);
      return 2;
    }
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      const config = chooseConfig(values.config);
      const conf = await SiteConf.load(config.file);
      const logDir = logDirsOf(conf)[0]!;
      const location = values.store ?? defaultStoreLocation(logDir);
      process.stdout.write(usedLine('archive', config, [['store', maskStoreLocation(location)]], conf));
      const missing = missingFolder('the log folder', logDir, 'check --config (or KCP_CONFIG) and g_conf_log_dir');
      if (missing !== undefined) {
        process.stderr.write(`kcp-payplus archive: ${missing}\n`);
        return 1;
      }
      store = await openStore(location, { create: false });
      const before = Date.now() - days * 86_400_000;
      const moved = await store.archive(before);
      process.stdout.write(
        `archived ${moved} settled attempt${moved === 1 ? '' : 's'} last changed before ${new Date(before).toISOString()}; ` +
          `their order ids stay taken\n`,
      );
      return 0;
    } catch (err) {
      process.stderr.write(`kcp-payplus archive: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await store?.close().catch(() => undefined);
    }
  },
};
