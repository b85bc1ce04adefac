/**
 * Shared pieces of the benchmark: building the C stub and the C posix_spawn loop, one "call" per
 * way of starting a process, and the two measurements (sequential per-call time; throughput and
 * event-loop delay at a given concurrency). Numbers are printed, never asserted.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ExecaRunner, loadAddon, NativeRunner } from '../lib/runner/index.js';
import type { RunOutcome } from '../lib/runner/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A realistic `-h` argument (dummy site key): ASCII, so every runner can pass it. */
export const OPTION = Buffer.from(
  'home=/opt/payplus,site_cd=T0000,site_key=0000000000000000000000__,tx_cd=00100000,pa_url=testpaygw.kcp.co.kr,' +
    'pa_port=8090,ordr_idxx=BENCH20240101000001,payx_data=common=amount=1004\x1fcurrency=410\x1f\x1e,' +
    'ordr_data=,trace_no=T0000BENCH0001,log_level=3,opt=',
  'latin1',
);
const ENV = { PATH: '/usr/bin:/bin', LANG: 'C' };

export interface Binaries {
  stub: string;
  loop: string;
}

/** Compiles bench/stub.c and bench/spawn_loop.c into `dir`. */
export function compile(dir: string): Binaries {
  const stub = join(dir, 'stub');
  const loop = join(dir, 'spawn_loop');
  execFileSync('cc', ['-O2', '-o', stub, join(here, 'stub.c')]);
  execFileSync('cc', ['-O2', '-o', loop, join(here, 'spawn_loop.c')]);
  return { stub, loop };
}

/** Mean microseconds per call of the C loop, in a process carrying `ballastMb` of touched memory. */
export function cLoopMicros(bin: Binaries, calls: number, ballastMb = 0): number {
  const args = [bin.stub, String(calls), String(ballastMb), '-h', OPTION.toString('latin1')];
  return Number(execFileSync(bin.loop, args, { encoding: 'utf8' }).trim());
}

export type Call = () => Promise<void>;

function checked(o: RunOutcome): void {
  if (o.exitCode !== 0 || o.stdout.length === 0) throw new Error(`stub run failed: ${JSON.stringify({ ...o, stdout: o.stdout.toString() })}`);
}

/** One call per way of starting the stub; native is missing when the addon does not load. */
export function callers(stub: string): Record<string, Call> {
  const calls: Record<string, Call> = {};
  const invocation = { file: stub, args: [Buffer.from('-h'), OPTION], env: ENV, timeoutMs: 10000 };
  const load = loadAddon();
  if (load.ok) {
    const native = new NativeRunner(load.addon);
    calls.native = () => native.run(invocation).then(checked);
  }
  const execa = new ExecaRunner();
  calls.execa = () => execa.run(invocation).then(checked);
  const execFileP = promisify(execFile);
  calls.execFile = async () => {
    const { stdout } = await execFileP(stub, ['-h', OPTION.toString('latin1')], { encoding: 'buffer', env: ENV });
    if (stdout.length === 0) throw new Error('execFile: no output');
  };
  return calls;
}

export interface Measure {
  msPerCall: number;
  callsPerSec: number;
  /** Event-loop lateness in ms: histogram value minus the 1 ms timer period. */
  loopP99Ms: number;
  loopMaxMs: number;
  /**
   * Time the main (event-loop) thread was runnable but waiting for a CPU (Linux schedstat), in ms.
   * When it is high, loop delay comes from CPU saturation (more runnable tasks than cores), not
   * from blocking work on the loop.
   */
  mainRunqueueWaitMs: number;
}

/** Main thread's time spent waiting on a run queue, in ns (0 where schedstat is unavailable). */
function runqueueWaitNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Runs `total` calls with `concurrency` in flight (1 = one at a time) after a short warm-up. */
export async function measure(call: Call, total: number, concurrency: number): Promise<Measure> {
  for (let i = 0; i < 20; i++) await call();
  const resolutionMs = 1;
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      await call();
    }
  };
  const wait0 = runqueueWaitNs();
  h.enable();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  h.disable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  return {
    msPerCall: elapsed / total,
    callsPerSec: (total / elapsed) * 1000,
    loopP99Ms: late(h.percentile(99)),
    loopMaxMs: late(h.max),
    mainRunqueueWaitMs: (runqueueWaitNs() - wait0) / 1e6,
  };
}

export const fmt = (n: number, digits = 3): string => n.toFixed(digits);
