/**
 * The README's quick start, end to end: its code blocks build with strict TypeScript (skipLibCheck, as tsc --init
 * writes it) and only the package's declared dependencies (no @types/node of the app's own: the package's reference
 * brings it), `kcp-payplus install-standin` puts the stand-in into the project's KCP home, and the app pays by card
 * and by virtual account against the simulator, with the deposit notification arriving at its common_return.
 * Everything stays on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { blockScope } from '../helpers/children.js';
import { makeProject, readmeConfig, readmeFiles, ROOT, withCompiledProject, type QuickstartProject } from './project.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The hidden inputs of a page, by name. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return fields;
}

describe('README quick start (strict TypeScript build, then the app against the simulator)', function () {
  this.timeout(120_000);
  let project: QuickstartProject;
  let sim: Simulator;
  let app: ChildProcess | undefined;
  const appScope = blockScope('the quick-start app');
  let shop: string;
  let appErr = '';

  before(async () => {
    project = makeProject();
    sim = await startSimulator({ port: 0 });
  });
  after(async () => {
    app?.kill('SIGTERM');
    await sim?.close();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  it('the README holds app.ts in four blocks and a quick-start cfg', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const app = readmeFiles(readme).get('app.ts') ?? '';
    assert.equal(app.match(/^\/\/ file: app\.ts$/gm)?.length, 4);
    assert.ok(readme.includes('npm init -y && npm pkg set type=module'));
    assert.equal((readmeConfig(readme).g_conf_site_cd), 'T0000');
  });

  it('builds with strict TypeScript and only the declared dependencies', () => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project.dir], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(`${tsc.stdout}${tsc.stderr}`, '');
    assert.equal(tsc.status, 0);
    assert.ok(statSync(path.join(project.dir, 'dist', 'app.js')).isFile());
  });

  it('install-standin puts the stand-in into the project\'s KCP home', () => {
    const home = path.join(project.dir, 'kcp');
    const r = spawnSync(process.execPath, [path.join(project.pkg, 'bin', 'kcp-payplus.js'), 'install-standin', '--home', home], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(path.join(home, 'bin', 'pp_cli')).mode & 0o777, 0o755);
  });

  it('starts against the simulator with the README\'s cfg', async () => {
    const port = await freePort();
    shop = `http://127.0.0.1:${port}`;
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const cfg = readmeConfig(readme);
    cfg.g_conf_home_dir = path.join(project.dir, 'kcp');
    cfg.g_conf_gw_port = String(sim.port);
    cfg.g_conf_js_url = `${sim.url}/plugin/payplus_test_un.js`;
    (cfg.payplus as Record<string, unknown>).notify_url = `${shop}/common_return`;
    const cfgFile = path.join(project.dir, 'kcp', 'site_conf_inc.json');
    writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
    sim.notifyUrl = `${shop}/common_return`;
    const child = appScope.spawn(process.execPath, ['dist/app.js'], { cwd: project.dir, env: { ...process.env, KCP_CONFIG: cfgFile, PORT: String(port) } });
    app = child;
    child.stderr!.on('data', (d) => (appErr += String(d)));
    const started = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`app did not start: ${out} ${appErr}`)), 30_000);
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.once('exit', (code) => reject(new Error(`app exited ${code}: ${appErr}`)));
    });
    assert.equal(started, `shop: ${shop}/order\n`);
  });

  async function order(): Promise<{ html: string; fields: Record<string, string> }> {
    const res = await fetch(`${shop}/order`);
    assert.equal(res.status, 200);
    const html = await res.text();
    return { html, fields: hiddenFields(html) };
  }

  async function pay(fields: Record<string, string>, method: 'card' | 'vbank'): Promise<{ status: number; location: string | null }> {
    const window = sim.pay({ site_cd: fields.site_cd!, ordr_idxx: fields.ordr_idxx!, good_mny: fields.good_mny!, method });
    const body = new URLSearchParams({ ...fields, ...window });
    const res = await fetch(`${shop}/pp_ax_hub`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: body.toString(),
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location') };
  }

  it('serves the order page: KCP\'s fields, accept-charset, the window call and its script', async () => {
    const { html, fields } = await order();
    assert.ok(html.includes('<form name="order_info" method="post" action="/pp_ax_hub" accept-charset="utf-8">'));
    assert.ok(html.includes('onclick="KCP_Pay_Execute(document.order_info); return false;"'));
    assert.ok(html.includes(`<script src="${sim.url}/plugin/payplus_test_un.js"></script>`));
    assert.equal(fields.site_cd, 'T0000');
    assert.equal(fields.good_mny, '1004');
    assert.equal(fields.pay_method, '101000000000');
    assert.match(fields.ordr_idxx!, /^ORD-\d+$/);
  });

  it('pays by card through pp_ax_hub and prints one console line for it', async () => {
    const { fields } = await order();
    const paid = await pay(fields, 'card');
    assert.equal(paid.status, 303);
    assert.equal(paid.location, `/orders/${fields.ordr_idxx}?status=approved`);
    const stored = (await (await fetch(`${shop}${paid.location!.split('?')[0]}`)).json()) as { amount: number; status: string; tno: string };
    assert.equal(stored.status, 'paid');
    assert.equal(stored.amount, 1004);
    assert.match(stored.tno, /^\d{14}$/);
    assert.match(appErr, new RegExp(`^kcp-payplus \\d\\d:\\d\\d:\\d\\d\\.\\d{3} tx\\.end pay ordr_idxx=${fields.ordr_idxx} trace_no=\\S+ res_cd=0000 tno=${stored.tno} `, 'm'));
  });

  it('pays by virtual account and records the deposit from common_return', async () => {
    const { fields } = await order();
    const paid = await pay(fields, 'vbank');
    assert.equal(paid.location, `/orders/${fields.ordr_idxx}?status=approved`);
    const url = `${shop}/orders/${fields.ordr_idxx}`;
    const before = (await (await fetch(url)).json()) as { status: string; tno: string };
    assert.equal(before.status, 'awaiting_deposit');
    const report = await sim.deposit(before.tno);
    assert.equal(report.delivered, true);
    assert.equal(((await (await fetch(url)).json()) as { status: string }).status, 'deposited');
  });
});

/** The root values the README's "Public API" table lists. */
function readmePublicValues(readme: string): string[] {
  const start = readme.indexOf('\n## Public API\n');
  const body = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const table = body.slice(body.indexOf('| area | values |'), body.indexOf('\n\n', body.indexOf('| area | values |')));
  return table.split('\n').slice(2).flatMap((row) => [...(row.split('|')[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

describe('a strict TypeScript app that uses only the README\'s names, against the packed package', function () {
  this.timeout(120_000);
  it('imports every listed root value and one name from each sub-path, compiles and runs', () => {
    const names = readmePublicValues(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    assert.ok(names.includes('PayPlus') && names.includes('SiteConf'), names.join(' '));
    const surface =
      `import { ${names.join(', ')} } from 'kcp-payplus';\n` +
      "import { TEST_SITE_CD, startSimulator, type Simulator } from 'kcp-payplus/testing';\n" +
      "import { lookupResultCode } from 'kcp-payplus/codes';\n" +
      "import { doctorPassed } from 'kcp-payplus/doctor';\n" +
      "import { formatStory } from 'kcp-payplus/trace';\n" +
      "import { startSimulator as simAlias } from 'kcp-payplus/sim';\n" +
      `const values: unknown[] = [${names.join(', ')}];\n` +
      "const start: (typeof startSimulator) | undefined = simAlias;\n" +
      "const sim: Simulator | undefined = undefined;\n" +
      "process.stdout.write(`${values.length} ${values.every((v) => v !== undefined)} ${TEST_SITE_CD} ${lookupResultCode('0000')?.code} ${typeof doctorPassed} ${typeof formatStory} ${start === startSimulator} ${sim === undefined}\\n`);\n";
    withCompiledProject({ 'surface.ts': surface }, (compiled) => {
      assert.equal(compiled.output, '');
      assert.deepEqual(compiled.run('dist/surface.js'), { status: 0, stdout: `${names.length} true T0000 0000 function function true true\n`, stderr: '' });
    });
  });

  it('a deep import is not part of the package (only the listed sub-paths resolve)', () => {
    withCompiledProject({ 'deep.ts': "import { parseElf } from 'kcp-payplus/dist/lib/doctor/elf.js';\nvoid parseElf;\n" }, (compiled) => {
      assert.equal(compiled.status, 2);
      assert.match(compiled.output, /deep\.ts\(1,\d+\): error TS2307: Cannot find module 'kcp-payplus\/dist\/lib\/doctor\/elf\.js'/);
    });
  });
});

describe('the package type-checks in a project without express or an @types/node of its own', function () {
  this.timeout(120_000);
  it('index.d.ts brings Node\'s types itself (no TS2591 "Cannot find name")', () => {
    const check =
      "import { SiteConf, receiptUrl } from 'kcp-payplus';\n" +
      "const conf = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus' });\n" +
      "process.stdout.write(`${conf.siteCd} ${receiptUrl({ kind: 'card', tno: '20261128000001', env: conf.env })}\\n`);\n";
    withCompiledProject({ 'check.ts': check }, (compiled) => {
      assert.equal(compiled.output, '');
      assert.equal(compiled.run('dist/check.js').stdout, 'T0000 https://testadmin8.kcp.co.kr/assist/bill.BillAction.do?cmd=card_bill&tno=20261128000001\n');
    });
  });
});
