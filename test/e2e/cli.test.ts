/**
 * The operator commands against the stand-in and the simulator: `kcp-payplus cancel` (full and partial), `capture`
 * and `recover --dry-run`, through main() with a real cfg file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { PayPlus, SiteConf, SqliteStore, silentLogger } from '../../lib/index.js';
import { MemoryStore, startSimulator, type Simulator } from '../../lib/testing/index.js';
import { RestGateway } from '../../lib/gateway/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';
import { restSiteConf } from '../helpers/rest-conf.js';
import { standinPath } from '../sim/support/standin.js';

const run = runCli;

describe('kcp-payplus cancel / capture / recover (stand-in + simulator)', () => {
  let sim: Simulator;
  let cfg: string;
  let conf: SiteConf;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-cli-'));
    mkdirSync(path.join(home, 'bin'));
    copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
    conf = SiteConf.testPreset({
      homeDir: home,
      logDir: path.join(home, 'log'),
      gwUrl: '127.0.0.1',
      gwPort: String(sim.port),
      jsUrl: `${sim.url}/plugin/payplus_test.js`,
    });
    mkdirSync(path.join(home, 'cfg'));
    cfg = path.join(home, 'cfg', 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
  });
  after(() => sim.close());

  async function approved(amount: number): Promise<string> {
    const ordrIdxx = `CLI-${Date.now()}-${amount}`;
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: amount, method: 'card' });
    const payplus = new PayPlus(conf, { logger: silentLogger, store: new MemoryStore() });
    const a = await payplus.approve({ tranCd: w.tran_cd, encData: w.enc_data, encInfo: w.enc_info, ordrIdxx, amount, custIp: '127.0.0.1' });
    return a.tno;
  }

  it('cancel prints KCP’s answer; a second cancel exits 1 with the refusal', async () => {
    const tno = await approved(4000);
    const first = await run(['cancel', '--config', cfg, '--tno', tno, '--reason', '고객 요청']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^res_cd=0000\nres_msg=/);
    assert.match(first.out, new RegExp(`^tno=${tno}$`, 'm'));
    assert.equal(sim.state.transactions.get(tno)!.state, 'cancelled');

    const second = await run(['cancel', '--config', cfg, '--tno', tno]);
    assert.equal(second.code, 1);
    assert.match(second.err, /^kcp-payplus cancel: config \S+ \(from --config\), transport pp_cli, store sqlite:\S+\nkcp-payplus: STSC request refused: 8133 /);
    assert.match(second.err, /^res_cd=8133$/m);
  });

  it('cancel --amount --balance is a partial cancel; capture works; bad usage exits 2', async () => {
    const tno = await approved(5000);
    const partial = await run(['cancel', '--config', cfg, '--tno', tno, '--amount', '1500', '--balance', '5000']);
    assert.equal(partial.code, 0, partial.err);
    assert.match(partial.out, /^panc_rem_mny=3500$/m);
    assert.equal((await run(['capture', '--config', cfg, '--tno', tno])).code, 0);
    const bad = await run(['cancel', '--config', cfg, '--tno', tno, '--amount', '100']);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.err,
      `kcp-payplus cancel: config ${cfg} (from --config), transport pp_cli, store sqlite:${path.join(conf.logDir, 'payplus.sqlite')}\n` +
        'kcp-payplus cancel: a partial cancel needs both --amount and --balance (rem_mny)\n',
    );
  });

  it('recover --dry-run names a missing store and creates nothing; on a clean store it has nothing to do', async () => {
    const file = path.join(conf.logDir, 'payplus.sqlite');
    const used = `kcp-payplus recover: config ${cfg} (from --config), transport pp_cli, store sqlite:${file}\n`;
    rmSync(file, { force: true });
    const missing = await run(['recover', '--config', cfg, '--dry-run']);
    assert.deepEqual(missing, {
      code: 1,
      out: used,
      err: `kcp-payplus recover: SQLite store ${file} does not exist (nothing was created); check the path, or the config's g_conf_log_dir\n`,
    });
    assert.equal(existsSync(file), false);
    const store = new SqliteStore(file);
    await store.ready();
    await store.close();
    const res = await run(['recover', '--config', cfg, '--dry-run']);
    assert.deepEqual(res, { code: 0, out: `${used}nothing to recover: no open payment attempts\n`, err: '' });
  });
});

describe('kcp-payplus cancel / recover with payplus.transport "rest" (the simulator\'s PG-API)', () => {
  let sim: Simulator;
  let rest: RestSimulator;
  let cfg: string;
  let conf: SiteConf;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    rest = await startRestSimulator(sim);
    const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-cli-rest-'));
    conf = restSiteConf(home, sim, rest); // no pp_cli in its home: cancel and recover must not need the module
    mkdirSync(path.join(home, 'cfg'));
    cfg = path.join(home, 'cfg', 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
  });
  after(async () => {
    await rest?.close();
    await sim?.close();
  });

  async function approved(amount: number): Promise<string> {
    const ordrIdxx = `CLIR-${Date.now()}-${amount}`;
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: amount, method: 'card' });
    return (await RestGateway.fromConfig(conf).approve({ orderId: ordrIdxx, amount, encData: w.enc_data, encInfo: w.enc_info, tranCd: w.tran_cd })).tno;
  }

  it('cancel and partial cancel go over https to /gw/mod/v1/cancel; a second cancel exits 1 with the refusal', async () => {
    const tno = await approved(5000);
    const partial = await run(['cancel', '--config', cfg, '--tno', tno, '--amount', '1500', '--balance', '5000']);
    assert.equal(partial.code, 0, partial.err);
    assert.match(partial.out, /^res_cd=0000$/m);
    assert.deepEqual(rest.requests.at(-1)!.fields.mod_type, 'STPC');
    assert.equal(sim.state.transactions.get(tno)!.balance, 3500);

    const other = await approved(4000);
    const first = await run(['cancel', '--config', cfg, '--tno', other, '--reason', '고객 요청']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`^tno=${other}$`, 'm'));
    assert.equal(rest.requests.at(-1)!.path, '/gw/mod/v1/cancel');
    assert.equal(rest.requests.at(-1)!.fields.mod_desc, '고객 요청');
    assert.equal(sim.state.transactions.get(other)!.state, 'cancelled');
    const second = await run(['cancel', '--config', cfg, '--tno', other]);
    assert.equal(second.code, 1);
    assert.match(second.err, /^res_cd=8133$/m);
  });

  it('recover --dry-run on a clean store has nothing to do', async () => {
    const file = path.join(conf.logDir, 'payplus.sqlite');
    const store = new SqliteStore(file); // recover reads an existing store only: make the clean one it reads
    await store.ready();
    await store.close();
    const res = await run(['recover', '--config', cfg, '--dry-run']);
    assert.deepEqual(res, {
      code: 0,
      out: `kcp-payplus recover: config ${cfg} (from --config), transport rest, store sqlite:${file}\nnothing to recover: no open payment attempts\n`,
      err: '',
    });
  });
});

describe('kcp-payplus usage errors', () => {
  it('an unknown option exits 2 with the command named', async () => {
    const res = await run(['capture', '--tnoo', '1']);
    assert.equal(res.code, 2);
    assert.match(res.err, /^kcp-payplus capture: Unknown option '--tnoo'/);
  });

  it('a missing --tno exits 2 and says what it is', async () => {
    const res = await run(['capture']);
    assert.deepEqual(res, { code: 2, out: '', err: 'kcp-payplus capture: --tno is required (the 14-digit KCP transaction number)\n' });
  });
});
