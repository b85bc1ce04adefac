/**
 * `kcp-payplus archive`: moves settled payment attempts (committed, declined, cancelled, kept) last changed before a
 * cut-off out of the live table, into kcp_payplus_attempts_archive. Their order ids stay taken, so the duplicate check
 * keeps working; open attempts are never moved. See help.ts for the text.
 */
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { PayPlus } from '../../payplus/payplus.js';
import { openStore } from '../../store/open.js';
import { usageOf } from '../help.js';
import type { CliCommand } from './index.js';

export const archiveCommand: CliCommand = {
  name: 'archive',
  summary: 'move settled payment attempts older than N days to the archive table (order ids stay taken)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', default: 'cfg/site_conf_inc.json' },
        store: { type: 'string' },
        'older-than-days': { type: 'string', default: '90' },
      },
    });
    const days = Number(values['older-than-days']);
    if (!Number.isInteger(days) || days < 0) {
      process.stderr.write(`kcp-payplus archive: --older-than-days takes whole days (0 or more)\n${usageOf('archive')}`);
      return 2;
    }
    let payplus: PayPlus | undefined;
    try {
      const store = values.store === undefined ? undefined : await openStore(values.store);
      payplus = new PayPlus(await SiteConf.load(values.config!), { store });
      const before = Date.now() - days * 86_400_000;
      const moved = await payplus.store.archive(before);
      process.stdout.write(
        `archived ${moved} settled attempt${moved === 1 ? '' : 's'} last changed before ${new Date(before).toISOString()}; ` +
          `their order ids stay taken\n`,
      );
      await store?.close();
      return 0;
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      process.stderr.write(`kcp-payplus archive: ${err.message}\n`);
      return 1;
    } finally {
      await payplus?.close();
    }
  },
};
