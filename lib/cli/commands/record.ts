/**
 * `kcp-payplus record --cassette <file.json> [--mode record|replay|passthrough] -- <command> [args...]`
 *
 * Runs <command> (no shell) with NODE_OPTIONS extended by `--import=<preload>`: a data: module that puts the process
 * under the cassette (runner/replay.ts recordPreloadUrl), so every pp_cli call the SDK makes inside it (and in Node
 * processes it starts) is recorded to (or replayed from) the cassette. No environment variable of the SDK's own is
 * involved: a stray KCP_PAYPLUS_CASSETTE elsewhere changes nothing. Typical use: record a session against KCP's
 * real module and test gateway once, commit the redacted cassette, replay it in CI.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCassette } from '../../runner/cassette.js';
import { recordPreloadUrl } from '../../runner/replay.js';
import type { CassetteMode } from '../../runner/cassette.js';
import { usageOf } from '../help.js';
import type { CliCommand } from './index.js';

const USAGE = usageOf('record');

export const recordCommand: CliCommand = {
  name: 'record',
  summary: 'run a command with its pp_cli calls recorded to (or replayed from) a cassette',
  async run(argv) {
    const dash = argv.indexOf('--');
    const own = dash < 0 ? argv : argv.slice(0, dash);
    const command = dash < 0 ? [] : argv.slice(dash + 1);
    const { values } = parseArgs({
      args: own,
      options: { cassette: { type: 'string' }, mode: { type: 'string', default: 'record' }, bind: { type: 'string' } },
    });
    if (!values.cassette || command.length === 0) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (!['record', 'replay', 'passthrough'].includes(values.mode!)) {
      process.stderr.write(`kcp-payplus record: --mode must be record, replay or passthrough, not '${values.mode}'\n${USAGE}`);
      return 2;
    }
    const cassette = resolve(values.cassette);
    const bind = (values.bind ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    const preload = recordPreloadUrl({ path: cassette, mode: values.mode as CassetteMode, bind });
    const code = await new Promise<number>((done) => {
      const child = spawn(command[0]!, command.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, NODE_OPTIONS: nodeOptions(process.env.NODE_OPTIONS, preload) },
      });
      child.on('error', (err) => {
        process.stderr.write(`kcp-payplus record: cannot start ${command[0]}: ${err.message}\n`);
        done(127);
      });
      child.on('exit', (status, signal) => done(status ?? (signal ? 128 : 1)));
    });
    if (values.mode === 'record') {
      if (!existsSync(cassette)) {
        process.stderr.write(
          `kcp-payplus record: the command made no pp_cli call through the SDK, so nothing was recorded to ${cassette}\n`,
        );
        return code === 0 ? 1 : code;
      }
      const c = loadCassette(cassette);
      process.stderr.write(
        `kcp-payplus record: ${c.interactions.length} interaction(s) saved to ${cassette}` +
          `${c.meta.ppCli.banner ? ` (${c.meta.ppCli.banner})` : ''}; secrets replaced by placeholders\n`,
      );
    }
    return code;
  },
};

/** NODE_OPTIONS for the child: the caller's own options, then the preload. */
function nodeOptions(existing: string | undefined, preload: string): string {
  return `${existing ? `${existing} ` : ''}--import=${preload}`;
}
