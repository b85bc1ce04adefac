/** Every command answers --help and `help <command>` with its usage and examples; install-standin refuses REAL. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commands } from '../../lib/cli/commands/index.js';
import { RECOVER_USAGE } from '../../lib/cli/commands/recover.js';
import { HELP } from '../../lib/cli/help.js';
import { simBanner } from '../../lib/cli/commands/sim.js';
import { standInBuildPath } from '../../lib/sim/standin.js';
import { children } from '../helpers/children.js';
import { runCli } from '../helpers/cli.js';

const LAID_OUT = ['cancel', 'capture', 'recover', 'archive', 'record', 'sim', 'doctor', 'trace', 'install-standin', 'schema'];

describe('kcp-payplus --help', () => {
  it('lists every registered command, and every command has help text', () => {
    assert.deepEqual(commands.map((c) => c.name).sort(), Object.keys(HELP).sort());
  });

  it('covers every command in the loop below (one layout for all)', () => {
    assert.deepEqual([...LAID_OUT].sort(), commands.map((c) => c.name).sort());
  });

  for (const name of LAID_OUT) {
    it(`${name} --help and help ${name} print the same usage, options and examples, exit 0`, async () => {
      const a = await runCli([name, '--help']);
      const b = await runCli(['help', name]);
      const c = await runCli([name, '-h']);
      assert.equal(a.code, 0);
      assert.equal(a.err, '');
      assert.equal(a.out, b.out);
      assert.equal(a.out, c.out);
      assert.ok(a.out.startsWith(`usage: kcp-payplus ${name}`), a.out);
      assert.match(a.out, /\n\noptions:\n {2}--/);
      assert.match(a.out, new RegExp(`\\n\\nexamples:\\n {2}kcp-payplus ${name} `));
    });
  }

  it('recover --help keeps --min-age and its default in the common layout', async () => {
    const a = await runCli(['recover', '--help']);
    assert.match(a.out, /\n {2}--min-age <seconds> +leave attempts younger than this alone \(default 0\)\n/);
    // The usage block (three lines: --host <name> --assume-dead, then a person's --attempt --tno) as RECOVER_USAGE has it.
    assert.equal(a.out.split('\n').slice(0, 3).join('\n'), RECOVER_USAGE.trimEnd());
    assert.match(a.out, /\n {2}--host <name> --assume-dead +the workers of host <name> are gone for good/);
  });

  it('record passes --help after -- to the command it runs', async () => {
    const res = await runCli(['record', '--cassette', '/nonexistent/x.json', '--mode', 'bogus', '--', 'node', '--help']);
    assert.equal(res.code, 2);
    assert.match(res.err, /^kcp-payplus record: --mode must be record, replay or passthrough, not 'bogus'\nusage: kcp-payplus record /);
  });

  it('help <unknown> exits 2 and lists the commands', async () => {
    const res = await runCli(['help', 'refund']);
    assert.equal(res.code, 2);
    assert.ok(res.err.startsWith("kcp-payplus: unknown command 'refund'\n\nusage: kcp-payplus <command> [options]\n"), res.err);
  });

  it('an unknown option points at --help', async () => {
    const res = await runCli(['sim', '--bogus']);
    assert.equal(res.code, 2);
    assert.equal(res.err, "kcp-payplus sim: Unknown option '--bogus'\n'kcp-payplus sim --help' lists the options.\n");
  });
});

describe('kcp-payplus install-standin', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-standin-install-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the package builds the stand-in where the command and the banner say', () => {
    assert.equal(standInBuildPath(), path.resolve(import.meta.dirname, '../../build/Release/pp_cli_standin'));
    assert.ok(statSync(standInBuildPath()).isFile(), 'npm install builds build/Release/pp_cli_standin');
  });

  it('copies the stand-in to <home>/bin/pp_cli with mode 755', async () => {
    const home = path.join(dir, 'kcp');
    const res = await runCli(['install-standin', '--home', home]);
    assert.equal(res.code, 0, res.err);
    const target = path.join(home, 'bin', 'pp_cli');
    assert.ok(res.out.startsWith(`stand-in pp_cli installed: ${target} (mode 755)\n`), res.out);
    assert.equal(statSync(target).mode & 0o777, 0o755);
    assert.ok(readFileSync(target).equals(readFileSync(standInBuildPath())));
  });

  it('refuses a REAL configuration and installs nothing', async () => {
    const cfg = path.join(dir, 'real.json');
    writeFileSync(cfg, JSON.stringify({
      g_conf_home_dir: path.join(dir, 'real-home'),
      g_conf_gw_url: 'paygw.kcp.co.kr',
      g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus.js',
      g_conf_site_cd: 'A52Q7',
      g_conf_site_key: '1aB2cD3eF4gH5iJ6kL7mN8o__',
    }));
    const res = await runCli(['install-standin', '--config', cfg]);
    assert.equal(res.code, 1);
    assert.equal(res.out, '');
    assert.equal(
      res.err,
      'kcp-payplus install-standin: the configuration is for the REAL site A52Q7: the stand-in only talks to the local simulator, so payments would fail. ' +
        "Use KCP's pp_cli for REAL, and a TEST configuration (T0000 with the simulator) for the stand-in.\n",
    );
    assert.throws(() => statSync(path.join(dir, 'real-home', 'bin', 'pp_cli')), /ENOENT/);
  });

  it('leaves a module that is not a stand-in alone unless --force', async () => {
    const home = path.join(dir, 'vendor-home');
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    const kcp = path.join(home, 'bin', 'pp_cli');
    writeFileSync(kcp, '\x7fELF KCP module bytes', { mode: 0o755 });
    const res = await runCli(['install-standin', '--home', home]);
    assert.equal(res.code, 1);
    assert.equal(res.err, `kcp-payplus install-standin: ${kcp} is not a stand-in (KCP's own module?); it was left alone. Install into another KCP home, or pass --force to replace it.\n`);
    assert.equal(readFileSync(kcp, 'latin1'), '\x7fELF KCP module bytes');
    assert.equal((await runCli(['install-standin', '--home', home, '--force'])).code, 0);
    assert.ok(readFileSync(kcp).equals(readFileSync(standInBuildPath())));
  });

  it('needs --home or --config', async () => {
    const res = await runCli(['install-standin']);
    assert.equal(res.code, 2);
    assert.ok(res.err.startsWith('kcp-payplus install-standin: give --home <KCP home> or --config <file>'), res.err);
  });
});

describe('kcp-payplus sim banner', () => {
  it("lists the values in the order the README's quick start uses them, the plug-in window first", () => {
    const banner = simBanner({ url: 'http://127.0.0.1:8090', host: '127.0.0.1', port: 8090, notifyUrl: 'http://127.0.0.1:3000/common_return' }, 'TEST');
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const quick = /```json\n(\{\n {2}"g_conf_home_dir"[\s\S]*?\n\})\n```/.exec(readme)![1]!;
    const cfg = JSON.parse(quick) as Record<string, unknown>;
    // Every value the banner prints is the quick start's, in the quick start's order.
    const keys = Object.keys(cfg).filter((k) => banner.includes(`"${k}": `));
    assert.deepEqual(keys, ['g_conf_gw_url', 'g_conf_gw_port', 'g_conf_js_url', 'payplus']);
    const at = (text: string) => banner.indexOf(text);
    assert.ok(at('"g_conf_gw_url"') < at('"g_conf_gw_port"') && at('"g_conf_gw_port"') < at('"g_conf_js_url"') && at('"g_conf_js_url"') < at('"payplus"'));
    for (const key of ['g_conf_gw_url', 'g_conf_gw_port', 'g_conf_js_url']) assert.ok(banner.includes(`"${key}": ${JSON.stringify(cfg[key])},\n`), key);
    assert.ok(banner.includes(`"payplus": ${JSON.stringify(cfg['payplus']).replace(/^\{/, '{ ').replace(/\}$/, ' }').replace(/,"/g, ', "').replace(/":/g, '": ')}\n`));
    assert.ok(at('"g_conf_js_url"') < at('payplus_web.jsp'), 'the standard-web window comes after the quick start\'s values');
  });

  it('says where the stand-in is and how to install it', async function () {
    this.timeout(30_000);
    const child = children().spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./lib/cli/index.ts'); await main(['sim', '--port', '0']);"], {
      cwd: path.resolve(import.meta.dirname, '../..'),
    });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
        child.stdout.on('data', (d) => {
          out += String(d);
          if (out.includes('install-standin')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      child.kill('SIGTERM');
    }
    assert.ok(
      out.includes(`  module:   the stand-in pp_cli (${standInBuildPath()}) talks to this simulator;\n` +
        '            install it into your KCP home with: npx kcp-payplus install-standin --home <g_conf_home_dir>\n'),
      out,
    );
  });
});
