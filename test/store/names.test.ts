/**
 * The store's table names for DBAs: a named PostgreSQL schema and a table prefix (PostgreSQL, MariaDB), from the
 * options and from the location's query parameters; names refused unless plain identifiers; and the schema printed
 * by `kcp-payplus schema --print`, applied by a superuser, used by a database user that has only SELECT, INSERT,
 * UPDATE and DELETE (the store then creates nothing). Every schema, prefix, role and user is unique to this run and
 * dropped afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpConfigError, KcpStoreError } from '../../lib/errors.js';
import { MysqlStore } from '../../lib/store/mysql.js';
import { openStore, storeUrl } from '../../lib/store/open.js';
import { currentOwner } from '../../lib/store/owner.js';
import { PostgresStore } from '../../lib/store/postgres.js';
import { schemaStatements, SCHEMA_VERSION, storeTables } from '../../lib/store/sql.js';
import type { NewAttempt, Owner, PaymentStore } from '../../lib/store/types.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, PG_URL, type FreshDatabase } from '../helpers/databases.js';
import { attemptMaker } from '../helpers/attempts.js';

const me = currentOwner();
const other: Owner = { host: 'elsewhere', pid: 7, start: 'x:y:1' };
const tag = randomBytes(4).toString('hex');
const attempt = attemptMaker(`att-${tag}`);

/** begin, the order id's exclusivity, a CAS update, claim, commitWith, the archive and the notification inbox. */
async function coreOperations(store: PaymentStore, label: string): Promise<void> {
  const a = attempt(`${label}-1`);
  assert.equal((await store.begin(a)).ok, true);
  const second = await store.begin(attempt(`${label}-1`));
  assert.equal(!second.ok && second.blocking.id, a.id, 'the order id is taken');
  assert.equal(await store.update(a.id, ['approved'], { state: 'committed' }, me), false, 'CAS on the state');
  assert.equal(await store.update(a.id, ['started'], { state: 'approved', tno: '20261203000001' }, me), true);
  assert.equal(await store.claim(a.id, other, me, Date.now() + 1000), false, 'claim from a wrong owner');
  assert.equal(await store.claim(a.id, me, me, Date.now() + 2000), true, 'renewing its own lease');
  assert.equal(await store.commitWith(a.id, me, async () => 'done'), 'done');
  assert.equal((await store.get(a.id))?.state, 'committed');
  assert.ok((await store.archive(Date.now() + 1000)) >= 1);
  assert.equal((await store.get(a.id))?.state, 'committed', 'found in the archive');
  assert.equal((await store.begin(attempt(`${label}-1`))).ok, false, 'archived order ids stay taken');
  assert.equal(await store.claimNotification(`${label}-N`, me, Date.now() + 60_000), 'claimed');
  assert.equal(await store.claimNotification(`${label}-N`, { ...me, host: 'elsewhere' }, Date.now() + 60_000), 'busy');
  await store.completeNotificationWith!(`${label}-N`, me, async () => undefined);
  assert.equal(await store.notificationDone(`${label}-N`), true);
}

function psql(url: string, script: string): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'], {
    input: script, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
  });
}

function mysqlCli(url: string, script: string): string {
  const u = new URL(url);
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), u.pathname.slice(1)];
  if (u.password) args.push(`-p${decodeURIComponent(u.password)}`);
  return execFileSync('mysql', args, { input: script, encoding: 'utf8', timeout: 30_000 });
}

function withUser(location: string, user: string): string {
  const u = new URL(location);
  u.username = user;
  u.password = '';
  return u.toString();
}

/**
 * A store opened with `?poolSize=3` uses exactly 3 more connections for 20 queries at once (`countSql` counts the
 * database's sessions other than its own).
 */
async function assertPoolSize(db: FreshDatabase, countSql: string): Promise<void> {
  const connections = async () => Number((await db.query(countSql))[0]!.n);
  const before = await connections();
  const store = await openStore(`${db.location}?poolSize=3`);
  try {
    await Promise.all(Array.from({ length: 20 }, () => store.listOpen(1)));
    assert.equal((await connections()) - before, 3);
  } finally {
    await store.close();
  }
}

describe('store names: refused unless plain identifiers, naming the option', () => {
  it('storeTables qualifies and prefixes every table once', () => {
    const t = storeTables('postgres', { schema: 'payments', tablePrefix: 'shop1_' });
    assert.deepEqual(
      [t.version, t.orders, t.attempts, t.archive, t.notifications, t.openIndex],
      ['"payments".shop1_schema', '"payments".shop1_orders', '"payments".shop1_attempts', '"payments".shop1_attempts_archive',
        '"payments".shop1_notifications', 'shop1_attempts_open'],
    );
    assert.equal(storeTables('mysql', { tablePrefix: 'shop1_' }).attempts, 'shop1_attempts');
    assert.equal(storeTables('sqlite').orders, 'kcp_payplus_orders');
  });

  for (const [engine, names, pattern] of [
    ['postgres', { tablePrefix: 'Shop1_' }, /^store option tablePrefix: "Shop1_" is not a plain table prefix; use lower-case letters/],
    ['mysql', { tablePrefix: 'x; DROP TABLE orders; --' }, /^store option tablePrefix: "x; DROP TABLE orders; --" is not a plain table prefix/],
    ['postgres', { tablePrefix: '' }, /^store option tablePrefix: "" is not a plain table prefix/],
    ['postgres', { schema: 'pay"ments' }, /^store option schema: "pay\\"ments" is not a plain schema name/],
    ['postgres', { schema: 'a'.repeat(64) }, /^store option schema: "a{64}" is not a plain schema name/],
    ['mysql', { schema: 'payments' }, /^store option schema: on MariaDB\/MySQL a schema is a database; name it in the connection/],
    ['sqlite', { tablePrefix: 'shop1_' }, /^store option tablePrefix: the SQLite store is a file of its own/],
  ] as const) {
    it(`${engine} ${JSON.stringify(names)}`, () => {
      assert.throws(() => storeTables(engine, names), (err: unknown) => {
        assert.ok(err instanceof KcpConfigError);
        assert.equal(err.field, Object.keys(names)[0]);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }

  it('PostgresStore.open and MysqlStore.open refuse a wrong name before they connect', async () => {
    await assert.rejects(PostgresStore.open({ connection: 'postgres://nobody@127.0.0.1:1/none', schema: 'Pay' }), KcpConfigError);
    await assert.rejects(MysqlStore.open({ connection: 'mysql://nobody@127.0.0.1:1/none', tablePrefix: '1x' }), KcpConfigError);
    await assert.rejects(openStore('mysql://nobody@127.0.0.1:1/none?schema=payments'), /a schema is a database/);
  });

  it("the location's schema and tablePrefix are the store's, and are not passed to the driver", () => {
    assert.deepEqual(storeUrl('postgres://u@h:5432/shop?schema=payments&sslmode=disable&tablePrefix=shop1_'), {
      connection: 'postgres://u@h:5432/shop?sslmode=disable',
      names: { schema: 'payments', tablePrefix: 'shop1_' },
    });
    assert.deepEqual(storeUrl('mysql://u@h/shop'), { connection: 'mysql://u@h/shop', names: {} });
    assert.throws(() => storeUrl('mysql://u@h/shop?tablePrefix=a_&tablePrefix=b_'), /'tablePrefix' is given 2 times/);
  });

  it("the location's poolSize sizes the pool the store makes; a wrong one is refused naming it, before anything connects", async () => {
    assert.deepEqual(storeUrl('postgres://u@h/shop?poolSize=25&sslmode=disable'), {
      connection: 'postgres://u@h/shop?sslmode=disable',
      names: {},
      poolSize: 25,
    });
    for (const bad of ['0', '1001', '2.5', 'ten', '']) {
      assert.throws(
        () => storeUrl(`mysql://u@h/shop?poolSize=${bad}`),
        (e: unknown) => e instanceof KcpConfigError && e.field === 'poolSize' && /whole number from 1 to 1000/.test(e.message),
        bad,
      );
    }
    await assert.rejects(openStore('postgres://nobody@127.0.0.1:1/none?poolSize=0'), /store option poolSize: "0"/);
    await assert.rejects(
      PostgresStore.open({ pool: {} as never, poolSize: 5 }),
      (e: unknown) => e instanceof KcpConfigError && e.field === 'poolSize' && /size your own `pool` yourself/.test(e.message),
    );
  });

  it('schemaStatements: the schema first, the version row last, every name prefixed', () => {
    const pg = schemaStatements('postgres', { schema: 'payments', tablePrefix: 'shop1_' });
    assert.equal(pg[0], 'CREATE SCHEMA IF NOT EXISTS "payments"');
    assert.equal(pg.at(-1), `INSERT INTO "payments".shop1_schema (id, version) VALUES (1, ${SCHEMA_VERSION}) ON CONFLICT DO NOTHING`);
    assert.ok(pg.includes('CREATE INDEX IF NOT EXISTS shop1_attempts_open ON "payments".shop1_attempts (open_flag, created_at)'));
    assert.ok(pg.slice(1).every((s) => s.includes('"payments".shop1_')), pg.join('\n'));
    const my = schemaStatements('mysql', { tablePrefix: 'shop1_' });
    assert.equal(my.at(-1), `INSERT IGNORE INTO shop1_schema (id, version) VALUES (1, ${SCHEMA_VERSION})`);
    assert.ok(!my.join('\n').includes('kcp_payplus_'));
    assert.ok(schemaStatements('sqlite').every((s) => !s.includes('"')), 'the default names stay as they were');
  });
});

describe('store names on PostgreSQL: a named schema, a prefix, a user without CREATE', function () {
  this.timeout(60_000);
  let db: FreshDatabase;
  const schema = `pay_${tag}`;
  const role = `kcp_ro_${tag}`;

  before(async () => {
    db = await freshDatabase('postgres', mkdtempSync(path.join(os.tmpdir(), 'kcp-names-')));
  });
  after(async () => {
    await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db?.exec(`DROP SCHEMA IF EXISTS ${schema}_url CASCADE`).catch(() => undefined);
    await db?.drop();
    // A role belongs to the cluster, not the database: dropped once the database that granted it is gone.
    psql(PG_URL, `DROP ROLE IF EXISTS ${role};`);
  });

  it('runs the core operations in a named schema with a prefix; its tables are there, nothing in public', async () => {
    const store = await PostgresStore.open({ connection: db.location, schema, tablePrefix: 'shop1_' });
    try {
      await coreOperations(store, 'PG-SCHEMA');
      assert.deepEqual(store.names, { schema, tablePrefix: 'shop1_' });
    } finally {
      await store.close();
    }
    const tables = await db.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'shop1_%' OR table_name LIKE 'kcp_payplus_%' ORDER BY 2`);
    assert.deepEqual(tables.map((r) => `${String(r.table_schema)}.${String(r.table_name)}`), [
      `${schema}.shop1_attempts`, `${schema}.shop1_attempts_archive`, `${schema}.shop1_notifications`, `${schema}.shop1_orders`, `${schema}.shop1_schema`,
    ]);
    assert.deepEqual((await db.query(`SELECT version FROM ${schema}.shop1_schema`)).map((r) => Number(r.version)), [SCHEMA_VERSION]);
  });

  it('openStore takes ?poolSize=… from the location: twenty queries at once use that many connections, no more', async () => {
    await assertPoolSize(db, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  });

  it('openStore takes ?schema=…&tablePrefix=… from the location', async () => {
    const store = await openStore(`${db.location}?schema=${schema}_url&tablePrefix=url_`);
    try {
      await coreOperations(store, 'PG-URL');
    } finally {
      await store.close();
    }
    assert.equal((await db.query(`SELECT count(*) AS n FROM ${schema}_url.url_attempts_archive`)).map((r) => Number(r.n))[0], 1);
  });

  it("'schema --print postgres' applied by the superuser; a role with only SELECT/INSERT/UPDATE/DELETE runs the store", async () => {
    const printed = await runCli(['schema', '--print', 'postgres', '--schema', schema, '--table-prefix', 'ro_']);
    assert.equal(printed.code, 0, printed.err);
    psql(db.location, printed.out);
    await db.exec(`CREATE ROLE ${role} LOGIN`);
    await db.exec(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await db.exec(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    const asRole = withUser(db.location, role);
    // The role may not create: proven on the database itself, so the store's success below means it created nothing.
    const pg = (await import('pg')).default;
    const probe = new pg.Client({ connectionString: asRole });
    await probe.connect();
    try {
      await assert.rejects(probe.query(`CREATE TABLE ${schema}.ro_probe (x INT)`), /permission denied for schema/);
    } finally {
      await probe.end();
    }

    const store = await PostgresStore.open({ connection: asRole, schema, tablePrefix: 'ro_' });
    try {
      await coreOperations(store, 'PG-RO');
    } finally {
      await store.close();
    }
    assert.equal((await db.query(`SELECT count(*) AS n FROM ${schema}.ro_orders`)).map((r) => Number(r.n))[0], 1);

    // Tables that are not there, and this role may not create them: the error names what to run.
    await assert.rejects(openStore(`${asRole}?schema=${schema}&tablePrefix=missing_`), (err: unknown) => {
      assert.ok(err instanceof KcpStoreError, String(err));
      assert.equal(err.operation, 'ready');
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(`the tables "${schema}"\\.missing_schema, "${schema}"\\.missing_orders, … are missing`));
      assert.match(err.message, new RegExp(`Fix: have a DBA run the output of 'kcp-payplus schema --print postgres --schema ${schema} --table-prefix missing_'`));
      assert.match(err.message, new RegExp(`and USAGE on schema ${schema}$`));
      return true;
    });
  });
});

describe('store names on MariaDB: a table prefix, a user without CREATE', function () {
  this.timeout(60_000);
  let db: FreshDatabase;
  const user = `kcp_ro_${tag}`;

  before(async () => {
    db = await freshDatabase('mysql', mkdtempSync(path.join(os.tmpdir(), 'kcp-names-')));
  });
  after(async () => {
    await db?.exec(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`).catch(() => undefined);
    await db?.drop();
  });

  it('runs the core operations with a table prefix; only prefixed tables are made', async () => {
    const store = await MysqlStore.open({ connection: db.location, tablePrefix: 'shop1_' });
    try {
      await coreOperations(store, 'MY-PREFIX');
      assert.deepEqual(store.names, { tablePrefix: 'shop1_' });
    } finally {
      await store.close();
    }
    const tables = (await db.query('SHOW TABLES')).map((r) => String(Object.values(r)[0])).sort();
    assert.deepEqual(tables, ['shop1_attempts', 'shop1_attempts_archive', 'shop1_notifications', 'shop1_orders', 'shop1_schema']);
  });

  it('openStore takes ?poolSize=… from the location: twenty queries at once use that many connections, no more', async () => {
    await assertPoolSize(db, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()');
  });

  it('openStore takes ?tablePrefix=… from the location (mariadb:// too)', async () => {
    const store = await openStore(`${db.location.replace(/^mysql:/, 'mariadb:')}?tablePrefix=url_`);
    try {
      await coreOperations(store, 'MY-URL');
    } finally {
      await store.close();
    }
    assert.equal((await db.query('SELECT count(*) AS n FROM url_attempts_archive')).map((r) => Number(r.n))[0], 1);
  });

  it("'schema --print mysql' applied as root; a user with only SELECT/INSERT/UPDATE/DELETE on the tables runs the store", async () => {
    const printed = await runCli(['schema', '--print', 'mysql', '--table-prefix', 'ro_']);
    assert.equal(printed.code, 0, printed.err);
    mysqlCli(db.location, printed.out);
    const dbName = new URL(db.location).pathname.slice(1);
    await db.exec(`CREATE USER '${user}'@'127.0.0.1'`);
    for (const t of ['schema', 'orders', 'attempts', 'attempts_archive', 'notifications']) {
      await db.exec(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${dbName}.ro_${t} TO '${user}'@'127.0.0.1'`);
    }
    const asUser = withUser(db.location, user);
    // The user may not create: proven on the database itself, so the store's success below means it created nothing.
    const mysql = (await import('mysql2/promise')).default;
    const probe = await mysql.createConnection(asUser);
    try {
      await assert.rejects(probe.query('CREATE TABLE ro_probe (x INT)'), /CREATE command denied/);
    } finally {
      await probe.end();
    }
    const store = await MysqlStore.open({ connection: asUser, tablePrefix: 'ro_' });
    try {
      await coreOperations(store, 'MY-RO');
    } finally {
      await store.close();
    }
    assert.equal((await db.query('SELECT count(*) AS n FROM ro_orders')).map((r) => Number(r.n))[0], 1);

    await assert.rejects(openStore(`${asUser}?tablePrefix=missing_`), (err: unknown) => {
      assert.ok(err instanceof KcpStoreError, String(err));
      assert.equal(err.operation, 'ready');
      assert.match(err.message, /the tables missing_schema, missing_orders, … are missing \(or this database user may not use them\)/);
      assert.match(err.message, /Fix: have a DBA run the output of 'kcp-payplus schema --print mysql --table-prefix missing_' as a user with CREATE, then grant this user SELECT, INSERT, UPDATE and DELETE on those tables$/);
      return true;
    });
  });
});
