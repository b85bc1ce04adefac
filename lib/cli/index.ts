/** Entry point of the `kcp-payplus` command: dispatches to the registered sub-commands. */
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const list = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n');
    const out = `usage: kcp-payplus <command> [options]\n\ncommands:\n${list}\n`;
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      process.stdout.write(out);
      return 0;
    }
    process.stderr.write(`kcp-payplus: unknown command '${name}'\n\n${out}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // node:util parseArgs refusing an option or a value is a usage error, for every command alike.
    if (String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kcp-payplus ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
