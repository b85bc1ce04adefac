/**
 * Shared pieces of the benchmark: building the C stub and the C posix_spawn loop, one "call" per
 * way of starting a process (the runners, and cancel() through the PayPlus facade with the stub as its pp_cli), and
 * the two measurements (sequential per-call time; throughput and event-loop delay at a given concurrency). Numbers
 * are printed, never asserted.
 *
 * BENCH_INJECT_SLOWDOWN=0.2 makes every Node call 20 % slower (a busy wait of 0.2x the call's own time on the event
 * loop after it), so that one can see `npm run bench` flag a regression; the C loop is never slowed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SiteConfData } from '../lib/config/site-conf.js';
import { PayPlus } from '../lib/payplus/payplus.js';
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
/** BENCH_CHILD_NICE: the native runner's childNice for the native and facade rows (default: the runner's own, 5). */
const CHILD_NICE = process.env.BENCH_CHILD_NICE === undefined ? undefined : Number(process.env.BENCH_CHILD_NICE);

export interface Binaries {
  /** The stub, at <dir>/home/bin/pp_cli so that a PayPlus with homeDir <dir>/home runs it as its module. */
  stub: string;
  loop: string;
}

/** Compiles bench/stub.c (as <dir>/home/bin/pp_cli) and bench/spawn_loop.c into `dir`. */
export function compile(dir: string): Binaries {
  mkdirSync(join(dir, 'home', 'bin'), { recursive: true, mode: 0o700 });
  const stub = join(dir, 'home', 'bin', 'pp_cli');
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

/** The facade row's name. */
export const FACADE = 'PayPlus.cancel';

/**
 * A site whose pp_cli is the stub (`<dir>/home/bin/pp_cli`), logging at the default level 3 into `<dir>/log` (every
 * event masked and written, as a merchant's default configuration does).
 */
export function benchSite(dir: string): SiteConfData {
  return {
    homeDir: join(dir, 'home'), keyDir: '', logDir: join(dir, 'log'), gwUrl: 'testpaygw.kcp.co.kr', gwPort: '8090',
    jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_test.js', siteCd: 'T0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF__',
    siteName: 'BENCH', moduleType: '01', logLevel: 3, ppCliLogLevel: 3, ppCliVersion: '2.14', binary: 'pp_cli',
    webRoots: [], allowNonstandardPort: false, notifyUrl: undefined, timeoutMs: 10_000, logRetentionDays: undefined,
    prunePpCliLogs: false, env: 'TEST', window: 'plugin',
  } as SiteConfData;
}

/** cancel() through one PayPlus (native runner, default file logger) on the stub; undefined without the addon. */
export function facadeCall(dir: string): Call | undefined {
  const load = loadAddon();
  if (!load.ok) return undefined;
  const payplus = new PayPlus(benchSite(dir), { runner: new NativeRunner(load.addon, { childNice: CHILD_NICE }) });
  const req = { tno: '20240101000001', reason: 'bench', custIp: '127.0.0.1' };
  return async () => {
    const r = await payplus.cancel(req);
    if (r.resCd !== '0000' || r.tno !== '20240101000001') throw new Error(`cancel answered ${JSON.stringify(r)}`);
  };
}

/** BENCH_INJECT_SLOWDOWN as a fraction (0 when unset). */
export const SLOWDOWN = Number(process.env.BENCH_INJECT_SLOWDOWN ?? 0);
if (!(SLOWDOWN >= 0 && SLOWDOWN < 10)) throw new Error(`BENCH_INJECT_SLOWDOWN=${process.env.BENCH_INJECT_SLOWDOWN}: use a fraction such as 0.2`);

/**
 * `call`, made `SLOWDOWN` slower: after each call the event loop spins for SLOWDOWN x the call's own share of the
 * time (its duration divided by the calls in flight with it), so one at a time and at concurrency 16 alike the run
 * takes about SLOWDOWN longer.
 */
export function slowed(call: Call): Call {
  if (SLOWDOWN === 0) return call;
  let inFlight = 0;
  return async () => {
    inFlight++;
    const t0 = performance.now();
    const sharing = inFlight;
    try {
      await call();
    } finally {
      inFlight--;
    }
    const until = performance.now() + ((performance.now() - t0) * SLOWDOWN) / Math.max(sharing, inFlight + 1);
    while (performance.now() < until) {
      /* deliberate slowdown */
    }
  };
}

/**
 * One call per way of starting the stub, and cancel() through the facade (`dir`: where compile() put the stub);
 * native and the facade are missing when the addon does not load.
 */
export function callers(stub: string, dir?: string): Record<string, Call> {
  const calls: Record<string, Call> = {};
  const invocation = { file: stub, args: [Buffer.from('-h'), OPTION], env: ENV, timeoutMs: 10000 };
  const load = loadAddon();
  if (load.ok) {
    const native = new NativeRunner(load.addon, { childNice: CHILD_NICE });
    calls.native = () => native.run(invocation).then(checked);
  }
  const execa = new ExecaRunner();
  calls.execa = () => execa.run(invocation).then(checked);
  const execFileP = promisify(execFile);
  calls.execFile = async () => {
    const { stdout } = await execFileP(stub, ['-h', OPTION.toString('latin1')], { encoding: 'buffer', env: ENV });
    if (stdout.length === 0) throw new Error('execFile: no output');
  };
  const facade = dir === undefined ? undefined : facadeCall(dir);
  if (facade) calls[FACADE] = facade;
  for (const name of Object.keys(calls)) calls[name] = slowed(calls[name]!);
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

/** Runs `total` calls with `concurrency` in flight (1 = one at a time) after `warmup` calls one at a time. */
export async function measure(call: Call, total: number, concurrency: number, warmup = 20): Promise<Measure> {
  for (let i = 0; i < warmup; i++) await call();
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
