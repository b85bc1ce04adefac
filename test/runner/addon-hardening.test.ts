/**
 * The spawn addon's limits and failure reports: a bounded number of spawn threads with a FIFO queue, a callback
 * that never throws into JS, errors named by the step that failed (a missing working folder is not a missing
 * pp_cli; a refused thread is not a guessed EAGAIN), hidden symbols, and spawn.cc on its own (umask, signals,
 * descriptors, errors), built without Node.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADDON_ABI_VERSION, defaultAddonPath, type NativeSpawnResult, type SpawnAddon } from '../../lib/runner/addon-loader.js';
import { NativeRunner, spawnErrorMessage } from '../../lib/runner/native.js';
import { nativeRunner, requireAddon, requireCompiler } from '../helpers/native.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs `script` under /bin/sh through the addon directly; resolves with the raw result. */
function spawnSh(addon: SpawnAddon, script: string, cwd: string | null = null): Promise<NativeSpawnResult> {
  return new Promise((resolve) => {
    const argv = [Buffer.from('/bin/sh'), Buffer.from('-c'), Buffer.from(script)];
    addon.spawn(Buffer.from('/bin/sh'), argv, [Buffer.from('PATH=/usr/bin:/bin')], cwd === null ? null : Buffer.from(cwd), 10_000, 65_536, resolve);
  });
}

/** A child that prints when it started and when it ended (wall clock, ns). */
const TIMED = 'date +%s%N; sleep 0.3; date +%s%N';

/**
 * A child that registers in `dir`, then waits (bounded, 10 s) until `n` children have registered, and prints how many
 * it saw. Every child printing `n` proves they all ran at once: none could end before the last one had started.
 */
const meeting = (dir: string, n: number) =>
  `: > "${dir}/$$"; i=0; while [ "$(ls "${dir}" | wc -l)" -lt ${n} ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done; ls "${dir}" | wc -l`;

describe('spawn addon hardening', function () {
  this.timeout(30_000);
  let addon: SpawnAddon;
  let previousCap: number;
  before(function () {
    addon = requireAddon(this);
    previousCap = addon.queueState().maxThreads;
  });
  afterEach(() => {
    // The cap is process-wide: every test leaves it as it found it.
    if (addon) addon.setMaxThreads(previousCap);
  });

  it('speaks the ABI the TypeScript expects, with a default cap of 32 threads and nothing queued', async () => {
    for (let i = 0; i < 200 && addon.queueState().threads > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(addon.abiVersion, ADDON_ABI_VERSION);
    assert.equal(ADDON_ABI_VERSION, 4);
    assert.deepEqual(addon.queueState(), { threads: 0, queued: 0, maxThreads: 32 });
  });

  it('runs at most maxThreads children at once; the rest wait their turn in order', async () => {
    assert.equal(addon.setMaxThreads(1), 32);
    const pending = [spawnSh(addon, TIMED), spawnSh(addon, TIMED), spawnSh(addon, TIMED)];
    const state = addon.queueState();
    assert.equal(state.threads, 1);
    assert.ok(state.queued >= 2 && state.queued <= 3, JSON.stringify(state));
    const results = await Promise.all(pending);
    const spans = results.map((r) => r.stdout.toString().trim().split('\n').map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i]![0] >= spans[i - 1]![1], `child ${i} started before child ${i - 1} ended: ${spans.join(' | ')}`);
    }
    // The worker ends after delivering its last result: wait (bounded) for it to go.
    for (let i = 0; i < 200 && addon.queueState().threads > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(addon.queueState(), { threads: 0, queued: 0, maxThreads: 1 });
  });

  it('a raised cap starts threads for the calls already waiting', async () => {
    addon.setMaxThreads(1);
    const dir = mkdtempSync(path.join(tmpdir(), 'kcp-meet-'));
    try {
      const pending = [spawnSh(addon, meeting(dir, 3)), spawnSh(addon, meeting(dir, 3)), spawnSh(addon, meeting(dir, 3))];
      assert.equal(addon.setMaxThreads(3), 1);
      assert.equal(addon.queueState().threads, 3);
      // All three ran side by side: each saw the other two arrive before it ended.
      const seen = (await Promise.all(pending)).map((r) => r.stdout.toString().trim());
      assert.deepEqual(seen, ['3', '3', '3']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lowered cap holds as soon as running children finish: the threads over it end instead of taking more', async () => {
    addon.setMaxThreads(2);
    const pending = [spawnSh(addon, TIMED), spawnSh(addon, TIMED), spawnSh(addon, TIMED), spawnSh(addon, TIMED)];
    assert.equal(addon.setMaxThreads(1), 2);
    const spans = (await Promise.all(pending)).map((r) => r.stdout.toString().trim().split('\n').map(BigInt) as [bigint, bigint]);
    // Whether the second thread had taken a call before the cap fell is a race; the last two never run side by side.
    assert.ok(spans[3]![0] >= spans[2]![1], `the last two overlapped under a cap of 1: ${spans.join(' | ')}`);
  });

  it('refuses a cap outside 1..1024 with a RangeError and keeps the old one', () => {
    for (const bad of [0, 1025, 1.5, -1, Number.NaN]) {
      assert.throws(() => addon.setMaxThreads(bad), { name: 'RangeError', message: 'setMaxThreads(n): n must be an integer from 1 to 1024' });
    }
    assert.equal(addon.queueState().maxThreads, previousCap);
  });

  it('a callback that throws never reaches the event loop as an uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const spy = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', spy);
    try {
      await new Promise<void>((resolve) => {
        addon.spawn(Buffer.from('/bin/true'), [Buffer.from('/bin/true')], [], null, 5000, 1024, () => {
          setImmediate(resolve);
          throw new Error('thrown inside the spawn callback');
        });
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(uncaught, []);
    } finally {
      process.removeListener('uncaughtException', spy);
    }
  });

  it('a missing working folder is reported as such (step chdir), not as a missing pp_cli', async () => {
    const missing = path.join(tmpdir(), `kcp-no-such-folder-${process.pid}`);
    const raw = await spawnSh(addon, 'pwd', missing);
    assert.deepEqual(raw.spawnError, { code: 'ENOENT', errno: 2, syscall: 'chdir' });
    const outcome = await nativeRunner().run({ file: '/bin/pwd', args: [], cwd: missing, timeoutMs: 5000 });
    assert.deepEqual(outcome.spawnError, {
      code: 'ENOENT',
      message: `/bin/pwd could not be started in ${missing} (ENOENT): the working folder does not exist. Fix: create the folder or pass an existing one as cwd`,
    });
    const notDir = await nativeRunner().run({ file: '/bin/pwd', args: [], cwd: '/etc/passwd', timeoutMs: 5000 });
    assert.equal(notDir.spawnError?.code, 'ENOTDIR');
    assert.match(notDir.spawnError!.message, /the working folder is not a folder/);
    const ok = await spawnSh(addon, 'pwd', '/tmp');
    assert.equal(ok.stdout.toString(), '/tmp\n');
  });

  it('the step decides the message: exec steps keep the file advice, set-up steps name the step and the limit', () => {
    assert.equal(spawnErrorMessage('ENOENT', '/x/pp_cli', 'posix_spawn'), spawnErrorMessage('ENOENT', '/x/pp_cli'));
    assert.equal(spawnErrorMessage('ENOENT', '/x/pp_cli', 'execve'), spawnErrorMessage('ENOENT', '/x/pp_cli'));
    assert.equal(
      spawnErrorMessage('EMFILE', '/x/pp_cli', 'pipe2'),
      '/x/pp_cli could not be started: pipe2 failed (EMFILE). Fix: the process ran out of file descriptors: raise its limit (ulimit -n) or look for a descriptor leak',
    );
    assert.equal(
      spawnErrorMessage('EAGAIN', '/x/pp_cli', 'std::thread'),
      '/x/pp_cli could not be started: std::thread failed (EAGAIN). Fix: the system refused a new thread or process: check memory, ulimit -u and the number of processes',
    );
  });

  describe('NativeRunner over an addon that fails (a stub with the addon\'s shape)', () => {
    const stub = (spawn: SpawnAddon['spawn']): SpawnAddon => ({
      abiVersion: ADDON_ABI_VERSION,
      spawn,
      setMaxThreads: () => 32,
      queueState: () => ({ threads: 0, queued: 0, maxThreads: 32 }),
    });
    const inv = { file: '/opt/kcp/bin/pp_cli', args: [Buffer.from('-h')], timeoutMs: 1000 };

    it('a refused spawn thread keeps its errno (ENOMEM here), not a blanket EAGAIN', async () => {
      const runner = new NativeRunner(
        stub(() => {
          throw Object.assign(new Error('could not start a spawn thread (ENOMEM): Resource temporarily unavailable'), { code: 'ENOMEM', errno: 12, syscall: 'std::thread' });
        }),
      );
      const outcome = await runner.run(inv);
      assert.deepEqual(outcome.spawnError, { code: 'ENOMEM', message: spawnErrorMessage('ENOMEM', inv.file, 'std::thread') });
    });

    it('any other throw is a bug and rejects with it, unchanged', async () => {
      const bug = new TypeError('spawn(file, argv, env, cwd, timeoutMs, maxOutput, callback, stdoutFd?)');
      const runner = new NativeRunner(
        stub(() => {
          throw bug;
        }),
      );
      await assert.rejects(runner.run(inv), (err) => err === bug);
    });

    it('a result that never arrived is an unknown outcome (the child ran), never a spawn error', async () => {
      const runner = new NativeRunner(stub((_f, _a, _e, _c, _t, _m, callback) => callback(undefined as unknown as NativeSpawnResult)));
      const outcome = await runner.run(inv);
      assert.equal(outcome.spawnError, undefined);
      assert.equal(outcome.exitCode, null);
      assert.equal(outcome.stdout.length, 0);
      assert.equal(outcome.stderr.toString(), "kcp-payplus: the native addon could not deliver the child's result (no result object)\n");
    });

    it('a result that throws while being read is the same unknown outcome, not an exception in the callback', async () => {
      const broken = new Proxy({} as NativeSpawnResult, {
        get(_t, key) {
          throw new Error(`cannot read ${String(key)}`);
        },
      });
      const runner = new NativeRunner(stub((_f, _a, _e, _c, _t, _m, callback) => callback(broken)));
      const outcome = await runner.run(inv);
      assert.equal(outcome.spawnError, undefined);
      assert.equal(outcome.stderr.toString(), "kcp-payplus: the native addon could not deliver the child's result (cannot read spawnError)\n");
    });
  });

  it('exports only the N-API entry points (hidden visibility): no kcp:: or Napi:: symbol', function () {
    requireCompiler(this);
    const out = execFileSync('nm', ['-D', '--defined-only', '-C', defaultAddonPath()], { encoding: 'utf8' });
    const names = out.trim().split('\n').map((line) => line.replace(/^[0-9a-f]+ \S /, ''));
    // libstdc++ declares namespace std with default visibility, so its template instantiations stay exported.
    assert.deepEqual(names.filter((n) => !/\bstd::/.test(n)).sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });
});

describe('spawn.cc without Node (a C++ harness built on demand)', function () {
  this.timeout(120_000);
  let dir: string;
  let harness = '';
  before(function () {
    requireCompiler(this);
    dir = mkdtempSync(path.join(tmpdir(), 'kcp-spawn-harness-'));
    const addonDir = path.join(ROOT, 'native/addon');
    const main = path.join(ROOT, 'test/fixtures/runner/spawn_harness.cc');
    harness = path.join(dir, 'harness');
    execFileSync('g++', ['-std=c++17', '-O1', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', '-iquote', addonDir, '-o', harness, main, path.join(addonDir, 'spawn.cc')], { stdio: 'inherit' });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One run through the harness: "<errno name or -> <step or -> <exit code> [<stdout>]". */
  const run = (file: string, cwd: string, ...argv: string[]) => execFileSync(harness, [file, cwd, ...argv], { encoding: 'utf8' });

  it('runs in the working folder, with umask 077, default signals, an empty mask and only fds 0-2', () => {
    assert.equal(run('/bin/pwd', '/tmp', 'pwd'), '- - 0 [/tmp\n]\n');
    const status = run('/bin/sh', '/tmp', 'sh', '-c', 'umask; grep -E "^Sig(Blk|Ign)" /proc/self/status; ls /proc/self/fd');
    const [, mask, blocked, ignored, fds] = /^- - 0 \[(\d+)\nSigBlk:\t([0-9a-f]{16})\nSigIgn:\t([0-9a-f]{16})\n([\s\S]*)\]\n$/.exec(status) ?? [];
    assert.equal(mask, '0077', status);
    assert.equal(blocked, '0000000000000000', status);
    assert.equal(BigInt(`0x${ignored}`) & 0x7fffffffn, 0n);
    assert.equal(fds, '0\n1\n2\n3\n'); // 3 is ls's own listing of /proc/self/fd
  });

  it('closes a descriptor the parent inherited without close-on-exec', () => {
    // The shell opens fd 47 without O_CLOEXEC and execs the harness, which inherits it; its child must not.
    const out = execFileSync('/bin/bash', ['-c', 'exec "$0" /bin/ls "" ls /proc/self/fd 47</etc/hostname', harness], { encoding: 'utf8' });
    assert.equal(out, '- - 0 [0\n1\n2\n3\n]\n');
  });

  it('a missing folder is chdir/ENOENT, a file is chdir/ENOTDIR, a missing program is an exec ENOENT', () => {
    assert.equal(run('/bin/pwd', '/nonexistent-kcp', 'pwd'), 'ENOENT chdir 0 []\n');
    assert.equal(run('/bin/pwd', '/etc/passwd', 'pwd'), 'ENOTDIR chdir 0 []\n');
    assert.equal(run('/nonexistent-kcp/pp_cli', '/tmp', 'pp_cli'), 'ENOENT execve 0 []\n');
    assert.equal(run('/etc/passwd', '', 'x'), 'EACCES execve 0 []\n');
  });
});
