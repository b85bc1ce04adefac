/**
 * Payment-state benchmark (`npm run bench:store`): processPayment's own overhead with the default SQLite store as its
 * history grows, the event loop while payments run, and start-up on a large store. Every number is measured in this
 * run; targets are ratios or bounds printed next to them, never asserted by tests.
 *
 * - overhead: sequential processPayment calls (after measure()'s warm-up) with an in-process runner that answers at once (no process, no
 *   network), on stores holding 0, 100,000 and 1,000,000 earlier attempts. Target: 1 M within 1.5× of the empty store.
 * - event loop: monitorEventLoopDelay p99 while 8 payments run concurrently, over and over. Target ≤ 2 ms. Measured
 *   twice: with the instant runner (the worst case: no payment ever waits, two cores saturated), and end to end — the
 *   native runner starting the stand-in pp_cli against the simulator, which runs in a process of its own.
 * - start-up at 1 M: new PayPlus + the recover() a worker runs at start. Target ≤ 100 ms.
 *
 * Options: BENCH_PAYMENTS (per measurement, default 400), BENCH_BIG (default 1000000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { silentLogger } from '../lib/log/types.js';
import { PayPlus } from '../lib/payplus/payplus.js';
import type { Invocation, RunOutcome, Runner } from '../lib/runner/types.js';
import { schemaStatements } from '../lib/store/sql.js';
import { currentOwner } from '../lib/store/owner.js';
import { SqliteStore } from '../lib/store/sqlite.js';
import type { SiteConfData } from '../lib/config/site-conf.js';
import { measure, type Measure } from './common.js';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 400);
const BIG = Number(process.env.BENCH_BIG ?? 1_000_000);
const US = '\x1f';

/** Answers every approval at once, in this process: what is left is processPayment's own work. */
class InstantRunner implements Runner {
  readonly name = 'instant';
  readonly argvEncoding = 'euc-kr' as const;
  #tno = 20261128000000;
  async run(_inv: Invocation): Promise<RunOutcome> {
    const tno = String(++this.#tno);
    const stdout = Buffer.from(`res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${tno}${US}amount=1000${US}card_cd=CCSS\n`);
    return { exitCode: 0, signal: null, stdout, stderr: Buffer.alloc(0), timedOut: false, durationMs: 0 };
  }
}

function conf(logDir: string): SiteConfData {
  return {
    homeDir: '/srv/shop/kcp', keyDir: '', logDir, gwUrl: 'testpaygw.kcp.co.kr', gwPort: '8090',
    jsUrl: 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp', siteCd: 'T0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF__',
    siteName: 'BENCH', moduleType: '01', logLevel: 0, ppCliLogLevel: 3, ppCliVersion: '2.14', binary: 'pp_cli',
    webRoots: [], allowNonstandardPort: false, notifyUrl: undefined, timeoutMs: 10_000, logRetentionDays: undefined,
    prunePpCliLogs: false, env: 'TEST', window: 'standard-web',
  };
}

/** A store file holding `n` committed attempts (and their taken order ids), written directly. */
function seed(file: string, n: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const sql of schemaStatements('sqlite')) db.exec(sql); // the tables and the version row
  const attempt = db.prepare(
    `INSERT INTO kcp_payplus_attempts (id, ordr_idxx, amount, state, open_flag, owner_host, owner_pid, owner_start,
       lease_until, created_at, updated_at, commit_mode, durable_output, tno, res_cd, approved_amount, method, cancel_tries)
     VALUES (?, ?, '1000', 'committed', 0, 'old', 1, 'x', 0, ?, ?, 'store', 1, ?, '0000', '1000', 'card', 0)`,
  );
  const order = db.prepare('INSERT INTO kcp_payplus_orders (ordr_idxx, attempt_id, created_at) VALUES (?, ?, ?)');
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `seed-${i}`;
      const ordr = `OLD${String(i).padStart(9, '0')}`;
      const at = 1_700_000_000_000 + i;
      attempt.run(id, ordr, at, at, String(20230000000000 + i));
      order.run(ordr, id, at);
    }
  });
  for (let from = 0; from < n; from += 50_000) insert(from, Math.min(n, from + 50_000));
  db.close();
}

/** One payment of a new order per call, through processPayment, for measure() (bench/common.ts). */
function payer(payplus: PayPlus, prefix: string): () => Promise<void> {
  let next = 0;
  return async () => {
    const id = `${prefix}${next++}`;
    const out = await payplus.processPayment(
      { tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', ordr_idxx: id, good_mny: '1000', use_pay_method: '100000000000' },
      { custIp: '127.0.0.1', expectedAmount: 1000, commit: () => undefined },
    );
    if (out.status !== 'approved') throw new Error(`bench payment ${id}: ${out.status}`);
  };
}

/**
 * Start-up in a process of its own, from the compiled package (what a merchant runs): new PayPlus on the store file
 * and the recover() a worker runs at start. Needs `npm run build` (bench:store runs it first).
 */
function startupMs(file: string): number {
  const probe = path.join(import.meta.dirname, 'store-startup.mjs');
  const r = spawnSync(process.execPath, [probe, file, JSON.stringify(conf(path.dirname(file)))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`start-up child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { start: number }).start;
}

async function withStore(n: number, fn: (payplus: PayPlus, file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-bench-store-'));
  const file = path.join(dir, 'payplus.sqlite');
  try {
    seed(file, n);
    const store = new SqliteStore(file);
    const payplus = new PayPlus(conf(dir), { runner: new InstantRunner(), logger: silentLogger, store });
    await fn(payplus, file);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v: number) => v.toFixed(3);
const ok = (b: boolean) => (b ? 'met' : 'NOT MET');

async function main(): Promise<void> {
  console.log('# kcp-payplus payment-state benchmark (SQLite store)\n');
  console.log(`machine: nproc ${os.cpus().length}; ${os.cpus()[0]?.model ?? '?'}; node ${process.version}`);
  console.log(`payments per measurement: ${PAYMENTS}\n`);

  const rows: Array<{ n: number; seq: Measure; startup: number }> = [];
  for (const n of [0, 100_000, BIG]) {
    await withStore(n, async (payplus, file) => {
      const seq = await measure(payer(payplus, 'P'), PAYMENTS, 1);
      rows.push({ n, seq, startup: startupMs(file) });
    });
  }
  const empty = rows[0]!;
  console.log('| earlier attempts | ms per processPayment | x empty store | start-up ms (new PayPlus + recover) | target |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.seq.msPerCall / empty.seq.msPerCall;
    const target = r.n === BIG ? `x empty ≤ 1.5: ${ok(ratio <= 1.5)}; start-up ≤ 100 ms: ${ok(r.startup <= 100)}` : '';
    console.log(`| ${r.n.toLocaleString('en')} | ${ms(r.seq.msPerCall)} | ${ratio.toFixed(2)} | ${ms(r.startup)} | ${target} |`);
  }

  const loopRow = (name: string, c: Measure) =>
    console.log(
      `| ${name} | ${ms(c.msPerCall)} | ${ms(c.loopP99Ms)} | ${ms(c.loopMaxMs)} | ${ms(c.mainRunqueueWaitMs)} | ${ok(c.loopP99Ms <= 2)} |`,
    );
  console.log('\n| 8 concurrent payments | ms per payment | loop p99 ms | loop max ms | main-thread runqueue wait ms | p99 ≤ 2 ms |');
  console.log('|---|---|---|---|---|---|');
  await withStore(0, async (payplus) => {
    // The store's own share: what processPayment asks of it per payment (take the order, approved, committed).
    const owner = currentOwner();
    let n = 0;
    const storeOnly = async () => {
      const id = `S${n++}`;
      await payplus.store.begin({ id, ordrIdxx: id, amount: '1000', owner, leaseUntil: Date.now() + 60_000, commitMode: 'store', durableOutput: false });
      await payplus.store.update(id, ['started'], { state: 'approved', tno: '20261128000001' }, owner);
      await payplus.store.update(id, ['approved'], { state: 'committed' }, owner);
    };
    loopRow('store calls only (SQLite worker thread)', await measure(storeOnly, PAYMENTS * 2, 8));
  });
  await withStore(0, async (payplus) => loopRow('instant runner (CPU-bound worst case)', await measure(payer(payplus, 'C'), PAYMENTS * 2, 8)));
  await endToEnd((payplus, pay) => measure(pay, PAYMENTS, 8).then((c) => loopRow('native runner → stand-in pp_cli → simulator', c)));
}

/**
 * The end-to-end setting: a KCP home with the stand-in, the simulator in a process of its own (`kcp-payplus sim`, from
 * dist/), the native runner, the default SQLite store. Window tokens are fetched before the measurement.
 */
async function endToEnd(fn: (payplus: PayPlus, pay: () => Promise<void>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-bench-e2e-'));
  const port = await freePort();
  const root = path.resolve(import.meta.dirname, '..');
  const sim = spawn(process.execPath, [path.join(root, 'bin', 'kcp-payplus.js'), 'sim', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      sim.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      sim.on('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
    });
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(path.join(root, 'build', 'Release', 'pp_cli_standin'), path.join(dir, 'bin', 'pp_cli'));
    const c = { ...conf(path.join(dir, 'log')), homeDir: dir, gwUrl: '127.0.0.1', gwPort: String(port), jsUrl: `http://127.0.0.1:${port}/plugin/payplus_web.jsp` };
    const payplus = new PayPlus(c, { runner: 'native', logger: silentLogger });
    const windows: Array<Record<string, string>> = [];
    for (let i = 0; i < PAYMENTS + 30; i++) {
      const ordr = `E2E${i}`;
      const res = await fetch(`http://127.0.0.1:${port}/_admin/pay`, { method: 'POST', body: JSON.stringify({ site_cd: 'T0000', ordr_idxx: ordr, good_mny: 1000, method: 'card' }) });
      windows.push({ ...((await res.json()) as Record<string, string>), ordr_idxx: ordr });
    }
    let next = 0;
    await fn(payplus, async () => {
      const w = windows[next++]!;
      const out = await payplus.processPayment(
        { tran_cd: w.tran_cd, enc_data: w.enc_data, enc_info: w.enc_info, trace_no: w.trace_no, ordr_idxx: w.ordr_idxx, good_mny: '1000', use_pay_method: w.use_pay_method },
        { custIp: '127.0.0.1', expectedAmount: 1000, commit: () => undefined },
      );
      if (out.status !== 'approved') throw new Error(`bench payment ${w.ordr_idxx}: ${out.status}`);
    });
    await payplus.close();
  } finally {
    sim.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

await main();
