/** Run the stand-in with raw argv bytes where possible (ASCII/UTF-8 through Node), capturing everything. */
import { spawn } from 'node:child_process';

export interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  pid: number;
}

export function runStandin(bin: string, args: string[], env: Record<string, string> = {}, argv0?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'], argv0 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err), pid: child.pid ?? -1 }));
  });
}
