/**
 * The stand-in pp_cli for tests: $KCP_STANDIN_BIN when set (e.g. the binding.gyp build), else compiled from
 * native/standin/pp_cli.c into a temp folder keyed by the source hash, so tests always run the current source.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireCompiler } from '../../helpers/native.js';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const STANDIN_SOURCE = join(REPO, 'native/standin/pp_cli.c');

let cached: string | undefined;

export function standinPath(): string {
  if (process.env.KCP_STANDIN_BIN) return process.env.KCP_STANDIN_BIN;
  if (cached) return cached;
  const source = readFileSync(STANDIN_SOURCE);
  const dir = join(tmpdir(), `kcp-standin-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  const bin = join(dir, 'pp_cli');
  if (!existsSync(bin)) {
    requireCompiler(); // no compiler: an error that says what to install, not execFileSync's ENOENT
    mkdirSync(dir, { recursive: true });
    const tmp = `${bin}.${process.pid}`;
    execFileSync('cc', ['-std=c11', '-O2', '-Wall', '-o', tmp, STANDIN_SOURCE]);
    execFileSync('mv', [tmp, bin]);
  }
  cached = bin;
  return bin;
}
