/**
 * Invocation.stdoutFile through both real runners: the child's stdout lands in the file (0600) and in the outcome, a
 * module that outlives its caller still writes its answer there, a process that never started leaves no file, and
 * the execa runner keeps its timeout when a grandchild holds the pipes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { AnswerSpaceError, answerBytes } from '../../lib/runner/stdout-file.js';
import type { Runner } from '../../lib/runner/types.js';
import { alive, children } from '../helpers/children.js';
import { nativeRunner, requireRoot } from '../helpers/native.js';
import { waitFor } from '../helpers/wait.js';

const US = '\x1f';

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const runners: Array<[string, () => Runner]> = [
  ['native', () => nativeRunner()],
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
    const fifo = path.join(dir, 'go');
    execFileSync('mkfifo', [fifo]);
    // The module says it runs (its pid), then waits for the test's go: no guessing how long anything takes.
    const file = script(dir, 'pp_cli', `echo $$ > ${dir}/module.pid\nread x < ${fifo}\nprintf 'res_cd=0000${US}res_msg=ok${US}tno=20261128000009\\n'`);
    const out = path.join(dir, 'a.out');
    const caller = children().spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `
        import('${path.resolve('lib/runner/select.ts')}').then(async ({ selectRunner }) => {
          const { runner } = selectRunner({ runner: 'auto' });
          void runner.run({ file: ${JSON.stringify(file)}, args: [], timeoutMs: 10000, stdoutFile: ${JSON.stringify(out)} });
        });`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await waitFor(() => existsSync(`${dir}/module.pid`) && readFileSync(`${dir}/module.pid`, 'utf8').endsWith('\n'), 'the module to start');
    const module = Number(readFileSync(`${dir}/module.pid`, 'utf8'));
    const callerGone = new Promise((r) => caller.once('exit', r));
    caller.kill('SIGKILL');
    await callerGone;
    assert.equal(alive(module), true, 'the module runs on after its caller died');
    await writeFile(fifo, 'go\n');
    await waitFor(() => !alive(module), 'the module to finish');
    // The module wrote over the reservation; the reader drops its NUL padding.
    assert.equal(answerBytes(readFileSync(out)).toString(), `res_cd=0000${US}res_msg=ok${US}tno=20261128000009\n`);
  });
});

describe('the execa runner keeps its timeout when a grandchild holds the pipes', () => {
  /** Runs `body` (which starts a grandchild and writes its pid to $GRAND) and kills the grandchild afterwards. */
  async function withGrandchild(body: string, timeoutMs: number) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-grand-'));
    const pidFile = path.join(dir, 'grand.pid');
    const file = script(dir, 'pp_cli', body.replaceAll('$GRAND', pidFile));
    let grandchild: number | undefined;
    try {
      const outcome = await new ExecaRunner().run({ file, args: [], timeoutMs });
      grandchild = Number(readFileSync(pidFile, 'utf8'));
      return { outcome, grandchildAlive: alive(grandchild) };
    } finally {
      grandchild ??= existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
      if (grandchild) {
        try {
          process.kill(grandchild, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }

  it('answers at the timeout, not when the grandchild lets go', async () => {
    const { outcome, grandchildAlive } = await withGrandchild('sleep 600 &\necho $! > $GRAND\nexec sleep 600', 1000);
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.signal, 'SIGKILL');
    assert.equal(grandchildAlive, true, 'the answer came while the grandchild still held the pipes');
  });

  it('returns as soon as the child exits, even when a grandchild keeps stderr open', async () => {
    const { outcome, grandchildAlive } = await withGrandchild(`printf 'res_cd=0000${US}res_msg=ok\\n'\n(sleep 600 >&2) &\necho $! > $GRAND\nexit 0`, 10_000);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.stdout.toString(), `res_cd=0000${US}res_msg=ok\n`);
    assert.equal(grandchildAlive, true, 'the answer came while the grandchild still held stderr');
  });
});

/**
 * A full or read-only disk (a 64 KiB tmpfs, mounted by the test as root): the answer file's space is reserved before
 * the module starts, so a disk that is full already refuses the call typed and before anything runs, and a disk that
 * fills up once the module runs cannot take its answer away.
 */
describe('the answer file on a full or read-only disk (tmpfs)', function () {
  let mnt: string;
  let dir: string;
  before(function () {
    requireRoot(this, 'mounting a tmpfs');
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-disk-'));
    mnt = mkdtempSync(path.join(os.tmpdir(), 'kcp-tmpfs-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt]);
    assert.equal(r.status, 0, String(r.stderr));
  });
  afterEach(() => {
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fills the tmpfs up to the last byte. */
  const fill = () => {
    const r = spawnSync('sh', ['-c', `head -c 1048576 /dev/zero > ${mnt}/fill; true`]);
    assert.equal(r.status, 0);
    assert.throws(() => writeFileSync(path.join(mnt, 'one-more'), 'x'.repeat(8192)), { code: 'ENOSPC' });
  };

  for (const [name, make] of runners) {
    it(`${name}: a full disk refuses before the module starts (AnswerSpaceError ENOSPC), leaving no file`, async () => {
      fill();
      const ran = path.join(dir, 'ran');
      const file = script(dir, 'pp_cli', `touch ${ran}; printf 'res_cd=0000${US}res_msg=ok\\n'`);
      const out = path.join(mnt, 'a.out');
      await assert.rejects(make().run({ file, args: [], timeoutMs: 5000, stdoutFile: out }), (err: unknown) => {
        assert.ok(err instanceof AnswerSpaceError);
        assert.equal(err.errno, 'ENOSPC');
        assert.equal(err.retryable, true);
        assert.equal(err.outcomeKnown, true);
        assert.match(err.message, /Nothing was sent to KCP; free space on /);
        return true;
      });
      assert.equal(existsSync(out), false, 'no file: "no file" keeps meaning "never ran"');
      assert.equal(existsSync(ran), false, 'the module never started');
    });

    it(`${name}: a read-only disk refuses before the module starts (AnswerSpaceError EROFS)`, async () => {
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
      const ran = path.join(dir, 'ran');
      const file = script(dir, 'pp_cli', `touch ${ran}; printf 'res_cd=0000${US}res_msg=ok\\n'`);
      await assert.rejects(make().run({ file, args: [], timeoutMs: 5000, stdoutFile: path.join(mnt, 'answers', 'a.out') }), {
        name: 'AnswerSpaceError',
        errno: 'EROFS',
      });
      assert.equal(existsSync(ran), false);
    });

    it(`${name}: a disk that fills up while the module runs still gets the whole answer`, async () => {
      const answer = `res_cd=0000${US}res_msg=ok${US}tno=20261203000001${US}amount=5000`;
      // The module fills the disk first, then prints its answer into the reserved space.
      const file = script(dir, 'pp_cli', `head -c 1048576 /dev/zero > ${mnt}/fill 2>/dev/null; printf '${answer}\\n'`);
      const out = path.join(mnt, 'a.out');
      const outcome = await make().run({ file, args: [], timeoutMs: 5000, stdoutFile: out });
      assert.equal(outcome.stdout.toString(), `${answer}\n`);
      assert.equal(readFileSync(out, 'utf8'), `${answer}\n`, 'the file holds exactly the answer');
    });
  }
});
