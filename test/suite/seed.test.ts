/**
 * A randomized test that fails prints its seed and the command that replays it, and rerunning with that SEED draws
 * the same numbers and finds the same fast-check counterexample (test/helpers/seed.ts, test/helpers/hooks.ts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { children } from '../helpers/children.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/seed/fails.ts';

async function run(seed: string | undefined): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_lifecycle_event: '' };
  if (seed === undefined) delete env.SEED;
  else env.SEED = seed;
  const proc = children().spawn(process.execPath, [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), '--reporter', 'spec', FIXTURE], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += String(d)));
  proc.stderr!.on('data', (d: Buffer) => (out += String(d)));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  assert.equal(code, 2, `both fixture tests fail on purpose:\n${out}`);
  return out;
}

const draws = (out: string) => /^draws: (.+)$/m.exec(out)?.[1];
const counterexample = (out: string) => /Counterexample: (.+)$/m.exec(out)?.[1];

describe('seeds: a failing randomized test can be replayed', function () {
  this.timeout(60_000);

  it('prints the seed and the replay command, and the same SEED replays the same draws', async () => {
    const first = await run(undefined);
    const seed = /^ {2}SEED=(\d+) \(replay this run: SEED=\1 the same command\)$/m.exec(first)?.[1];
    assert.ok(seed, `the run printed no seed:\n${first}`);
    for (const title of ['a property with a counterexample', 'a schedule drawn from the seed']) {
      const line = `↳ SEED=${seed}; replay: SEED=${seed} npx mocha ${FIXTURE} --grep "randomized tests that fail ${title}"`;
      assert.ok(first.includes(line), `no replay line for "${title}":\n${first}`);
    }
    assert.ok(draws(first) && counterexample(first), first);

    const again = await run(seed);
    assert.equal(draws(again), draws(first));
    assert.equal(counterexample(again), counterexample(first));

    const other = await run(String((Number(seed) + 1) % 2 ** 32));
    assert.notEqual(draws(other), draws(first), 'another seed draws other numbers');
  });

  it('refuses a SEED that is not a 32-bit whole number, saying where to copy it from', async () => {
    const proc = children().spawn(process.execPath, ['--import', 'tsx', '-e', "await import('./test/helpers/seed.ts')"], {
      cwd: ROOT, env: { ...process.env, SEED: '12ab' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += String(d)));
    const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
    assert.equal(code, 1);
    assert.match(err, /SEED must be a whole number from 0 to 4294967295 \(got "12ab"\); copy it from the "SEED=…" line the run printed/);
  });
});
