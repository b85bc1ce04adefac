/**
 * Read-only commands stay read-only, and every command says what it read: `recover --dry-run`, `trace` and `doctor`
 * against a wrong or new configuration create no folder, file or table (the file system is compared before and after),
 * exit non-zero naming the missing path, and name the config (--config, KCP_CONFIG or the default) and the store in
 * their first line. Also: --version, KCP_CONFIG honoured.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SiteConf } from '../../lib/config/index.js';
import { DEFAULT_CONFIG_PATH, siteConfPath } from '../../lib/config/default-path.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import { openStore } from '../../lib/store/open.js';
import { runCli } from '../helpers/cli.js';

/** Every path under dir with its size (files) — what a command may not change. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      out.push(`${path.relative(dir, p)}${st.isDirectory() ? '/' : ` ${st.size}`}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** Runs with KCP_CONFIG set to value (or removed when undefined), restoring it afterwards. */
async function withKcpConfig<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['KCP_CONFIG'];
  if (value === undefined) delete process.env['KCP_CONFIG'];
  else process.env['KCP_CONFIG'] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env['KCP_CONFIG'];
    else process.env['KCP_CONFIG'] = saved;
  }
}

describe('kcp-payplus read-only commands create nothing and name what they read', function () {
  this.timeout(60_000);
  let root: string;
  let home: string;
  let logDir: string;
  let cfg: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'kcp-cli-ro-'));
    home = path.join(root, 'kcp');
    logDir = path.join(root, 'log');
    mkdirSync(path.join(root, 'cfg'));
    cfg = path.join(root, 'cfg', 'site_conf_inc.json');
    const conf = SiteConf.testPreset({ homeDir: home, logDir, gwUrl: '127.0.0.1', gwPort: '8090', jsUrl: 'http://127.0.0.1:8090/plugin/payplus_test.js' });
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('recover --dry-run against a missing log folder creates nothing and exits 1 naming the folder', async () => {
    const before = tree(root);
    const res = await runCli(['recover', '--config', cfg, '--dry-run']);
    assert.equal(res.code, 1);
    assert.equal(res.out, `kcp-payplus recover: config ${cfg} (from --config), transport pp_cli, store sqlite:${logDir}/payplus.sqlite\n`);
    assert.equal(
      res.err,
      `kcp-payplus recover: the log folder ${logDir} does not exist (nothing was created); check --config (or KCP_CONFIG) and g_conf_log_dir\n`,
    );
    assert.deepEqual(tree(root), before);
  });

  it('recover --dry-run with the log folder but no store names the store file, creates nothing, exits 1', async () => {
    mkdirSync(logDir, { recursive: true });
    const before = tree(root);
    const res = await runCli(['recover', '--config', cfg, '--dry-run']);
    assert.equal(res.code, 1);
    assert.match(res.err, new RegExp(`^kcp-payplus recover: SQLite store ${logDir}/payplus\\.sqlite does not exist \\(nothing was created\\)`));
    assert.doesNotMatch(res.out, /nothing to recover/);
    assert.deepEqual(tree(root), before);
  });

  it('recover --dry-run on a file that is not a store (an empty one) refuses it and adds no table', async () => {
    mkdirSync(logDir, { recursive: true });
    writeFileSync(path.join(logDir, 'payplus.sqlite'), '');
    const res = await runCli(['recover', '--config', cfg, '--dry-run']);
    assert.equal(res.code, 1);
    assert.match(res.err, /is not a kcp-payplus store \(no kcp_payplus_schema table; nothing was created\)/);
    assert.equal(statSync(path.join(logDir, 'payplus.sqlite')).size, 0);
  });

  it('recover --dry-run on an existing store reads it: the first line names config and store, exit 0', async () => {
    const made = new SqliteStore(path.join(logDir, 'payplus.sqlite'));
    await made.ready();
    await made.close();
    const res = await runCli(['recover', '--config', cfg, '--dry-run']);
    assert.equal(res.code, 0, res.err);
    assert.equal(
      res.out,
      `kcp-payplus recover: config ${cfg} (from --config), transport pp_cli, store sqlite:${logDir}/payplus.sqlite\nnothing to recover: no open payment attempts\n`,
    );
  });

  it('a store URL is named with its password masked', async () => {
    mkdirSync(logDir, { recursive: true });
    const res = await runCli(['recover', '--config', cfg, '--dry-run', '--store', 'postgres://shop:s3cret@127.0.0.1:1/none']);
    assert.equal(res.code, 1);
    assert.equal(res.out.split('\n')[0], `kcp-payplus recover: config ${cfg} (from --config), transport pp_cli, store postgres://shop:****@127.0.0.1:1/none`);
    assert.equal(`${res.out}${res.err}`.includes('s3cret'), false);
  });

  it('openStore(location, { create: false }) creates no folder or file; the default still does', async () => {
    const file = path.join(root, 'new', 'payplus.sqlite');
    const store = await openStore(`sqlite:${file}`, { create: false });
    await assert.rejects(store.listOpen(10), new RegExp(`^Error: SQLite store ${file} does not exist`));
    await store.close();
    assert.deepEqual(readdirSync(root).sort(), ['cfg']);
    const created = await openStore(file);
    await created.listOpen(10);
    await created.close();
    assert.ok(statSync(file).isFile());
  });

  it('trace with no log folder creates nothing and exits 2 naming the folders', async () => {
    const before = tree(root);
    const res = await runCli(['trace', 'ORD-1', '--config', cfg]);
    assert.equal(res.code, 2);
    assert.equal(res.out, `kcp-payplus trace: config ${cfg} (from --config), transport pp_cli, log folders ${logDir}, ${home}/log\n`);
    assert.equal(res.err, `kcp-payplus trace: none of the log folders ${logDir}, ${home}/log exists; check --config (or KCP_CONFIG) and g_conf_log_dir\n`);
    assert.deepEqual(tree(root), before);
  });

  it('doctor creates nothing (no log folder, no store) and names the config it checked', async () => {
    const before = tree(root);
    const res = await runCli(['doctor', '--config', cfg, '--offline', '--no-smoke', '--lang', 'en']);
    assert.equal(res.code, 1, 'the module is missing');
    assert.equal(res.out.split('\n')[0], `kcp-payplus doctor: config ${cfg} (from --config), transport pp_cli`);
    assert.deepEqual(tree(root), before);
  });

  it('honours KCP_CONFIG when --config is not given, and --config over it', async () => {
    const viaEnv = await withKcpConfig(cfg, () => runCli(['doctor', '--offline', '--no-smoke', '--json']));
    assert.equal(viaEnv.err, `kcp-payplus doctor: config ${cfg} (from KCP_CONFIG), transport pp_cli\n`);
    assert.ok(JSON.parse(viaEnv.out).results.length > 5, 'stdout is the JSON report alone');
    const other = path.join(root, 'cfg', 'other.json');
    const viaOption = await withKcpConfig(cfg, () => runCli(['recover', '--dry-run', '--config', other]));
    assert.equal(viaOption.code, 1);
    assert.match(viaOption.err, new RegExp(`${other.replace(/[.]/g, '\\.')}`));
    const recover = await withKcpConfig(cfg, () => runCli(['recover', '--dry-run']));
    assert.equal(recover.out.split('\n')[0], `kcp-payplus recover: config ${cfg} (from KCP_CONFIG), transport pp_cli, store sqlite:${logDir}/payplus.sqlite`);
  });

  it('without --config or KCP_CONFIG, the CLI and the library use the same default', async () => {
    assert.equal(siteConfPath({}), DEFAULT_CONFIG_PATH);
    assert.equal(siteConfPath({ KCP_CONFIG: '' }), DEFAULT_CONFIG_PATH);
    assert.equal(siteConfPath({ KCP_CONFIG: cfg }), cfg);
    const res = await withKcpConfig(undefined, () => runCli(['trace', 'ORD-1']));
    assert.match(res.err, new RegExp(`^kcp-payplus trace: ${DEFAULT_CONFIG_PATH}`));
    const readme = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    assert.ok(readme.includes('const conf = await SiteConf.load();'), "the README's app reads the same default");
    // SiteConf.load() without a file follows the same rule.
    await withKcpConfig(cfg, async () => assert.equal((await SiteConf.load()).homeDir, home));
    await withKcpConfig(undefined, () => assert.rejects(SiteConf.load(), new RegExp(DEFAULT_CONFIG_PATH)));
  });

  it('--version prints package.json\'s version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) assert.deepEqual(await runCli([flag]), { code: 0, out: `${version}\n`, err: '' });
  });
});
