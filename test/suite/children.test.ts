/**
 * The suite's own promise that children never outlive their test (test/helpers/children.ts): a mocha run of
 * test/fixtures/children/timed-out.ts, whose first test starts a child and a grandchild (which ignores SIGTERM) and is
 * ended by its timeout. Its second test finds both gone; after the run, they are still gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive, children } from '../helpers/children.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('children never outlive their test', function () {
  this.timeout(60_000);

  it('after a test killed by its timeout, no process it started is left', async () => {
    const leakFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kcp-leak-')), 'pids.json');
    const run = children().spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), '--reporter', 'json', 'test/fixtures/children/timed-out.ts'],
      { cwd: ROOT, env: { ...process.env, KCP_LEAK_FILE: leakFile }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    run.stdout!.on('data', (d: Buffer) => (out += String(d)));
    run.stderr!.on('data', (d: Buffer) => (err += String(d)));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    const report = JSON.parse(out.slice(out.indexOf('{\n'))) as {
      stats: { passes: number; failures: number };
      failures: Array<{ title: string; err: { message: string } }>;
    };
    assert.equal(code, 1, err);
    assert.deepEqual(report.failures.map((f) => [f.title, f.err.message.replace(/\d+ms/, 'Nms').split('.')[0]]), [
      ['starts a child and a grandchild, then hangs past its timeout', 'Timeout of Nms exceeded'],
    ]);
    assert.equal(report.stats.passes, 1, 'the next test found nothing left');
    const { child, grandchild } = JSON.parse(readFileSync(leakFile, 'utf8')) as { child: number; grandchild: number };
    assert.deepEqual([alive(child), alive(grandchild)], [false, false]);
  });
});
