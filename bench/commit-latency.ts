/**
 * Commit-latency benchmark (`npm run bench:commit`, issue 17 item 9): 4 processes × 25 concurrent payments each, on
 * one store, with a runner that answers at once (no pp_cli, no network), so what is measured is the store and the
 * merchant's commit. Per engine (SQLite, PostgreSQL, MariaDB) and commit mode, the p99 of processPayment's latency
 * over the 100 payments, with 150 ms merchant commits and — the baseline, measured in the same run by the same
 * processes — with 0 ms commits. Target: p99 ≤ 500 ms with 150 ms commits; on a loaded machine, where the baseline
 * alone exceeds that, the target is read as what the commits add to the baseline's p99 (≤ 500 ms).
 *
 * Commit modes:
 * - outside: the merchant's commit runs outside the store (it only waits 150 ms here).
 * - commitInStore, work then SQL: the commit waits 150 ms (its own services), then inserts its order row through tx.
 * - commitInStore, SQL then work: inserts first, then waits 150 ms — on SQLite the file's write lock is held from the
 *   first tx.query to the end of the commit, so this shape serialises every commit on the host (documented bound); on
 *   PostgreSQL and MariaDB each commit holds a pooled connection, so the same shape is measured again with the pool
 *   sized to the payments a process runs at once (`?poolSize=`).
 *
 * PostgreSQL and MariaDB are the machine's (KCP_TEST_POSTGRES / KCP_TEST_MYSQL), each in a fresh database dropped
 * after the run. Options: BENCH_COMMIT_MS (default 150), BENCH_ENGINES (default sqlite,postgres,mysql).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../lib/log/types.js';
import { PayPlus } from '../lib/payplus/payplus.js';
import { openStore } from '../lib/store/open.js';
import { CannedRunner } from '../test/helpers/canned-runner.js';
import { testConfData } from '../test/helpers/conf.js';
import { freshDatabase, type Engine } from '../test/helpers/databases.js';

const PROCESSES = 4;
const CONCURRENT = 25;
const COMMIT_MS = Number(process.env.BENCH_COMMIT_MS ?? 150);
const TARGET_P99_MS = 500;
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres,mysql').split(',') as Engine[];
const US = '\x1f';

type Mode = 'outside' | 'work-then-sql' | 'sql-then-work';
const MODES: readonly Mode[] = ['outside', 'work-then-sql', 'sql-then-work'];
const MODE_LABEL: Record<Mode, string> = {
  outside: 'outside the store',
  'work-then-sql': 'commitInStore, work then SQL',
  'sql-then-work': 'commitInStore, SQL then work',
};

interface Round {
  key: string;
  mode: Mode;
  commitMs: number;
}

interface ChildJob {
  engine: Engine;
  location: string;
  logDir: string;
  proc: number;
  rounds: Round[];
}

function p(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// Child: one "process" of the shop. Waits for `go <round>` on stdin, runs 25 payments at once, answers one JSON line.

async function child(job: ChildJob): Promise<void> {
  const store = await openStore(job.location);
  const answers = Array.from({ length: job.rounds.length * CONCURRENT }, (_, i) => {
    const tno = String(20261203000000 + job.proc * 100_000 + i);
    return `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${tno}${US}amount=1000${US}card_cd=CCSS\n`;
  });
  const payplus = new PayPlus(testConfData({ logDir: job.logDir }), { runner: new CannedRunner(answers), logger: silentLogger, store, commitTimeoutMs: 60_000 });
  // Connected and migrated before `ready`, with the pool's connections open, as in a shop that has been running.
  await Promise.all(Array.from({ length: CONCURRENT }, () => store.listOpen(1)));
  const ph = store.kind === 'postgres' ? '$1, $2' : '?, ?';
  const insert = `INSERT INTO bench_orders (ordr_idxx, tno) VALUES (${ph})`;
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const round = job.rounds.find((r) => `go ${r.key}` === line);
    if (!round) break;
    const one = async (i: number) => {
      const ordr = `${round.key}P${job.proc}N${i}`;
      const t0 = performance.now();
      const out = await payplus.processPayment(
        { tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', ordr_idxx: ordr, good_mny: '1000', use_pay_method: '100000000000' },
        {
          custIp: '127.0.0.1',
          expectedAmount: 1000,
          commitInStore: round.mode !== 'outside',
          commit: async (approval, tx) => {
            if (round.mode === 'sql-then-work') await tx!.query(insert, [ordr, approval.tno]);
            if (round.commitMs > 0) await sleep(round.commitMs);
            if (round.mode === 'work-then-sql') await tx!.query(insert, [ordr, approval.tno]);
          },
        },
      );
      return { ms: performance.now() - t0, status: out.status };
    };
    const timed = async (i: number) => {
      const t0 = performance.now();
      // A store that gives up (e.g. SQLite's busy_timeout) throws a KcpStoreError: counted, not fatal to the run.
      return one(i).catch((err: unknown) => ({ ms: performance.now() - t0, status: `thrown: ${(err as { code?: string }).code ?? String(err)}` }));
    };
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => timed(i)));
    process.stdout.write(`${JSON.stringify(results)}\n`);
  }
  await payplus.close();
  await store.close();
}

// ---------------------------------------------------------------------------------------------------------------
// Parent.

interface Shop {
  procs: ChildProcess[];
  lines: Array<AsyncIterator<string>>;
}

async function startShop(job: Omit<ChildJob, 'proc'>): Promise<Shop> {
  const procs: ChildProcess[] = [];
  const lines: Array<AsyncIterator<string>> = [];
  for (let proc = 0; proc < PROCESSES; proc++) {
    const c = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'child'], {
      env: { ...process.env, BENCH_CHILD: JSON.stringify({ ...job, proc }) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    procs.push(c);
    lines.push(createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
  }
  for (const l of lines) {
    const first = await l.next();
    if (first.value !== 'ready') throw new Error(`bench child did not start: ${String(first.value)}`);
  }
  return { procs, lines };
}

async function runRound(shop: Shop, round: Round): Promise<{ ms: number[]; bad: number }> {
  for (const c of shop.procs) c.stdin!.write(`go ${round.key}\n`);
  const ms: number[] = [];
  let bad = 0;
  for (const l of shop.lines) {
    const next = await l.next();
    for (const r of JSON.parse(String(next.value)) as Array<{ ms: number; status: string }>) {
      ms.push(r.ms);
      if (r.status !== 'approved') bad++;
    }
  }
  return { ms: ms.sort((a, b) => a - b), bad };
}

async function stopShop(shop: Shop): Promise<void> {
  await Promise.all(
    shop.procs.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.stdin!.end();
        }),
    ),
  );
}

async function main(): Promise<void> {
  console.log(`# kcp-payplus commit latency: ${PROCESSES} processes × ${CONCURRENT} concurrent payments, instant runner\n`);
  console.log(`node ${process.version}, ${os.cpus().length} cores, commits of ${COMMIT_MS} ms against a 0 ms baseline; target p99 ≤ ${TARGET_P99_MS} ms\n`);
  console.log(
    `| engine | merchant commit | p50 / p99 ms, 0 ms commits (baseline) | p50 / p99 / max ms, ${COMMIT_MS} ms commits | ` +
      `p99 added by the commits | target ≤ ${TARGET_P99_MS} ms: p99 / added | not approved (both rounds) |`,
  );
  console.log('|---|---|---:|---:|---:|---|---:|');
  for (const engine of ENGINES) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-bench-commit-'));
    const db = await freshDatabase(engine, dir);
    try {
      await db.exec('CREATE TABLE bench_orders (ordr_idxx VARCHAR(60) PRIMARY KEY, tno VARCHAR(20) NOT NULL)');
      const rounds: Round[] = [];
      MODES.forEach((mode, m) => {
        rounds.push({ key: `B${m}Z`, mode, commitMs: 0 }, { key: `B${m}C`, mode, commitMs: COMMIT_MS });
      });
      const engineName = engine === 'mysql' ? 'MariaDB' : engine === 'postgres' ? 'PostgreSQL' : 'SQLite';
      const report = async (shop: Shop, base: Round, slow: Round, label: string) => {
        const b = await runRound(shop, base);
        const c = await runRound(shop, slow);
        const p99 = p(c.ms, 0.99);
        const added = p99 - p(b.ms, 0.99);
        const met = (ms: number) => (ms <= TARGET_P99_MS ? 'met' : 'NOT met');
        console.log(
          `| ${engineName} | ${label} | ${p(b.ms, 0.5).toFixed(0)} / ${p(b.ms, 0.99).toFixed(0)} | ` +
            `${p(c.ms, 0.5).toFixed(0)} / ${p99.toFixed(0)} / ${c.ms.at(-1)!.toFixed(0)} | ${added.toFixed(0)} | ` +
            `${met(p99)} / ${met(added)} | ${b.bad + c.bad} |`,
        );
      };
      const shop = await startShop({ engine, location: db.location, logDir: path.join(dir, 'log'), rounds });
      try {
        for (let m = 0; m < MODES.length; m++) await report(shop, rounds[2 * m]!, rounds[2 * m + 1]!, MODE_LABEL[MODES[m]!]);
      } finally {
        await stopShop(shop);
      }
      // SQL then work again, with the pool sized to the payments a process runs at once (README "The pool's size"):
      // PostgreSQL's 100 connections (max_connections) hold 4 × 20, MariaDB's 151 hold 4 × 25.
      const pooledSize = engine === 'postgres' ? 20 : CONCURRENT;
      const pooled: Round[] = [{ key: 'PZ', mode: 'sql-then-work', commitMs: 0 }, { key: 'PC', mode: 'sql-then-work', commitMs: COMMIT_MS }];
      if (engine !== 'sqlite') {
        const sized = await startShop({ engine, location: `${db.location}?poolSize=${pooledSize}`, logDir: path.join(dir, 'log'), rounds: pooled });
        try {
          await report(sized, pooled[0]!, pooled[1]!, `${MODE_LABEL['sql-then-work']}, poolSize ${pooledSize}`);
        } finally {
          await stopShop(sized);
        }
      }
      const stored = await db.query('SELECT COUNT(*) AS n FROM bench_orders');
      // two commitInStore modes × two rounds each, and the pooled rounds
      const expected = (engine === 'sqlite' ? 4 : 6) * PROCESSES * CONCURRENT;
      if (Number(stored[0]?.n) !== expected) console.log(`\n**${engine}: ${String(stored[0]?.n)} order rows, expected ${expected}**\n`);
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[2] === 'child') await child(JSON.parse(process.env.BENCH_CHILD!) as ChildJob);
else await main();
