/**
 * A minimal child_process Runner for tests and the cassette recorder (no shell). Node passes every argument as
 * UTF-8, hence argvEncoding 'utf-8': non-ASCII values must travel with opt=1.
 */
import { spawn } from 'node:child_process';
import type { Invocation, RunOutcome, Runner } from '../../../lib/runner/types.js';

export class SpawnRunner implements Runner {
  readonly name = 'spawn';
  readonly argvEncoding = 'utf-8' as const;

  constructor(private readonly extraEnv: Readonly<Record<string, string>> = {}) {}

  run(invocation: Invocation): Promise<RunOutcome> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(invocation.file, invocation.args.map((a) => a.toString('utf8')), {
        env: { ...(invocation.env ?? { PATH: '/usr/bin:/bin' }), ...this.extraEnv },
        cwd: invocation.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, invocation.timeoutMs);
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({
          exitCode: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false,
          durationMs: Date.now() - started, spawnError: { code: e.code ?? 'UNKNOWN', message: e.message },
        });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          exitCode: code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut,
          durationMs: Date.now() - started,
        });
      });
    });
  }
}
