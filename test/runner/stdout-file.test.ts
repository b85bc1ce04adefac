/**
 * Invocation.stdoutFile through both real runners: the child's stdout lands in the file (0600) and in the outcome, a
 * module that outlives its caller still writes its answer there, a process that never started leaves no file, and
 * the execa runner keeps its timeout when a grandchild holds the pipes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAddon } from '../../lib/runner/addon-loader.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { NativeRunner } from '../../lib/runner/native.js';
import type { Runner } from '../../lib/runner/types.js';

const US = '\x1f';
const addon = loadAddon();

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const runners: Array<[string, () => Runner]> = [
  ['native', () => {
    if (!addon.ok) throw new Error(`the native addon is not built (${addon.reason}); run npm rebuild (g++, make, python3)`);
    return new NativeRunner(addon.addon);
  }],
  ['execa', () => new ExecaRunner()],
];

for (const [name, make] of runners) {
  describe(`Invocation.stdoutFile (${name} runner)`, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-out-'));
    });

    it('sends stdout into the new file (0600) and reads it back into the outcome', async () => {
      const file = script(dir, 'pp_cli', `printf 'res_cd=0000${US}res_msg=ok\\n'; echo oops >&2`);
      const out = path.join(dir, 'answers', 'a1.out');
      const outcome = await make().run({ file, args: [Buffer.from('-h')], timeoutMs: 5000, stdoutFile: out });
      assert.equal(outcome.stdout.toString(), `res_cd=0000${US}res_msg=ok\n`);
      assert.equal(outcome.stderr.toString(), 'oops\n');
      assert.equal(readFileSync(out, 'utf8'), `res_cd=0000${US}res_msg=ok\n`);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      assert.equal(statSync(path.dirname(out)).mode & 0o777, 0o700);
    });

    it('refuses to reuse a file: one file per attempt', async () => {
      const file = script(dir, 'pp_cli', 'echo x');
      const out = path.join(dir, 'taken.out');
      writeFileSync(out, 'earlier');
      await assert.rejects(make().run({ file, args: [], timeoutMs: 5000, stdoutFile: out }), { code: 'EEXIST' });
      assert.equal(readFileSync(out, 'utf8'), 'earlier');
    });

    it('leaves no file when the module never started, so "no file" means "never ran"', async () => {
      const out = path.join(dir, 'none.out');
      const outcome = await make().run({ file: path.join(dir, 'missing'), args: [], timeoutMs: 5000, stdoutFile: out });
      assert.equal(outcome.spawnError?.code, 'ENOENT');
      assert.equal(existsSync(out), false);
    });

    it('marks output past the cap as truncated while the file keeps all of it', async () => {
      const file = script(dir, 'pp_cli', `head -c 3000 /dev/zero | tr '\\0' x; printf '\\nres_cd=0000${US}res_msg=ok\\n'`);
      const out = path.join(dir, 'big.out');
      const outcome = await make().run({ file, args: [], timeoutMs: 5000, stdoutFile: out, maxOutputBytes: 1000 });
      assert.equal(outcome.outputTruncated, true);
      assert.equal(outcome.stdout.length, 1000);
      assert.equal(readFileSync(out, 'utf8').endsWith(`res_cd=0000${US}res_msg=ok\n`), true);
    });
  });
}

describe('a module outlives the process that started it (kill -9) and still writes its answer', () => {
  it('the answer is in the stdout file after the caller died', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-outlive-'));
    const file = script(dir, 'pp_cli', `sleep 0.4; printf 'res_cd=0000${US}res_msg=ok${US}tno=20261128000009\\n'`);
    const out = path.join(dir, 'a.out');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `
        import('${path.resolve('lib/runner/select.ts')}').then(async ({ selectRunner }) => {
          const { runner } = selectRunner({ runner: 'auto' });
          void runner.run({ file: ${JSON.stringify(file)}, args: [], timeoutMs: 10000, stdoutFile: ${JSON.stringify(out)} });
          setTimeout(() => process.stdout.write('started\\n'), 100);
        });`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(readFileSync(out, 'utf8'), `res_cd=0000${US}res_msg=ok${US}tno=20261128000009\n`);
  });
});

describe('the execa runner keeps its timeout when a grandchild holds the pipes', () => {
  it('answers at the timeout, not when the grandchild lets go', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-grand-'));
    const file = script(dir, 'pp_cli', '(sleep 20) &\nsleep 20');
    const started = Date.now();
    const outcome = await new ExecaRunner().run({ file, args: [], timeoutMs: 300 });
    const took = Date.now() - started;
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.signal, 'SIGKILL');
    assert.ok(took < 3000, `took ${took} ms (the grandchild sleeps 20 s)`);
  });

  it('returns as soon as the child exits, even when a grandchild keeps stderr open', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-grand-'));
    const file = script(dir, 'pp_cli', `printf 'res_cd=0000${US}res_msg=ok\\n'\n(sleep 20 >&2) &\nexit 0`);
    const started = Date.now();
    const outcome = await new ExecaRunner().run({ file, args: [], timeoutMs: 10_000 });
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.stdout.toString(), `res_cd=0000${US}res_msg=ok\n`);
    assert.ok(Date.now() - started < 3000);
  });
});
