/**
 * `kcp-payplus schema --print <sqlite|postgres|mysql> [--schema S] [--table-prefix P]`: prints the payment store's
 * schema as SQL for a DBA to apply as a user with CREATE (psql -f, mysql < file), so that the SDK's own database user
 * needs only SELECT, INSERT, UPDATE and DELETE. The statements are schemaStatements' (lib/store/sql.ts); see help.ts.
 */
import { parseArgs } from 'node:util';
import { KcpError } from '../../errors.js';
import { schemaStatements, SCHEMA_VERSION, storeTables, type Dialect, type StoreNames } from '../../store/sql.js';
import { usageOf } from '../help.js';
import type { CliCommand } from './index.js';

const ENGINES: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

/** The printed script: the statements, each ending in `;`, and as comments what the SDK's user must be granted. */
export function schemaScript(engine: Dialect, names: StoreNames = {}): string {
  const statements = schemaStatements(engine, names);
  const t = storeTables(engine, names);
  const tables = [t.version, t.orders, t.attempts, t.archive, t.notifications];
  const grants =
    engine === 'sqlite'
      ? ['-- SQLite: the SDK user needs read and write access to the database file and its folder.']
      : [
          '-- Then give the SDK\'s database user (here: kcp_app) only what it uses:',
          ...(t.schema === undefined ? [] : [`--   GRANT USAGE ON SCHEMA ${t.schema} TO kcp_app;`]),
          ...(engine === 'mysql'
            ? tables.map((x) => `--   GRANT SELECT, INSERT, UPDATE, DELETE ON ${x} TO 'kcp_app'@'%';`)
            : [`--   GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.join(', ')} TO kcp_app;`]),
        ];
  return [
    `-- kcp-payplus payment store, schema version ${SCHEMA_VERSION}, for ${engine}` +
      `${t.names.schema === undefined ? '' : `, schema ${t.names.schema}`}, table prefix ${t.names.tablePrefix}`,
    '-- Idempotent: apply it as a user with CREATE; a store whose tables are at this version creates nothing.',
    '',
    ...statements.map((s) => `${s};\n`),
    ...grants,
    '',
  ].join('\n');
}

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: "print the payment store's tables as SQL, for a DBA to create them (the SDK's user then needs no CREATE)",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        print: { type: 'string' },
        schema: { type: 'string' },
        'table-prefix': { type: 'string' },
      },
    });
    const engine = values.print;
    if (engine === undefined || !ENGINES.includes(engine as Dialect)) {
      process.stderr.write(
        `kcp-payplus schema: --print takes the engine: ${ENGINES.join(', ')}` +
          `${engine === undefined ? '' : ` ('${engine}' is none of them)`}\n${usageOf('schema')}`,
      );
      return 2;
    }
    try {
      const names: StoreNames = {};
      if (values.schema !== undefined) names.schema = values.schema;
      if (values['table-prefix'] !== undefined) names.tablePrefix = values['table-prefix'];
      process.stdout.write(schemaScript(engine as Dialect, names));
      return 0;
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      const text = err.message.replace('store option schema', '--schema').replace('store option tablePrefix', '--table-prefix');
      process.stderr.write(`kcp-payplus schema: ${text}\n`);
      return 2;
    }
  },
};
