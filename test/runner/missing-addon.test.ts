/**
 * A run without the addon: under CI=true the native tests fail and say how to build it; elsewhere they are skipped
 * with the same words on the console. Runs mocha on test/runner/native.test.ts in a child process whose tests are
 * pointed at an addon file that does not exist (KCP_TEST_ADDON_PATH, read only by test/helpers/native.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ADDON_FIX } from '../helpers/native.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MISSING = path.join(ROOT, 'build', 'Release', 'no-such-addon.node');

function mochaWithoutAddon(ci: boolean): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, KCP_TEST_ADDON_PATH: MISSING };
  if (ci) env.CI = 'true';
  else delete env.CI;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), '--reporter', 'spec', 'test/runner/native.test.ts'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the native tests without the addon', function () {
  this.timeout(90_000);
  const expected = `the native addon is not available (native addon not built: ${MISSING} does not exist). Fix: ${ADDON_FIX}`;

  it('fail under CI=true, naming the fix', () => {
    const { status, out } = mochaWithoutAddon(true);
    assert.equal(status, 1, out);
    assert.ok(out.includes(`${expected} (CI=true: a missing prerequisite fails the run)`), out);
    assert.match(out, /0 passing[\s\S]*1 failing/);
  });

  it('are skipped elsewhere, with the same words on the console', () => {
    const { status, out } = mochaWithoutAddon(false);
    assert.equal(status, 0, out);
    assert.ok(out.includes(`skipped: ${expected}`), out);
    assert.match(out, /0 passing[\s\S]*7 pending/);
  });
});
