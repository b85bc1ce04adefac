/**
 * Fencing across processes, PID namespaces and pauses (issue 17 items 1, 2): a worker paused past its lease (SIGSTOP)
 * inside a commit that runs outside the store, and a worker in another PID namespace with the same hostname. Truth is
 * the merchant's own order table and the cancels actually sent, never the SDK's store.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { leaseRunsOut, makeShop, shopFence, startWorker, type Worker } from '../fixtures/fencing/shop.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';
import { requireRoot } from '../helpers/native.js';

const US = '\x1f';
const OK = `res_cd=0000${US}res_msg=ok\n`;


describe('fencing: a worker paused past its lease (SIGSTOP) inside a commit outside the store', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGCONT');
        c.kill('SIGKILL');
      }
    }
  });

  it('with the fence: recovery fences and cancels once; the resumed worker finds its commit refused and cancels nothing', async () => {
    const s = makeShop('F-1');
    try {
      const w = startWorker(s.job);
      children.push(w.proc);
      const id = (await w.line('in-commit ')).split(' ')[1]!;
      w.proc.kill('SIGSTOP');
      await leaseRunsOut(s.store, id);

      const runner = new CannedRunner([OK]);
      const recoverer = new PayPlus(testConfData({ logDir: s.dir }), { logger: silentLogger, runner, store: s.store, fence: shopFence(s.shop) });
      const report = await recoverer.recover({ custIp: '127.0.0.1' });
      assert.deepEqual(report.cancelled.map((c) => c.ordrIdxx), ['F-1']);
      assert.equal(s.fenceRow(id), 'abandoned');

      writeFileSync(s.job.goFlag, '');
      w.proc.kill('SIGCONT');
      assert.equal(await w.line('outcome '), 'outcome cancel_failed 1', 'the worker sent no cancel of its own');
      assert.equal(await w.exited, 0);
      assert.deepEqual(s.order(), { state: 'open', tno: null }, 'the late commit was refused: no paid order for cancelled money');
      assert.equal((await s.store.get(id))?.state, 'cancelled');
      assert.equal(runner.calls.length, 1, 'exactly one cancel, sent by recovery');
    } finally {
      await s.close();
    }
  });

  it('with the fence, a worker that commits before recovery looks keeps its order: the fence answers committed', async () => {
    const s = makeShop('F-2');
    try {
      writeFileSync(s.job.goFlag, '');
      const w = startWorker(s.job);
      children.push(w.proc);
      assert.equal(await w.line('outcome '), 'outcome approved 1');
      const runner = new CannedRunner([]);
      const recoverer = new PayPlus(testConfData({ logDir: s.dir }), { logger: silentLogger, runner, store: s.store, fence: shopFence(s.shop) });
      assert.deepEqual((await recoverer.recover()).cancelled, []);
      assert.equal(s.order().state, 'paid');
    } finally {
      await s.close();
    }
  });

  it('without a fence, isCommitted is not asked to condemn a paused worker: undecided, nothing cancelled, the commit lands', async () => {
    const s = makeShop('F-3', { fence: false });
    try {
      const w = startWorker(s.job);
      children.push(w.proc);
      const id = (await w.line('in-commit ')).split(' ')[1]!;
      w.proc.kill('SIGSTOP');
      await leaseRunsOut(s.store, id);
      const runner = new CannedRunner([OK]);
      const recoverer = new PayPlus(testConfData({ logDir: s.dir }), { logger: silentLogger, runner, store: s.store, isCommitted: () => false });
      const report = await recoverer.recover({ custIp: '127.0.0.1' });
      assert.deepEqual(report.undecided.map((u) => u.ordrIdxx), ['F-3']);
      assert.equal(runner.calls.length, 0);
      writeFileSync(s.job.goFlag, '');
      w.proc.kill('SIGCONT');
      assert.equal(await w.line('outcome '), 'outcome approved 1');
      assert.equal(s.order().state, 'paid');
      assert.equal((await s.store.get(id))?.state, 'committed');
    } finally {
      await s.close();
    }
  });
});

describe('owners that containers cannot confuse: same hostname, separate PID namespaces (unshare)', function () {
  this.timeout(60_000);
  before(function () {
    requireRoot(this, 'unshare (separate PID namespaces)');
  });

  for (let round = 1; round <= 3; round++) {
    it(`round ${round}: recovery in another PID namespace never takes a live worker's pid for gone, and cancels nothing`, async () => {
      const s = makeShop(`NS-${round}`, { fence: false, leaseMs: 120_000 });
      let w: Worker | undefined;
      try {
        // The worker runs in its own PID namespace with this host's name: its pid means nothing in ours.
        w = startWorker(s.job, { host: os.hostname() });
        const id = (await w.line('in-commit ')).split(' ')[1]!;
        const held = await s.store.get(id);
        assert.equal(held?.owner.host, os.hostname());
        assert.ok(held!.owner.pid < 100, `a pid of the new namespace (${held!.owner.pid})`);
        const runner = new CannedRunner([OK]);
        const recoverer = new PayPlus(testConfData({ logDir: s.dir }), { logger: silentLogger, runner, store: s.store, isCommitted: () => false });
        const report = await recoverer.recover({ custIp: '127.0.0.1' });
        assert.deepEqual(report.inProgress.map((r) => r.ordrIdxx), [`NS-${round}`]);
        assert.equal(runner.calls.length, 0, 'no cancel');
        writeFileSync(s.job.goFlag, '');
        assert.equal(await w.line('outcome '), 'outcome approved 1');
        assert.equal(s.order().state, 'paid');
        assert.equal((await s.store.get(id))?.state, 'committed');
      } finally {
        if (w && w.proc.exitCode === null) w.proc.kill('SIGKILL');
        await s.close();
      }
    });
  }

  it('a process whose /proc is not its own namespace records no namespace: judged by its lease alone', () => {
    // unshare --pid --fork without --mount-proc: /proc still shows the parent namespace.
    const r = spawnSync('unshare', ['--pid', '--fork', process.execPath, '--import', 'tsx', '-e',
      "import('./lib/store/owner.ts').then((m) => process.stdout.write(m.currentOwner().start))"], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f-]{36}:\?:\d+$/);
  });
});

describe("an operator settles a dead host's leftovers explicitly (--assume-dead)", () => {
  const TNO = '20261203000611';
  it('attempts of the named host are taken over by CAS whatever their lease says; others, and live local workers, are left alone', async () => {
    const { MemoryStore } = await import('../../lib/store/memory.js');
    const { currentOwner } = await import('../../lib/store/owner.js');
    const store = new MemoryStore();
    const runner = new CannedRunner([OK]);
    const payplus = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-dead-')) }), { logger: silentLogger, runner, store });
    const lease = Date.now() + 600_000;
    const gone = { host: 'shop-7f9c', pid: 7, start: 'b00t:4026531836:99' };
    for (const [id, order, owner] of [['d1', 'DEAD-1', gone], ['d2', 'ALIVE-1', { ...gone, host: 'shop-other' }], ['d3', 'MINE-1', currentOwner()]] as const) {
      await store.begin({ id, ordrIdxx: order, amount: '5000', owner, leaseUntil: lease, commitMode: 'store', durableOutput: true });
      await store.update(id, ['started'], { state: 'approved', tno: TNO });
    }
    const before = await payplus.recover();
    assert.deepEqual(before.inProgress.map((r) => r.ordrIdxx).sort(), ['ALIVE-1', 'DEAD-1', 'MINE-1']);
    const after = await payplus.recover({ assumeDead: { host: 'shop-7f9c' }, custIp: '10.0.0.9' });
    assert.deepEqual(after.cancelled.map((r) => r.ordrIdxx), ['DEAD-1']);
    assert.deepEqual(after.inProgress.map((r) => r.ordrIdxx).sort(), ['ALIVE-1', 'MINE-1']);
    assert.equal(runner.calls.length, 1);
    const mine = await payplus.recover({ assumeDead: { host: currentOwner().host } });
    assert.deepEqual(mine.inProgress.map((r) => r.ordrIdxx).sort(), ['ALIVE-1', 'MINE-1'], 'a worker that provably runs here is never assumed dead');
    await store.close();
  });

  it("a dead host's attempt that never reached pp_cli: declined when this host sees the storage it wrote to, unknown when not", async () => {
    // Its worker died after taking the order and before pp_cli ran: the runner had made the answer file (empty), or not
    // yet. pp_cli's log (in the same log folder) holds no run for the order. The worker's own folder (w-<random>, made
    // before it recorded the attempt) seen here shows the same storage; an attempt recorded before writer folders
    // has its file in the answers folder itself, where only an empty file proves it.
    const { MemoryStore } = await import('../../lib/store/memory.js');
    const { answersDir } = await import('../../lib/payplus/module-answer.js');
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-dead-'));
    const conf = testConfData({ logDir });
    const store = new MemoryStore();
    const runner = new CannedRunner([]);
    const payplus = new PayPlus(conf, { logger: silentLogger, runner, store });
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'kcp-elsewhere-'));
    const gone = { host: 'shop-7f9c', pid: 7, start: 'b00t:4026531836:99' };
    mkdirSync(answersDir(conf), { recursive: true, mode: 0o700 });
    const seen = path.join(answersDir(conf), 'w-5f0c8e2a-9b1d-4c3e-8f7a-6d2b1e0c9a84');
    const unseen = path.join(answersDir(conf), 'w-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
    mkdirSync(seen, { mode: 0o700 });
    const cases = [
      ['e1', 'EMPTY-1', path.join(answersDir(conf), 'e1.out'), true],
      ['a1', 'ABSENT-1', path.join(answersDir(conf), 'a1.out'), false],
      ['o1', 'OTHER-DIR-1', path.join(elsewhere, 'o1.out'), true],
      ['w1', 'WRITER-ABSENT-1', path.join(seen, 'w1.out'), false],
      ['w2', 'WRITER-EMPTY-1', path.join(seen, 'w2.out'), true],
      ['w3', 'WRITER-UNSEEN-1', path.join(unseen, 'w3.out'), false],
      ['w4', 'NOT-A-WRITER-1', path.join(elsewhere, 'w-5f0c8e2a-9b1d-4c3e-8f7a-6d2b1e0c9a84', 'w4.out'), false],
    ] as const;
    mkdirSync(path.join(elsewhere, 'w-5f0c8e2a-9b1d-4c3e-8f7a-6d2b1e0c9a84'), { mode: 0o700 });
    for (const [id, order, outputPath, made] of cases) {
      await store.begin({ id, ordrIdxx: order, amount: '5000', owner: gone, leaseUntil: Date.now() + 600_000, commitMode: 'store', outputPath, durableOutput: true });
      if (made) writeFileSync(outputPath, '');
    }
    const lapsed = await payplus.recover();
    const all = cases.map(([, order]) => order).sort();
    assert.deepEqual(lapsed.inProgress.map((r) => r.ordrIdxx).sort(), all, 'without the word, its lease holds');
    const report = await payplus.recover({ assumeDead: { host: 'shop-7f9c' } });
    assert.deepEqual(report.declined.map((r) => r.ordrIdxx).sort(), ['EMPTY-1', 'WRITER-ABSENT-1', 'WRITER-EMPTY-1']);
    assert.deepEqual(
      report.unknown.map((r) => r.ordrIdxx).sort(),
      ['ABSENT-1', 'NOT-A-WRITER-1', 'OTHER-DIR-1', 'WRITER-UNSEEN-1'],
      "a missing file outside a writer folder seen here, or any file outside this site's answers folder, proves nothing",
    );
    assert.match(report.unknown.find((r) => r.ordrIdxx === 'ABSENT-1')!.why, /^no stdout file and no pp_cli log line for this order here \(pp_cli ran in another host/);
    assert.equal((await store.get('e1'))?.state, 'declined');
    assert.equal((await store.get('e1'))?.note, 'pp_cli never ran for this attempt');
    assert.equal((await store.get('a1'))?.state, 'unknown');
    assert.equal(runner.calls.length, 0, 'nothing is sent to KCP');
    await store.close();
  });

  it('the CLI takes --host and --assume-dead together only', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const res = await runCli(['recover', '--host', 'shop-7f9c']);
    assert.equal(res.code, 2);
    assert.match(res.err, /--assume-dead and --host NAME go together/);
  });
});
