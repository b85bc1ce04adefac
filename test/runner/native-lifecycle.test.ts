/**
 * The addon's one thread-safe function per JS environment (native/addon/addon.cc EnvState): it keeps the event loop
 * alive while a call runs and not after; a worker thread's environment gets its own and is torn down cleanly, also
 * while one of its calls runs. Each case runs in a child process, so a hang or a crash is the child's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireAddon } from '../helpers/native.js';

const SCRIPT = 'test/fixtures/runner/addon-lifecycle.ts';
const run = (mode: string) => spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, mode], { encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' });

describe('native addon: the event loop and JS environments', function () {
  before(function () {
    requireAddon(this);
  });

  it('a call alone keeps the process alive until it is delivered, and then lets it exit', () => {
    const r = run('alone');
    assert.equal(r.signal, null, `the process had to be killed (it hung): ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'delivered\n');
  });

  it('a worker thread calls and exits on its own; one terminated mid-call takes nothing down; the main thread goes on', () => {
    const r = run('workers');
    assert.equal(r.signal, null, `the process had to be killed (it hung): ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'worker said from-worker and exited 0\nterminated worker exited 1\nspawn threads left: 0\nmain-1 main-2\n');
  });
});
