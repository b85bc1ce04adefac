/**
 * The one source of randomness in the tests. The run's seed is `SEED` from the environment, or one picked at start;
 * the root hooks (test/helpers/hooks.ts) print it once per run and again beside every failing test, with the
 * command that replays it. `Math.random` has no place in test/: draw from `seeded(label)` instead.
 *
 * Each stream is derived from the seed and a label (the test's name, a worker's name), so a test draws the same
 * numbers whether it runs alone or inside the whole suite, and `at(key)` is a pure function of (seed, label, key):
 * a decision keyed by the event it is about ("kill order K3-7 at its commit step?") comes out the same however the
 * operating system interleaves the processes, which is what makes a campaign's schedule replayable.
 */

function pickSeed(): number {
  const raw = process.env.SEED;
  if (raw === undefined || raw === '') return (Date.now() ^ (process.pid << 16)) >>> 0;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 0xffffffff) {
    throw new Error(`SEED must be a whole number from 0 to 4294967295 (got ${JSON.stringify(raw)}); copy it from the "SEED=…" line the run printed`);
  }
  return Number(raw);
}

/** The run's seed (SEED, or picked once per process). */
export const SEED: number = pickSeed();

/** FNV-1a over the UTF-16 units of `text`, mixed with `base`: a 32-bit key for a label. */
export function hash32(text: string, base = 0x811c9dc5): number {
  let h = base >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small, fast 32-bit generator; plenty for schedules, not for secrets. */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  /** The seed this stream came from (print it with whatever the stream decided). */
  readonly seed: number;
  /** The next number in [0, 1) of this stream. */
  next(): number;
  /** A number in [0, 1) that depends only on the seed, the stream's label and `key`, never on call order. */
  at(key: string): number;
  /** A whole number in [0, n). */
  int(n: number): number;
}

/** A stream for `label` from `seed` (default: the run's SEED). */
export function seeded(label: string, seed: number = SEED): Random {
  const base = hash32(label, hash32(String(seed)));
  const next = mulberry32(base);
  return {
    seed,
    next,
    at: (key) => mulberry32(hash32(key, base))(),
    int: (n) => Math.floor(next() * n),
  };
}

/** The command that replays `file` (optionally one test of it) with `seed`. */
export function replayCommand(seed: number, file?: string, title?: string): string {
  const grep = title ? ` --grep ${JSON.stringify(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))}` : '';
  return `SEED=${seed} npx mocha ${file ?? '"test/**/*.test.ts"'}${grep}`;
}
