/**
 * `kcp-payplus install-standin --home <dir> [--config file] [--force]`: puts the package's stand-in pp_cli where KCP's
 * module goes, for development against `kcp-payplus sim`. Refuses a REAL configuration. See help.ts for the text.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SiteConf } from '../../config/index.js';
import { KcpError } from '../../errors.js';
import { maskText } from '../../log/mask.js';
import { installStandIn, StandInRefused } from '../../sim/standin.js';
import { usageOf } from '../help.js';
import type { CliCommand } from './index.js';

export const installStandInCommand: CliCommand = {
  name: 'install-standin',
  summary: 'install the stand-in pp_cli (talks to `sim`, never to KCP) into a KCP home; refuses a REAL config',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { home: { type: 'string' }, config: { type: 'string' }, force: { type: 'boolean', default: false } },
    });
    if (values.home === undefined && values.config === undefined) {
      process.stderr.write(`kcp-payplus install-standin: give --home <KCP home> or --config <file> (its g_conf_home_dir is used)\n${usageOf('install-standin')}`);
      return 2;
    }
    let conf: SiteConf | undefined;
    if (values.config !== undefined) {
      try {
        conf = await SiteConf.load(values.config);
      } catch (err) {
        if (!(err instanceof KcpError)) throw err;
        process.stderr.write(`kcp-payplus install-standin: ${maskText(err.message)}\n`);
        return 1;
      }
    }
    const home = path.resolve(values.home ?? conf!.homeDir);
    try {
      const target = installStandIn(home, { conf, force: values.force });
      process.stdout.write(
        `stand-in pp_cli installed: ${target} (mode 755)\n` +
          `it talks to the local simulator only: start one with 'kcp-payplus sim', then point the config at it\n` +
          `(g_conf_home_dir=${home}, g_conf_gw_url=127.0.0.1, g_conf_gw_port=<sim port>, payplus.allow_nonstandard_port=true).\n`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof StandInRefused)) throw err;
      process.stderr.write(`kcp-payplus install-standin: ${err.message}\n`);
      return 1;
    }
  },
};
