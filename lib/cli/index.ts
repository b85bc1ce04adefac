/** Entry point of the `kcp-payplus` command: dispatches to the registered sub-commands. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../runner/addon-loader.js';
import { commands } from './commands/index.js';
import { DEFAULT_CONFIG_PATH } from './context.js';
import { formatHelp } from './help.js';

function overview(): string {
  const list = commands.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`).join('\n');
  return (
    `usage: kcp-payplus <command> [options]\n       kcp-payplus --version\n\ncommands:\n${list}\n\n` +
    `'kcp-payplus help <command>' or 'kcp-payplus <command> --help' shows a command's options and examples.\n` +
    `Commands that read a site configuration take --config <file>, else $KCP_CONFIG, else\n` +
    `${DEFAULT_CONFIG_PATH}, and name the one they used and its transport (payplus.transport: pp_cli or\n` +
    `rest) in their first line.\n`
  );
}

/** This package's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** --help / -h among a command's own options (for `record`, the ones before `--` only). */
function asksForHelp(args: readonly string[]): boolean {
  const dash = args.indexOf('--');
  const own = dash < 0 ? args : args.slice(0, dash);
  return own.includes('--help') || own.includes('-h');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(overview());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const text = formatHelp(rest[0]!);
    if (text === '') {
      process.stderr.write(`kcp-payplus: unknown command '${rest[0]}'\n\n${overview()}`);
      return 2;
    }
    process.stdout.write(text);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`kcp-payplus: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(formatHelp(name));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // node:util parseArgs refusing an option or a value is a usage error, for every command alike.
    if (String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kcp-payplus ${name}: ${(err as Error).message}\n'kcp-payplus ${name} --help' lists the options.\n`);
      return 2;
    }
    throw err;
  }
}
