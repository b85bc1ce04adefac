/**
 * `npm run bench`: one run, every way of starting the same C stub, and cancel() through the PayPlus facade with the
 * stub as its pp_cli, printed side by side, then compared with the last committed bench/RESULTS.md.
 *
 *   1. one call at a time: the C posix_spawn loop (the floor), native, execa, execFile, PayPlus.cancel
 *   2. concurrency 16: throughput, event-loop delay; the facade 4 at a time too
 *   3. both again with a ~2 GB JS heap, in a child Node with --max-old-space-size=4096, against a C
 *      loop carrying the same amount of touched memory
 *   4. system calls per call (strace -f -c) of the facade and of the C loop: counts, repeatable under load
 *
 * Each is measured in BENCH_ROUNDS rounds (bench/rounds.ts); a row's value is the median over the rounds and its
 * noise band the spread between them (bench/compare.ts bandOf). The guarded rows are printed as the table that
 * RESULTS.md keeps, and every row that moved beyond its band since the last committed RESULTS.md is named.
 *
 * Targets it reports against: native <= 1.3x the C loop per call; PayPlus.cancel <= 1.5x the C loop; loop-delay p99
 * <= 2 ms with the 2 GB heap for cancels 4 at a time; throughput at concurrency 16 >= 1.5x execFile. Printed, never
 * asserted.
 * The rounds measure a warmed-up process; the facade's cold start is measured first and printed on its own
 * (bench/rounds.ts says why).
 * Environment: BENCH_CALLS (default 1000 per measurement, split over the rounds), BENCH_ROUNDS (default 5),
 * BENCH_WARMUP (calls per runner before the first round, default 2000), BENCH_CHILD_NICE (the native runner's
 * childNice for the native and facade rows; 0 shows the cost of running pp_cli at the server's own priority),
 * BENCH_HEAP_GB (default 2), BENCH_SYSCALLS=0 (skip the strace phase), BENCH_INJECT_SLOWDOWN (common.ts),
 * BENCH_PREVIOUS (a RESULTS.md to compare with instead of the committed one), BENCH_WRITE=1 (write the new rows
 * into bench/RESULTS.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { compile, FACADE, fmt, SLOWDOWN, type Binaries, type Measure } from './common.js';
import { bandOf, compareRows, describeComparison, formatRows, parseRows, replaceRows, type BenchRow } from './compare.js';
import { CONCURRENCY, FACADE_CONCURRENCY, measureRounds, type PhaseRounds } from './rounds.js';
import { FILE_SYSCALLS, haveStrace, sum, syscallsPerCall, type Counts } from './syscalls.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Math.max(1, Math.round(CALLS / ROUNDS));
const HEAP_GB = Number(process.env.BENCH_HEAP_GB ?? 2);
const here = fileURLToPath(new URL('.', import.meta.url));
const resultsPath = join(here, 'RESULTS.md');

type HeapReport = { heapUsedGB: number; rssGB: number; rounds: PhaseRounds };

function machine(): string {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `nproc ${cpus().length}; CPU ${model}; node ${process.version}; ${process.platform} ${process.arch}`;
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function heapPhase(dir: string): HeapReport {
  const script = join(here, 'heap-phase.ts');
  const out = execFileSync(
    process.execPath,
    ['--max-old-space-size=4096', '--expose-gc', '--import', 'tsx', script, dir, String(PER_ROUND), String(ROUNDS), String(HEAP_GB)],
    { encoding: 'utf8', maxBuffer: 1 << 22, env: process.env },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as HeapReport;
}

const med = (xs: number[]): number => bandOf(xs).value;
const pm = (xs: number[], digits = 3): string => {
  const { value, band } = bandOf(xs);
  return `${fmt(value, digits)} ±${fmt(band, digits)}`;
};
const pick = (ms: Measure[], f: (m: Measure) => number): number[] => ms.map(f);

/** Per-round ratios of a runner's ms/call to the same round's C floor. */
const xFloor = (p: PhaseRounds, name: string): number[] => p.runners[name]!.one.map((m, i) => (m.msPerCall * 1000) / p.floorUs[i]!);
const xExecFile = (p: PhaseRounds, name: string): number[] =>
  p.runners[name]!.many.map((m, i) => m.callsPerSec / p.runners.execFile!.many[i]!.callsPerSec);

function printPhase(title: string, p: PhaseRounds, floorLabel: string): void {
  console.log(`\n## ${title}: one call at a time (${ROUNDS} rounds of ${PER_ROUND} calls; median ±band)\n`);
  table(
    ['runner', 'ms/call', 'x C loop', 'loop p99 ms', 'loop max ms'],
    [
      [floorLabel, pm(p.floorUs.map((u) => u / 1000)), '1.00', '-', '-'],
      ...Object.entries(p.runners).map(([n, r]) => [n, pm(pick(r.one, (m) => m.msPerCall)), pm(xFloor(p, n), 2), pm(pick(r.one, (m) => m.loopP99Ms)), fmt(med(pick(r.one, (m) => m.loopMaxMs)))]),
    ],
  );
  console.log(`\n## ${title}: concurrency ${CONCURRENCY} (${ROUNDS} rounds of ${PER_ROUND} calls)\n`);
  table(
    ['runner', 'calls/s', 'x execFile', 'loop p99 ms', 'loop max ms', 'main thread runqueue wait ms'],
    Object.entries(p.runners).map(([n, r]) => [
      n,
      fmt(med(pick(r.many, (m) => m.callsPerSec)), 0),
      pm(xExecFile(p, n), 2),
      pm(pick(r.many, (m) => m.loopP99Ms)),
      fmt(med(pick(r.many, (m) => m.loopMaxMs))),
      fmt(med(pick(r.many, (m) => m.mainRunqueueWaitMs)), 0),
    ]),
  );
  const fews = Object.entries(p.runners).filter(([, r]) => r.few !== undefined);
  if (fews.length > 0) {
    console.log(`\n## ${title}: ${FACADE_CONCURRENCY} at a time (${ROUNDS} rounds of ${PER_ROUND} calls; native is the facade's floor)\n`);
    table(
      ['runner', 'ms/call', 'loop p99 ms', 'loop max ms', 'main thread runqueue wait ms'],
      fews.map(([n, { few }]) => [n, pm(pick(few!, (m) => m.msPerCall)), pm(pick(few!, (m) => m.loopP99Ms)), fmt(med(pick(few!, (m) => m.loopMaxMs))), fmt(med(pick(few!, (m) => m.mainRunqueueWaitMs)), 0)]),
    );
  }
  if (p.cold) {
    const c = p.cold;
    console.log(
      `\nCold start (not in the rounds above, which follow ${p.warmup} warm-up calls per runner): the process's first ${p.coldCalls} ` +
        `${FACADE} calls, ${FACADE_CONCURRENCY} at a time, one histogram: ${fmt(c.msPerCall)} ms/call, loop p99 ${fmt(c.loopP99Ms)} ms, ` +
        `max ${fmt(c.loopMaxMs)} ms, runqueue wait ${fmt(c.mainRunqueueWaitMs, 0)} ms.`,
    );
  }
}

function row(id: string, samples: number[], unit: string, better: 'lower' | 'higher'): BenchRow {
  return { id, ...bandOf(samples), unit, better };
}

function phaseRows(label: string, p: PhaseRounds): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const name of Object.keys(p.runners)) rows.push(row(`${label}, one at a time: ${name} ms/call x C loop`, xFloor(p, name), 'x', 'lower'));
  for (const name of Object.keys(p.runners)) {
    if (name !== 'execFile') rows.push(row(`${label}, concurrency ${CONCURRENCY}: ${name} calls/s x execFile`, xExecFile(p, name), 'x', 'higher'));
  }
  for (const name of ['native', FACADE]) {
    const r = p.runners[name];
    if (r) rows.push(row(`${label}, one at a time: ${name} loop p99`, pick(r.one, (m) => m.loopP99Ms), 'ms', 'lower'));
  }
  for (const name of [FACADE, 'native']) {
    const few = p.runners[name]?.few;
    if (few) rows.push(row(`${label}, ${name} ${FACADE_CONCURRENCY} at a time: loop p99`, pick(few, (m) => m.loopP99Ms), 'ms', 'lower'));
  }
  return rows;
}

function syscallPhase(bin: Binaries, dir: string): BenchRow[] {
  if (process.env.BENCH_SYSCALLS === '0') return [];
  if (!haveStrace()) {
    console.log('\nstrace not available: no system-call rows');
    return [];
  }
  const { facade, cLoop } = syscallsPerCall(bin, dir, 2);
  const show = (c: Counts) =>
    Object.entries(c)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(', ');
  console.log('\n## System calls per call (strace -f -c, every thread and child; futex/epoll left out)\n');
  console.log(`${FACADE}: ${fmt(sum(facade[0]!), 1)} per call: ${show(facade[0]!)}`);
  console.log(`C posix_spawn loop: ${fmt(sum(cLoop[0]!), 1)} per call: ${show(cLoop[0]!)}`);
  const fileBeyond = facade.map((f, i) => sum(f, FILE_SYSCALLS) - sum(cLoop[i]!, FILE_SYSCALLS));
  console.log(`on files (${FILE_SYSCALLS.source}), beyond the C loop's (the child's loader opens the same): ${pm(fileBeyond, 2)} per call`);
  return [
    row(`syscalls per call: ${FACADE}`, facade.map((c) => sum(c)), 'calls', 'lower'),
    row(`file syscalls per call: ${FACADE} beyond the C loop`, fileBeyond, 'calls', 'lower'),
    row('syscalls per call: C posix_spawn loop', cLoop.map((c) => sum(c)), 'calls', 'lower'),
  ];
}

function printTargets(small: PhaseRounds, heap: PhaseRounds): void {
  if (!small.runners.native || !heap.runners.native) return;
  const n = med(xFloor(small, 'native'));
  const nh = med(xFloor(heap, 'native'));
  const f = small.runners[FACADE] ? med(xFloor(small, FACADE)) : NaN;
  const fh = heap.runners[FACADE] ? med(xFloor(heap, FACADE)) : NaN;
  const p99 = med(pick(heap.runners[FACADE]?.few ?? [], (m) => m.loopP99Ms));
  const floorP99 = med(pick(heap.runners.native.few ?? [], (m) => m.loopP99Ms));
  const thr = med(xExecFile(small, 'native'));
  const thrHeap = med(xExecFile(heap, 'native'));
  console.log('\n## Targets\n');
  table(
    ['target', 'measured', 'met'],
    [
      ['native <= 1.3x the C loop per call', `${fmt(n, 2)}x (big heap ${fmt(nh, 2)}x the ballasted C loop)`, n <= 1.3 && nh <= 1.3 ? 'yes' : 'no'],
      [`${FACADE} <= 1.5x the C loop per call`, `${fmt(f, 2)}x (big heap ${fmt(fh, 2)}x)`, f <= 1.5 && fh <= 1.5 ? 'yes' : 'no'],
      [`${FACADE} ${FACADE_CONCURRENCY} at a time, ${HEAP_GB} GB heap: loop p99 <= 2 ms`, `${fmt(p99)} ms (native alone ${fmt(floorP99)} ms)`, p99 <= 2 ? 'yes' : 'no'],
      [`native >= 1.5x execFile at concurrency ${CONCURRENCY}`, `${fmt(thr, 2)}x (big heap ${fmt(thrHeap, 2)}x)`, thr >= 1.5 && thrHeap >= 1.5 ? 'yes' : 'no'],
    ],
  );
}

/** The last committed RESULTS.md (or BENCH_PREVIOUS), or undefined. */
function previousResults(): string | undefined {
  if (process.env.BENCH_PREVIOUS) return readFileSync(process.env.BENCH_PREVIOUS, 'utf8');
  try {
    return execFileSync('git', ['show', 'HEAD:./RESULTS.md'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kcp-bench-'));
  try {
    const bin = compile(dir);
    console.log(`# kcp-payplus runner benchmark\n\nmachine: ${machine()}`);
    console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`calls per measurement: ${CALLS} in ${ROUNDS} rounds; big heap: ${HEAP_GB} GB; childNice: ${process.env.BENCH_CHILD_NICE ?? 'default (5)'}`);
    if (SLOWDOWN > 0) console.log(`BENCH_INJECT_SLOWDOWN=${SLOWDOWN}: every Node call is made ${fmt(SLOWDOWN * 100, 0)} % slower on purpose`);
    const small = await measureRounds(bin, dir, PER_ROUND, ROUNDS);
    if (!small.runners.native) console.log('native addon not loaded: native and facade rows are missing (node scripts/build-native.mjs)');
    printPhase('Small heap', small, 'C posix_spawn loop');
    const heap = heapPhase(dir);
    printPhase(`Big heap (heapUsed ${fmt(heap.heapUsedGB, 2)} GB, rss ${fmt(heap.rssGB, 2)} GB)`, heap.rounds, `C loop, ${fmt(heap.rssGB, 2)} GB ballast`);
    const rows = [...phaseRows('small heap', small), ...phaseRows('big heap', heap.rounds), ...syscallPhase(bin, dir)];
    printTargets(small, heap.rounds);
    console.log('\nloop p99/max: lateness of a 1 ms timer (monitorEventLoopDelay value minus its 1 ms period).');
    console.log('runqueue wait: time the event-loop thread was ready to run but had no CPU (/proc schedstat).');
    console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`total bench time: ${fmt((Date.now() - started) / 1000, 1)} s`);

    console.log('\n## Guarded rows (median over the rounds, ± noise band)\n');
    console.log(formatRows(rows));
    const previous = previousResults();
    const before = previous === undefined ? [] : parseRows(previous);
    console.log(`\n## Compared with ${process.env.BENCH_PREVIOUS ?? 'the last committed bench/RESULTS.md'}\n`);
    if (before.length === 0) console.log('no guarded rows there yet: nothing to compare');
    else for (const line of describeComparison(compareRows(before, rows))) console.log(`- ${line}`);
    if (process.env.BENCH_WRITE === '1') {
      writeFileSync(resultsPath, replaceRows(readFileSync(resultsPath, 'utf8'), rows));
      console.log(`\nrows written to ${resultsPath}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
