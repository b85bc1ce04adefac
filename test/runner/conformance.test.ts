/**
 * Both runners against the same argv-recording fake: identical bytes for ASCII requests, the
 * documented difference for Korean text, and the same data for timeouts, spawn errors and caps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KcpInputError } from '../../lib/errors.js';
import { ExecaRunner, spawnErrorMessage } from '../../lib/runner/index.js';
import type { Invocation, RunOutcome, Runner } from '../../lib/runner/index.js';
import { buildFixtures, childrenNamed, FAKE_NAME, removeFixtures, type Fixtures } from '../fixtures/runner/fake.js';
import { nativeRunner, requireCompiler } from '../helpers/native.js';

/** argv as the fake records it: each argument followed by a NUL byte. */
function recorded(...args: Buffer[]): Buffer {
  return Buffer.concat(args.flatMap((a) => [a, Buffer.from([0])]));
}

const US = '\x1f';
const RS = '\x1e';
/** An ASCII approval request in the real `-h` shape (site key is a dummy, never a real one). */
const ASCII_OPTION = Buffer.from(
  'home=/opt/payplus,site_cd=T0000,site_key=0000000000000000000000__,tx_cd=00100000,' +
    'pa_url=testpaygw.kcp.co.kr,pa_port=8090,ordr_idxx=TEST20240101000001,' +
    `payx_data=common=amount=1004${US}currency=410${US}${RS},ordr_data=,trace_no=T0000ABCDEF,log_level=3,opt=`,
  'latin1',
);
/** 결과 처리 오류 */
const KOREAN_EUC_KR = Buffer.from('b0e1b0fa20c3b3b8ae20bfc0b7f9', 'hex');
const KOREAN_UTF8 = Buffer.from('eab2b0eab3bc20ecb298eba6ac20ec98a4eba598', 'hex');

const RUNNERS: Array<{ name: string; make: () => Runner }> = [
  { name: 'native', make: () => nativeRunner() },
  { name: 'execa', make: () => new ExecaRunner() },
];

function spawnFailed(outcome: RunOutcome, code: string, file: string): void {
  assert.deepEqual(outcome.spawnError, { code, message: spawnErrorMessage(code, file) });
  assert.equal(outcome.exitCode, null);
  assert.equal(outcome.signal, null);
  assert.equal(outcome.timedOut, false);
  assert.equal(outcome.stdout.length, 0);
}

describe('runner conformance', function () {
  let fx: Fixtures;
  before(function () {
    requireCompiler(this);
    fx = buildFixtures();
  });
  after(() => removeFixtures(fx));

  const call = (runner: Runner, args: Buffer[], extra: Partial<Invocation> = {}) =>
    runner.run({ file: fx.fake, args, timeoutMs: 5000, ...extra });

  it('gives the fake byte-identical argv for an ASCII -h request (native = execa)', async () => {
    const [native, execa] = [nativeRunner(), new ExecaRunner()];
    const args = [Buffer.from('-h'), ASCII_OPTION];
    const a = await call(native, args);
    const b = await call(execa, args);
    assert.deepEqual(a.stdout, recorded(...args));
    assert.deepEqual(b.stdout, a.stdout);
    assert.equal(a.exitCode, 0);
    assert.equal(b.exitCode, 0);
  });

  it('native delivers EUC-KR bytes exactly; execa delivers UTF-8', async () => {
    const euc = Buffer.concat([Buffer.from('res_msg='), KOREAN_EUC_KR]);
    const utf = Buffer.concat([Buffer.from('res_msg='), KOREAN_UTF8]);
    assert.deepEqual((await call(nativeRunner(), [Buffer.from('-h'), euc])).stdout, recorded(Buffer.from('-h'), euc));
    assert.deepEqual((await call(new ExecaRunner(), [Buffer.from('-h'), utf])).stdout, recorded(Buffer.from('-h'), utf));
  });

  it('execa in a worker thread, where Node refuses umask changes: runs with the process umask and says so once', async () => {
    const entry = new URL('../fixtures/runner/execa-in-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { fake: fx.fake } });
    const seen = await new Promise<{ umasks: string[]; warnings: string[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const mask = process.umask(0o022);
    process.umask(mask);
    assert.deepEqual(seen.umasks, [mask.toString(8).padStart(3, '0'), mask.toString(8).padStart(3, '0')]);
    assert.deepEqual(seen.warnings, [
      "kcp-payplus: the execa runner cannot give pp_cli a private umask in a worker thread (Node refuses process.umask there), so pp_cli's log takes the process's umask. Fix: run payments on the main thread, or build the native runner (npm rebuild kcp-payplus).",
    ]);
  });

  it('execa refuses EUC-KR bytes and points at opt=1 or the native runner', async () => {
    const euc = Buffer.concat([Buffer.from('res_msg='), KOREAN_EUC_KR]);
    await assert.rejects(call(new ExecaRunner(), [Buffer.from('-h'), euc]), (err: unknown) => {
      assert.ok(err instanceof KcpInputError);
      assert.equal(err.code, 'input_invalid');
      assert.equal(err.field, 'invocation.args[1]');
      assert.equal(
        err.message,
        'Invocation.args[1] is not valid UTF-8 (EUC-KR bytes?): the execa runner can pass only UTF-8, because Node ' +
          're-encodes every argument as UTF-8. Fix: send non-ASCII values as UTF-8 with opt=1, or use the native runner, ' +
          'which carries EUC-KR bytes unchanged (install g++, make and python3, then run `npm rebuild kcp-payplus`).',
      );
      return true;
    });
  });

  for (const { name, make } of RUNNERS) {
    describe(name, () => {
      it('reports argvEncoding', () => {
        assert.equal(make().argvEncoding, name === 'native' ? 'euc-kr' : 'utf-8');
        assert.equal(make().name, name);
      });

      it('passes a minimal environment when none is given, and exactly the given one otherwise', async () => {
        const runner = make();
        const dflt = await call(runner, [Buffer.from('--env')]);
        assert.deepEqual(dflt.stdout, recorded(Buffer.from('PATH=/usr/bin:/bin'), Buffer.from('LANG=C')));
        const given = await call(runner, [Buffer.from('--env')], { env: { KCP_A: '1', LANG: 'ko_KR.eucKR' } });
        assert.deepEqual(given.stdout, recorded(Buffer.from('KCP_A=1'), Buffer.from('LANG=ko_KR.eucKR')));
      });

      it('reads an environment object again on every call unless it is frozen', async () => {
        const runner = make();
        const env: Record<string, string> = { KCP_A: '1' };
        await call(runner, [Buffer.from('--env')], { env });
        env.KCP_A = '2';
        env.KCP_B = '3';
        const changed = await call(runner, [Buffer.from('--env')], { env });
        assert.deepEqual(changed.stdout, recorded(Buffer.from('KCP_A=2'), Buffer.from('KCP_B=3')));
        const frozen = Object.freeze({ KCP_C: '4' });
        for (let i = 0; i < 2; i++) {
          const again = await call(runner, [Buffer.from('--env')], { env: frozen });
          assert.deepEqual(again.stdout, recorded(Buffer.from('KCP_C=4')));
        }
        const bad = Object.freeze({ KCP_D: 'a\0b' });
        for (let i = 0; i < 2; i++) {
          await assert.rejects(call(runner, [Buffer.from('--env')], { env: bad }), {
            name: 'KcpInputError',
            message: 'Invocation.env.KCP_D must be a string without NUL. Fix: fix the value of KCP_D.',
          });
        }
      });

      it('runs in the given cwd', async () => {
        const outcome = await call(make(), [Buffer.from('--cwd')], { cwd: fx.dir });
        assert.equal(outcome.stdout.toString(), fx.dir);
      });

      it('starts the child with umask 077, so the files it creates (pp_cli\'s log) are 0600', async () => {
        const runner = make();
        const readUmask = (): number => {
          const mask = process.umask(0o022);
          process.umask(mask);
          return mask;
        };
        const before = readUmask();
        const umask = await call(runner, [Buffer.from('--umask')]);
        assert.equal(umask.stdout.toString(), '077');
        const dir = mkdtempSync(path.join(tmpdir(), 'kcp-umask-'));
        try {
          const file = path.join(dir, '01_pp_cli.log');
          const touched = await call(runner, [Buffer.from('--touch'), Buffer.from(file)]);
          assert.equal(touched.stdout.toString(), 'ok');
          assert.equal(statSync(file).mode & 0o7777, 0o600);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        assert.equal(readUmask(), before, "this process's umask is left as it was");
      });

      it('hands the child no descriptor this process inherited without close-on-exec (fd 47 from a shell)', () => {
        // A process started by bash with fd 47 open on /etc/hostname runs the fake through this runner.
        const out = execFileSync(
          '/bin/bash',
          ['-c', 'exec "$0" --import tsx test/fixtures/runner/fds-child.ts "$1" "$2" 47</etc/hostname', process.execPath, name, fx.fake],
          { encoding: 'utf8', timeout: 30_000 },
        );
        const seen = JSON.parse(out) as { inheritable: boolean; fds: string };
        assert.equal(seen.inheritable, true, 'the precondition: fd 47 is inheritable in that process');
        const lines = seen.fds.split('\n').filter((l) => l !== '');
        assert.ok(!lines.some((l) => l.endsWith(' /etc/hostname')), seen.fds);
        const at47 = lines.find((l) => l.startsWith('47 '));
        // native: closed; execa: Node cannot close it in the child, so /dev/null stands in its place.
        assert.equal(at47, name === 'native' ? undefined : '47 /dev/null', seen.fds);
      });

      it('reports the exit code and both streams', async () => {
        const outcome = await call(make(), [Buffer.from('--exit'), Buffer.from('116')]);
        assert.equal(outcome.exitCode, 116);
        assert.equal(outcome.signal, null);
        assert.equal(outcome.timedOut, false);
        assert.equal(outcome.stdout.length, 0);
        assert.equal(outcome.stderr.toString(), 'bye');
        assert.equal(outcome.spawnError, undefined);
        assert.equal(outcome.outputTruncated, false);
      });

      it('kills on timeout with SIGKILL and leaves no zombie', async () => {
        const outcome = await call(make(), [Buffer.from('--sleep'), Buffer.from('30000')], { timeoutMs: 300 });
        assert.equal(outcome.timedOut, true);
        assert.equal(outcome.signal, 'SIGKILL');
        assert.equal(outcome.exitCode, null);
        assert.equal(outcome.stdout.length, 0);
        assert.deepEqual(childrenNamed(FAKE_NAME), []);
      });

      it('reports a missing binary as spawnError ENOENT', async () => {
        spawnFailed(await make().run({ file: fx.missing, args: [], timeoutMs: 2000 }), 'ENOENT', fx.missing);
      });

      it('reports a non-executable file as spawnError EACCES with the chmod fix', async () => {
        const outcome = await make().run({ file: fx.notExecutable, args: [], timeoutMs: 2000 });
        spawnFailed(outcome, 'EACCES', fx.notExecutable);
        assert.match(outcome.spawnError!.message, new RegExp(`Fix: ${fx.notExecutable} is not executable: chmod 755 ${fx.notExecutable} `));
      });

      it('reports a script with a missing interpreter as spawnError ENOENT naming the #! line', async () => {
        const outcome = await make().run({ file: fx.badInterpreter, args: [], timeoutMs: 2000 });
        spawnFailed(outcome, 'ENOENT', fx.badInterpreter);
        assert.match(outcome.spawnError!.message, /a #! line pointing nowhere, or a binary for another architecture .*: use the build for this machine \(uname -m\)/);
      });

      it('reports a file of unknown format (corrupt or foreign ELF) as spawnError ENOEXEC', async () => {
        const outcome = await make().run({ file: fx.badFormat, args: [], timeoutMs: 2000 });
        spawnFailed(outcome, 'ENOEXEC', fx.badFormat);
        assert.match(outcome.spawnError!.message, /Fix: .* is not a program this machine can run: .* use the build for this machine \(uname -m\)/);
      });

      it('caps each stream at maxOutputBytes and sets outputTruncated', async () => {
        const outcome = await call(make(), [Buffer.from('--bytes'), Buffer.from(String(2 * 1024 * 1024))], {
          maxOutputBytes: 1024 * 1024,
        });
        assert.equal(outcome.exitCode, 0);
        assert.equal(outcome.outputTruncated, true);
        assert.deepEqual(outcome.stdout, Buffer.alloc(1024 * 1024, 'x'));
        assert.deepEqual(outcome.stderr, Buffer.alloc(1024 * 1024, 'y'));
      });

      it('does not truncate output that fits', async () => {
        const outcome = await call(make(), [Buffer.from('--bytes'), Buffer.from('1000')], { maxOutputBytes: 1000 });
        assert.equal(outcome.outputTruncated, false);
        assert.equal(outcome.stdout.length, 1000);
      });

      it('refuses a NUL byte inside an argument with KcpInputError', async () => {
        await assert.rejects(call(make(), [Buffer.from('-h'), Buffer.from('a\0b')]), {
          name: 'KcpInputError',
          field: 'invocation.args[1]',
          message:
            'Invocation.args[1] contains a NUL byte at offset 1, where the C argument would end. Fix: remove the NUL from the value.',
        });
      });

      it('refuses a timeout out of range with KcpInputError', async () => {
        await assert.rejects(call(make(), [], { timeoutMs: 0 }), {
          name: 'KcpInputError',
          field: 'invocation.timeoutMs',
          message: 'Invocation.timeoutMs must be an integer from 1 to 2147483647, got 0. Fix: pass a timeout in milliseconds.',
        });
      });
    });
  }
});
