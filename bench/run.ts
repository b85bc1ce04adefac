/**
 * `npm run bench`: one run, every way of starting the same C stub, printed side by side.
 *
 *   1. one call at a time: the C posix_spawn loop (the floor), native, execa, execFile
 *   2. concurrency 16: throughput, event-loop delay
 *   3. both again with a ~2 GB JS heap, in a child Node with --max-old-space-size=4096, against a C
 *      loop carrying the same amount of touched memory
 *
 * Targets it reports against: native <= 1.3x the C loop per call; loop-delay p99 <= 1 ms with the
 * 2 GB heap; throughput at concurrency 16 >= 1.5x execFile. Printed, never asserted.
 * Environment: BENCH_CALLS (default 1000), BENCH_HEAP_GB (default 2).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callers, cLoopMicros, compile, fmt, measure, type Measure } from './common.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const HEAP_GB = Number(process.env.BENCH_HEAP_GB ?? 2);
const CONCURRENCY = 16;

type Phase = Record<string, { one: Measure; sixteen: Measure }>;
type HeapReport = { heapUsedGB: number; rssGB: number; results: Phase };

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

function heapPhase(stub: string): HeapReport {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'heap-phase.ts');
  const out = execFileSync(
    process.execPath,
    ['--max-old-space-size=4096', '--expose-gc', '--import', 'tsx', script, stub, String(CALLS), String(HEAP_GB)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as HeapReport;
}

async function smallHeapPhase(stub: string): Promise<Phase> {
  const results: Phase = {};
  for (const [name, call] of Object.entries(callers(stub))) {
    results[name] = { one: await measure(call, CALLS, 1), sixteen: await measure(call, CALLS, CONCURRENCY) };
  }
  return results;
}

function printPhase(title: string, phase: Phase, floorUs: number, floorLabel: string): void {
  console.log(`\n## ${title}: one call at a time (${CALLS} calls)\n`);
  table(
    ['runner', 'ms/call', 'x C loop', 'loop p99 ms', 'loop max ms'],
    [
      [floorLabel, fmt(floorUs / 1000), '1.00', '-', '-'],
      ...Object.entries(phase).map(([n, { one }]) => [n, fmt(one.msPerCall), fmt((one.msPerCall * 1000) / floorUs, 2), fmt(one.loopP99Ms), fmt(one.loopMaxMs)]),
    ],
  );
  const base = phase.execFile!.sixteen.callsPerSec;
  console.log(`\n## ${title}: concurrency ${CONCURRENCY} (${CALLS} calls)\n`);
  table(
    ['runner', 'calls/s', 'x execFile', 'loop p99 ms', 'loop max ms', 'main thread runqueue wait ms'],
    Object.entries(phase).map(([n, { sixteen: s }]) => [
      n,
      fmt(s.callsPerSec, 0),
      fmt(s.callsPerSec / base, 2),
      fmt(s.loopP99Ms),
      fmt(s.loopMaxMs),
      fmt(s.mainRunqueueWaitMs, 0),
    ]),
  );
}

function printTargets(small: Phase, heap: Phase, floorUs: number, bigFloorUs: number): void {
  const n = small.native;
  const h = heap.native;
  if (!n || !h) return;
  const ratio = (n.one.msPerCall * 1000) / floorUs;
  const thr = n.sixteen.callsPerSec / small.execFile!.sixteen.callsPerSec;
  const thrHeap = h.sixteen.callsPerSec / heap.execFile!.sixteen.callsPerSec;
  console.log('\n## Targets (native)\n');
  table(
    ['target', 'measured', 'met'],
    [
      ['<= 1.3x the C loop per call', `${fmt(ratio, 2)}x (big heap ${fmt((h.one.msPerCall * 1000) / bigFloorUs, 2)}x the ballasted C loop)`, ratio <= 1.3 ? 'yes' : 'no'],
      [
        `loop p99 <= 1 ms with the ${HEAP_GB} GB heap`,
        `${fmt(h.one.loopP99Ms)} ms one at a time; ${fmt(h.sixteen.loopP99Ms)} ms at concurrency ${CONCURRENCY}`,
        `${h.one.loopP99Ms <= 1 ? 'yes' : 'no'} / ${h.sixteen.loopP99Ms <= 1 ? 'yes' : 'no'}`,
      ],
      [`>= 1.5x execFile at concurrency ${CONCURRENCY}`, `${fmt(thr, 2)}x (big heap ${fmt(thrHeap, 2)}x)`, thr >= 1.5 && thrHeap >= 1.5 ? 'yes' : 'no'],
    ],
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kcp-bench-'));
  try {
    const bin = compile(dir);
    console.log(`# kcp-payplus runner benchmark\n\nmachine: ${machine()}`);
    if (!callers(bin.stub).native) console.log('native addon not loaded: native rows are missing (node scripts/build-native.mjs)');
    console.log(`calls per measurement: ${CALLS}; big heap: ${HEAP_GB} GB`);
    const floorUs = cLoopMicros(bin, CALLS * 2);
    const small = await smallHeapPhase(bin.stub);
    printPhase('Small heap', small, floorUs, 'C posix_spawn loop');
    const heap = heapPhase(bin.stub);
    const bigFloorUs = cLoopMicros(bin, CALLS, Math.round(heap.rssGB * 1024));
    const label = `C loop, ${fmt(heap.rssGB, 2)} GB ballast`;
    printPhase(`Big heap (heapUsed ${fmt(heap.heapUsedGB, 2)} GB, rss ${fmt(heap.rssGB, 2)} GB)`, heap.results, bigFloorUs, label);
    printTargets(small, heap.results, floorUs, bigFloorUs);
    console.log('\nloop p99/max: lateness of a 1 ms timer (monitorEventLoopDelay value minus its 1 ms period).');
    console.log('runqueue wait: time the event-loop thread was ready to run but had no CPU (/proc schedstat).');
    console.log(`total bench time: ${fmt((Date.now() - started) / 1000, 1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
