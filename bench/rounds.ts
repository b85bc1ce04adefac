/**
 * Repeated measurement: every runner (and cancel() through the facade) is measured in BENCH_ROUNDS rounds, each
 * round one after another with the C floor measured in the same round, so that a ratio compares numbers taken under
 * the same load. bench/run.ts runs this in the small-heap process; bench/heap-phase.ts in a child with a 2 GB heap.
 */
import { callers, cLoopMicros, FACADE, measure, type Binaries, type Measure } from './common.js';

export const CONCURRENCY = 16;
/** The concurrency of the facade's event-loop row (the "1,000 cancels, 4 at a time"). */
export const FACADE_CONCURRENCY = 4;

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
}

/** `rounds` rounds of `perRound` calls per runner and concurrency; `ballastMb` sizes the C floor's touched memory. */
export async function measureRounds(bin: Binaries, dir: string, perRound: number, rounds: number, ballastMb = 0): Promise<PhaseRounds> {
  const calls = callers(bin.stub, dir);
  const out: PhaseRounds = { floorUs: [], runners: {} };
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
