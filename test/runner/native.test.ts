/**
 * What only the native runner promises: many concurrent children each with their own output, no
 * descriptor leak, clean signal state in the child, a lower CPU priority than this process, and no waiting on
 * grandchildren that keep a pipe.
 */
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { KcpConfigError } from '../../lib/errors.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { NativeRunner } from '../../lib/runner/index.js';
import { selectRunner } from '../../lib/runner/select.js';
import { buildFixtures, childrenNamed, FAKE_NAME, openFdCount, removeFixtures, type Fixtures } from '../fixtures/runner/fake.js';
import { nativeRunner, requireAddon, requireCompiler } from '../helpers/native.js';
import { testConfData } from '../helpers/conf.js';

describe('native runner', function () {
  let fx: Fixtures;
  let runner: NativeRunner;
  before(function () {
    requireCompiler(this);
    runner = nativeRunner(this);
    fx = buildFixtures();
  });
  after(() => removeFixtures(fx));

  it('runs 200 concurrent calls, each with its own output, and leaks no descriptor', async () => {
    await runner.run({ file: fx.fake, args: [Buffer.from('warm-up')], timeoutMs: 5000 });
    const before = openFdCount();
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    const outcomes = await Promise.all(ids.map((id) => runner.run({ file: fx.fake, args: [Buffer.from(id)], timeoutMs: 10000 })));
    assert.deepEqual(
      outcomes.map((o) => o.stdout.toString('latin1')),
      ids.map((id) => `${id}\0`),
    );
    assert.ok(outcomes.every((o) => o.exitCode === 0 && o.spawnError === undefined && !o.timedOut));
    assert.equal(openFdCount(), before);
    assert.deepEqual(childrenNamed(FAKE_NAME), []);
  });

  it('shows the child while it runs and has reaped it when the promise settles', async () => {
    const pending = runner.run({ file: fx.fake, args: [Buffer.from('--sleep'), Buffer.from('400')], timeoutMs: 5000 });
    let seen: number[] = [];
    for (let i = 0; i < 100 && seen.length === 0; i++) {
      seen = childrenNamed(FAKE_NAME);
      if (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(seen.length, 1);
    const outcome = await pending;
    assert.equal(outcome.stdout.toString(), 'woke');
    assert.deepEqual(childrenNamed(FAKE_NAME), []);
  });

  it('gives the child default dispositions for signals 1-31 and an empty mask (Node ignores SIGPIPE)', async () => {
    const outcome = await runner.run({ file: '/bin/grep', args: [Buffer.from('-E'), Buffer.from('^Sig(Ign|Blk)'), Buffer.from('/proc/self/status')], timeoutMs: 5000 });
    const [, blocked, ignored] = /^SigBlk:\t([0-9a-f]{16})\nSigIgn:\t([0-9a-f]{16})\n$/.exec(outcome.stdout.toString()) ?? [];
    assert.equal(blocked, '0000000000000000');
    // glibc keeps its two internal real-time signals (32, 33) to itself (sigaction refuses them); bits 0-30 are signals 1-31.
    assert.equal(BigInt(`0x${ignored}`) & 0x7fffffffn, 0n);
  });

  it('starts the child 5 steps nicer than this process by default, as asked with childNice, never above 19', async () => {
    // coreutils' nice, without a command, prints its own niceness: what the child was started with.
    const niceOf = async (r: NativeRunner) => (await r.run({ file: '/usr/bin/nice', args: [], timeoutMs: 5000 })).stdout.toString();
    const own = getPriority();
    assert.equal(await niceOf(runner), `${Math.min(19, own + 5)}\n`);
    assert.equal(await niceOf(new NativeRunner(requireAddon(), { childNice: 0 })), `${own}\n`);
    assert.equal(await niceOf(new NativeRunner(requireAddon(), { childNice: 12 })), `${Math.min(19, own + 12)}\n`);
    assert.equal(await niceOf(new NativeRunner(requireAddon(), { childNice: 19 })), '19\n');
    assert.equal(getPriority(), own, 'this process keeps its own priority');
  });

  it('refuses a childNice that is not a whole number from 0 to 19, naming it, wherever it is given', () => {
    const refused = (value: unknown) => (err: unknown) =>
      err instanceof KcpConfigError &&
      err.field === 'childNice' &&
      err.message === `childNice: ${String(value)} is not a niceness increment. Fix: pass a whole number from 0 (pp_cli at this process's priority) to 19; the default is 5.`;
    for (const value of [-1, 20, 2.5, Number.NaN, '5', null]) {
      assert.throws(() => new NativeRunner(requireAddon(), { childNice: value as number }), refused(value));
      assert.throws(() => new PayPlus(testConfData(), { childNice: value as number }), refused(value));
      assert.throws(() => selectRunner({ runner: 'execa', childNice: value as number }), refused(value));
    }
    assert.throws(
      () => new PayPlus(testConfData(), { runner: runner, childNice: 3 }),
      (err: unknown) => err instanceof KcpConfigError && err.field === 'childNice' && /pass it to your runner/.test(err.message),
    );
  });

  it('names the signal that ended the child', async () => {
    const outcome = await runner.run({ file: '/bin/sh', args: [Buffer.from('-c'), Buffer.from('kill -TERM $$')], timeoutMs: 5000 });
    assert.equal(outcome.signal, 'SIGTERM');
    assert.equal(outcome.exitCode, null);
    assert.equal(outcome.timedOut, false);
  });

  it('returns when the child exits even if a grandchild still holds its stdout', async () => {
    const outcome = await runner.run({
      file: '/bin/sh',
      args: [Buffer.from('-c'), Buffer.from('sleep 30 & echo $!')],
      timeoutMs: 3000,
    });
    const grandchild = Number(outcome.stdout.toString().trim());
    try {
      assert.equal(outcome.timedOut, false);
      assert.equal(outcome.exitCode, 0);
      assert.ok(grandchild > 0);
    } finally {
      if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
    }
  });
});
