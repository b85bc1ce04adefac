/**
 * `kcp-payplus schema --print <engine>`: the store's statements exactly as schemaStatements gives them (each ending in
 * `;`), the grants as comments, usage errors that name the option, and help in the common layout. Applying the output
 * as a superuser and running the store as a user without CREATE is test/store/names.test.ts.
 */
import assert from 'node:assert/strict';
import { schemaStatements, SCHEMA_VERSION } from '../../lib/store/sql.js';
import { runCli } from '../helpers/cli.js';

/** The script's SQL without its comment lines. */
const sqlOf = (out: string) => out.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim();

describe('kcp-payplus schema --print', () => {
  it('postgres with a schema and a prefix: the statements, each ending in ;, and the grants as comments', async () => {
    const res = await runCli(['schema', '--print', 'postgres', '--schema', 'payments', '--table-prefix', 'shop1_']);
    assert.equal(res.code, 0);
    assert.equal(res.err, '');
    assert.equal(sqlOf(res.out), schemaStatements('postgres', { schema: 'payments', tablePrefix: 'shop1_' }).map((s) => `${s};`).join('\n\n'));
    assert.ok(res.out.startsWith(`-- kcp-payplus payment store, schema version ${SCHEMA_VERSION}, for postgres, schema payments, table prefix shop1_\n`));
    assert.match(res.out, /\n-- {3}GRANT USAGE ON SCHEMA "payments" TO kcp_app;\n/);
    assert.match(res.out, /\n-- {3}GRANT SELECT, INSERT, UPDATE, DELETE ON "payments"\.shop1_schema, "payments"\.shop1_orders, "payments"\.shop1_attempts, "payments"\.shop1_attempts_archive, "payments"\.shop1_notifications TO kcp_app;\n/);
  });

  it('mysql and sqlite with the defaults', async () => {
    for (const engine of ['mysql', 'sqlite'] as const) {
      const res = await runCli(['schema', '--print', engine]);
      assert.equal(res.code, 0, res.err);
      assert.equal(sqlOf(res.out), schemaStatements(engine).map((s) => `${s};`).join('\n\n'));
      assert.match(res.out, new RegExp(`for ${engine}, table prefix kcp_payplus_\\n`));
    }
    const my = await runCli(['schema', '--print', 'mysql', '--table-prefix', 'shop1_']);
    assert.deepEqual(my.out.split('\n').filter((l) => l.includes('GRANT')), ['schema', 'orders', 'attempts', 'attempts_archive', 'notifications'].map(
      (x) => `--   GRANT SELECT, INSERT, UPDATE, DELETE ON shop1_${x} TO 'kcp_app'@'%';`,
    ));
  });

  for (const [argv, message] of [
    [['schema'], "kcp-payplus schema: --print takes the engine: sqlite, postgres, mysql\nusage: kcp-payplus schema --print <sqlite|postgres|mysql> [--schema <name>] [--table-prefix <prefix>]\n"],
    [['schema', '--print', 'oracle'], "kcp-payplus schema: --print takes the engine: sqlite, postgres, mysql ('oracle' is none of them)\nusage: kcp-payplus schema "],
    [['schema', '--print', 'postgres', '--table-prefix', 'Shop-1'], 'kcp-payplus schema: --table-prefix: "Shop-1" is not a plain table prefix; use lower-case letters, digits and _'],
    [['schema', '--print', 'postgres', '--schema', 'pay;ments'], 'kcp-payplus schema: --schema: "pay;ments" is not a plain schema name'],
    [['schema', '--print', 'mysql', '--schema', 'payments'], 'kcp-payplus schema: --schema: on MariaDB/MySQL a schema is a database'],
  ] as const) {
    it(`${argv.slice(1).join(' ') || '(no --print)'}: exit 2, nothing printed, the option named`, async () => {
      const res = await runCli([...argv]);
      assert.equal(res.code, 2);
      assert.equal(res.out, '');
      assert.ok(res.err.startsWith(message), res.err);
    });
  }

  it('--help and help schema: usage, options and examples in the common layout', async () => {
    const a = await runCli(['schema', '--help']);
    const b = await runCli(['help', 'schema']);
    assert.equal(a.code, 0);
    assert.equal(a.out, b.out);
    assert.ok(a.out.startsWith('usage: kcp-payplus schema --print <sqlite|postgres|mysql>'), a.out);
    assert.match(a.out, /\n\noptions:\n {2}--print <engine> +the engine: sqlite, postgres or mysql \(required\)\n/);
    assert.match(a.out, /\n\nexamples:\n {2}kcp-payplus schema --print postgres --schema payments \| psql -U postgres shop\n/);
  });
});
