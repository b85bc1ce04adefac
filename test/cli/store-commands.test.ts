/**
 * `kcp-payplus recover` and `kcp-payplus archive` on a real SQLite store with a crash's leftovers, against the stand-in
 * and the simulator: the dry run lists what a crash left and why, recovery cancels what was provably not committed and
 * only lists what it cannot judge, archive moves settled attempts while their order ids stay taken.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PayPlus, SiteConf, SqliteStore, silentLogger, type CommitMode } from '../../lib/index.js';
import { currentOwner } from '../../lib/store/owner.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { standinPath } from '../sim/support/standin.js';

function deadPid(): number {
  return Number(spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim());
}

describe('kcp-payplus recover / archive on a store a crash left behind', () => {
  let sim: Simulator;
  let cfg: string;
  let conf: SiteConf;
  let store: SqliteStore;
  let seq = 0;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-cli-store-'));
    mkdirSync(path.join(home, 'bin'));
    copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
    conf = SiteConf.testPreset({
      homeDir: home, logDir: path.join(home, 'log'), gwUrl: '127.0.0.1', gwPort: String(sim.port),
      jsUrl: `${sim.url}/plugin/payplus_test.js`,
    });
    mkdirSync(path.join(home, 'cfg'));
    cfg = path.join(home, 'cfg', 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
    store = new SqliteStore(path.join(home, 'log', 'payplus.sqlite'));
  });
  after(async () => {
    await store.close();
    await sim.close();
  });

  /** A real approval at the simulator, left by a dead worker as `approved` (its commit never recorded). */
  async function leftover(commitMode: CommitMode): Promise<{ ordrIdxx: string; tno: string }> {
    const ordrIdxx = `CRASHED-${++seq}`;
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 3000, method: 'card' });
    const payplus = new PayPlus(conf, { logger: silentLogger, store });
    const a = await payplus.approve({ tranCd: w.tran_cd, encData: w.enc_data, encInfo: w.enc_info, ordrIdxx, amount: 3000, custIp: '127.0.0.1' });
    // A worker of this boot and PID namespace whose process is gone (/proc can tell).
    const owner = { host: currentOwner().host, pid: deadPid(), start: currentOwner().start.replace(/[^:]+$/, '1') };
    const id = `crashed-${seq}`;
    await store.begin({ id, ordrIdxx, amount: '3000', owner, leaseUntil: Date.now() + 600_000, commitMode, durableOutput: true });
    await store.update(id, ['started'], { state: 'approved', tno: a.tno, method: 'card', escrow: false }, owner);
    return { ordrIdxx, tno: a.tno };
  }

  it('--dry-run right after a crash lists the attempt and its state, and changes nothing', async () => {
    const left = await leftover('store');
    const res = await runCli(['recover', '--config', cfg, '--dry-run']);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, new RegExp(`^would settle ordr_idxx=${left.ordrIdxx} tno=${left.tno} id=crashed-\\d+ \\(approved\\)$`, 'm'));
    assert.equal(sim.state.transactions.get(left.tno)!.state, 'approved');
  });

  it('cancels an approval committed in the store that never got its mark; lists (never cancels) one committed elsewhere', async () => {
    const outside = await leftover('external');
    const res = await runCli(['recover', '--config', cfg, '--ip', '10.0.0.5']);
    assert.equal(res.code, 1, 'an undecided approval needs a person');
    assert.match(res.out, /^cancelled {4}ordr_idxx=CRASHED-1 /m);
    assert.match(res.out, new RegExp(`^UNDECIDED {4}ordr_idxx=${outside.ordrIdxx} tno=${outside.tno} .* approved, commit ran outside the store`, 'm'));
    assert.equal(sim.state.transactions.get(outside.tno)!.state, 'approved', 'the CLI cannot ask your database: it cancels nothing');
    const crashed1 = [...sim.state.transactions.values()].find((t) => t.ordrIdxx === 'CRASHED-1')!;
    assert.equal(crashed1.state, 'cancelled');
    const again = await runCli(['recover', '--config', cfg, '--ip', '10.0.0.5']);
    assert.equal(again.code, 1);
    assert.doesNotMatch(again.out, /^cancelled/m);
  });

  it("settles from pp_cli's own log when the stdout file is gone: TX_START names the order, TX_ENDED has the answer", async () => {
    const ordrIdxx = `LOGGED-${++seq}`;
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 2000, method: 'card' });
    // A worker of this boot and PID namespace whose process is gone (/proc can tell).
    const owner = { host: currentOwner().host, pid: deadPid(), start: currentOwner().start.replace(/[^:]+$/, '1') };
    // The attempt begins before pp_cli runs (its run is matched in the log by starting at or after it); the worker
    // dies before it sees the answer, and its stdout file is lost (another disk, say): only the log has it.
    await store.begin({
      id: `logged-${seq}`, ordrIdxx, amount: '2000', owner, leaseUntil: Date.now() + 600_000, commitMode: 'store', durableOutput: true,
      outputPath: path.join(conf.logDir, 'payplus-answers', 'lost.out'),
    });
    const payplus = new PayPlus(conf, { logger: silentLogger, store });
    const a = await payplus.approve({ tranCd: w.tran_cd, encData: w.enc_data, encInfo: w.enc_info, ordrIdxx, amount: 2000, custIp: '127.0.0.1' });
    const res = await runCli(['recover', '--config', cfg]);
    assert.equal(res.code, 1, 'the undecided approval of the test before still needs a person');
    assert.match(res.out, new RegExp(`^cancelled {4}ordr_idxx=${ordrIdxx} tno=${a.tno} `, 'm'));
    assert.equal(sim.state.transactions.get(a.tno)!.state, 'cancelled', 'approved per the log, never committed: cancelled');
    assert.match((await store.get(`logged-${seq}`))!.note ?? '', /answer read from the pp_cli log/);
  });

  it('archive moves settled attempts; an archived order still cannot be paid twice', async () => {
    const owner = currentOwner();
    await store.begin({ id: 'done-1', ordrIdxx: 'DONE-1', amount: '1000', owner, leaseUntil: Date.now() + 60_000, commitMode: 'store', durableOutput: true });
    await store.update('done-1', ['started'], { state: 'approved', tno: '20261128000777' }, owner);
    await store.update('done-1', ['approved'], { state: 'committed' }, owner);
    const res = await runCli(['archive', '--config', cfg, '--older-than-days', '0']);
    assert.equal(res.code, 0, res.err);
    assert.equal(res.out.split('\n')[0], `kcp-payplus archive: config ${cfg} (from --config), transport pp_cli, store sqlite:${store.file}`);
    assert.match(res.out, /\narchived [1-9]\d* settled attempts? last changed before \d{4}-\d\d-\d\dT.*; their order ids stay taken\n$/);
    const again = await store.begin({ id: 'done-2', ordrIdxx: 'DONE-1', amount: '1000', owner, leaseUntil: 0, commitMode: 'store', durableOutput: true });
    assert.equal(again.ok === false && again.blocking.state, 'committed');
    assert.equal((await runCli(['archive', '--older-than-days', 'x'])).code, 2);
  });
});
