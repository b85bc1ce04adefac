/**
 * Fencing across processes, PID namespaces and pauses (issue 17 items 1, 2): a worker paused past its lease (SIGSTOP)
 * inside a commit that runs outside the store, and a worker in another PID namespace with the same hostname. Truth is
 * the merchant's own order table and the cancels actually sent, never the SDK's store.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../lib/log/types.js';
import { fenceStatements, sqlFence } from '../../lib/payplus/fence.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import type { FencingJob } from '../fixtures/fencing/worker.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';
const OK = `res_cd=0000${US}res_msg=ok\n`;
const WORKER = path.resolve('test/fixtures/fencing/worker.ts');

export interface Shop {
  dir: string;
  job: FencingJob;
  shop: Database.Database;
  store: SqliteStore;
  /** The order row in the merchant's table. */
  order(): { state: string; tno: string | null };
  fenceRow(id: string): string | undefined;
  close(): Promise<void>;
}

export function makeShop(order: string, over: Partial<FencingJob> = {}): Shop {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-fence-'));
  const job: FencingJob = {
    logDir: dir, store: path.join(dir, 'payplus.sqlite'), shopDb: path.join(dir, 'shop.sqlite'), order,
    tno: '20261203000501', fence: true, leaseMs: 1500, goFlag: path.join(dir, 'go'), ...over,
  };
  const shop = new Database(job.shopDb);
  shop.pragma('busy_timeout = 5000');
  shop.exec("CREATE TABLE orders (id TEXT PRIMARY KEY, state TEXT NOT NULL, tno TEXT)");
  shop.exec(fenceStatements('sqlite').create);
  shop.prepare("INSERT INTO orders VALUES (?, 'open', NULL)").run(order);
  const store = new SqliteStore(job.store);
  return {
    dir, job, shop, store,
    order: () => shop.prepare('SELECT state, tno FROM orders WHERE id = ?').get(order) as { state: string; tno: string | null },
    fenceRow: (id) => (shop.prepare('SELECT outcome FROM kcp_payplus_fence WHERE attempt_id = ?').get(id) as { outcome?: string } | undefined)?.outcome,
    close: async () => {
      await store.close();
      shop.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The shop's own fence hook (what a merchant passes as PayPlusOptions.fence). */
export function shopFence(shop: Database.Database) {
  return sqlFence('sqlite', async (sql, params) => {
    const stmt = shop.prepare(sql);
    if (stmt.reader) return stmt.all(...params) as Array<Record<string, unknown>>;
    stmt.run(...params);
    return [];
  });
}

export interface Worker {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line starting with `prefix`. */
  line(prefix: string): Promise<string>;
  exited: Promise<number | null>;
}

/** Starts the worker fixture, optionally inside new PID + UTS namespaces with hostname `host` (root). */
export function startWorker(job: FencingJob, ns?: { host: string }): Worker {
  const node = [process.execPath, '--import', 'tsx', WORKER, JSON.stringify(job)];
  const proc = ns
    ? spawn('unshare', ['--pid', '--fork', '--uts', '--mount-proc', 'sh', '-c', 'hostname "$0" && exec "$@"', ns.host, ...node], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (l: string) => void }> = [];
  let rest = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const l = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      lines.push(l);
      for (const w of waiters.filter((x) => l.startsWith(x.prefix))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc, lines, exited,
    line: (prefix) => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        void exited.then((code) => reject(new Error(`worker exited (${code}) before '${prefix}': ${lines.join(' | ')}`)));
      });
    },
  };
}

/** Polls the store until the attempt's lease has run out (bounded). */
export async function leaseRunsOut(store: SqliteStore, id: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const a = await store.get(id);
    if (a && a.leaseUntil !== 0 && a.leaseUntil < Date.now()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the lease of ${id} never ran out`);
}

const isRoot = process.getuid?.() === 0;

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
    if (!isRoot && process.env.CI !== 'true') this.skip(); // unshare needs root
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

  it('the CLI takes --host and --assume-dead together only', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const res = await runCli(['recover', '--host', 'shop-7f9c']);
    assert.equal(res.code, 2);
    assert.match(res.err, /--assume-dead and --host NAME go together/);
  });
});
