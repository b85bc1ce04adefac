/**
 * What only the native runner promises: many concurrent children each with their own output, no
 * descriptor leak, clean signal state in the child, and no waiting on grandchildren that keep a pipe.
 */
import assert from 'node:assert/strict';
import type { NativeRunner } from '../../lib/runner/index.js';
import { buildFixtures, childrenNamed, FAKE_NAME, openFdCount, removeFixtures, type Fixtures } from '../fixtures/runner/fake.js';
import { nativeRunner, requireCompiler } from '../helpers/native.js';

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
