/**
 * Repeated measurement: every runner (and cancel() through the facade) is measured in BENCH_ROUNDS rounds, each
 * round one after another with the C floor measured in the same round, so that a ratio compares numbers taken under
 * the same load. bench/run.ts runs this in the small-heap process; bench/heap-phase.ts in a child with a 2 GB heap.
 *
 * The rounds measure a warmed-up process. V8 goes on optimizing the facade's code for its first ~2,000 cancels
 * (178 functions optimized over 2,400 cancels, most in the first 1,200, traced with --trace-opt on 2026-12-05), and
 * the compiler threads share the two cores with the event loop and the children meanwhile: in that stretch the
 * 4-at-a-time loop p99 was 3-12 ms where the same process later gave 1-2 ms. So each runner first makes
 * BENCH_WARMUP calls (default 2,000; execa at most 100: at ~30 ms a call 2,000 would take a minute), and
 * the cold start is measured on its own before that: the facade's first calls of the process, 4 at a time, in one
 * histogram (`cold`), printed beside the rounds and never mixed into them.
 */
import { callers, cLoopMicros, FACADE, measure, type Binaries, type Measure } from './common.js';

export const CONCURRENCY = 16;
/** The concurrency of the facade's event-loop row (the "1,000 cancels, 4 at a time"). */
export const FACADE_CONCURRENCY = 4;
/** Calls per runner before the first round (see the header). */
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
if (!(Number.isInteger(WARMUP) && WARMUP >= 0)) throw new Error(`BENCH_WARMUP=${process.env.BENCH_WARMUP}: use a whole number of calls`);
const WARMUP_CAP: Record<string, number> = { execa: 100 };

export interface RunnerRounds {
  one: Measure[];
  many: Measure[];
  /** Only for the facade and, as its floor, the native runner: FACADE_CONCURRENCY calls in flight. */
  few?: Measure[];
}

export interface PhaseRounds {
  /** The C loop's microseconds per call, one per round. */
  floorUs: number[];
  runners: Record<string, RunnerRounds>;
  /** The facade's first `coldCalls` calls in this process, FACADE_CONCURRENCY at a time, before any warm-up. */
  cold?: Measure;
  coldCalls: number;
  warmup: number;
}

/**
 * `rounds` rounds of `perRound` calls per runner and concurrency, after the cold measurement (as many facade calls
 * as the rounds make in all) and the warm-up; `ballastMb` sizes the C floor's touched memory.
 */
export async function measureRounds(bin: Binaries, dir: string, perRound: number, rounds: number, ballastMb = 0): Promise<PhaseRounds> {
  const calls = callers(bin.stub, dir);
  const coldCalls = perRound * rounds;
  const out: PhaseRounds = { floorUs: [], runners: {}, coldCalls, warmup: WARMUP };
  if (calls[FACADE]) out.cold = await measure(calls[FACADE], coldCalls, FACADE_CONCURRENCY, 0);
  for (const [name, call] of Object.entries(calls)) {
    for (let i = 0; i < Math.min(WARMUP, WARMUP_CAP[name] ?? WARMUP); i++) await call();
  }
  for (let r = 0; r < rounds; r++) {
    out.floorUs.push(cLoopMicros(bin, perRound, ballastMb));
    for (const [name, call] of Object.entries(calls)) {
      const slot = (out.runners[name] ??= { one: [], many: [] });
      slot.one.push(await measure(call, perRound, 1));
      slot.many.push(await measure(call, perRound, CONCURRENCY));
      if (name === FACADE || name === 'native') (slot.few ??= []).push(await measure(call, perRound, FACADE_CONCURRENCY));
    }
  }
  return out;
}
