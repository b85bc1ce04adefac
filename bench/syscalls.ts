/**
 * System calls per call, counted with `strace -f -c` (every thread and child included): repeatable on a loaded
 * machine, where times are not. Per-call counts are the difference between a run of LONG and one of SHORT calls,
 * divided by LONG - SHORT, so start-up (Node, tsx, the warm-up) cancels out. futex and epoll_* are left out: how often
 * threads wait on each other depends on timing, not on the work per call.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { OPTION, type Binaries } from './common.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SHORT = 50;
const LONG = 250;
const TIMING_DEPENDENT = /^(futex|epoll_\w+|sched_yield|restart_syscall)$/;
/** Calls on file-system paths and descriptors of files (not pipes or the child's loader, which the C loop has too). */
export const FILE_SYSCALLS = /^(statx|stat|lstat|newfstatat|fstat|openat|open|fchmod|chmod|fsync|fdatasync|mkdir|access|readlink|unlink|rename|getdents64)$/;

export type Counts = Record<string, number>;

/** `strace -c` summary → calls per syscall name. */
export function parseStraceSummary(text: string): Counts {
  const counts: Counts = {};
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 5 || !/^[0-9.]+$/.test(cells[0]!) || !/^[0-9]+$/.test(cells[3]!)) continue;
    const name = cells[cells.length - 1]!;
    if (name === 'total') continue;
    counts[name] = Number(cells[3]);
  }
  return counts;
}

function traced(dir: string, argv: string[]): Counts {
  const out = join(dir, 'strace.txt');
  execFileSync('strace', ['-f', '-c', '-o', out, ...argv], { stdio: 'ignore', maxBuffer: 1 << 20 });
  return parseStraceSummary(readFileSync(out, 'utf8'));
}

function perCall(short: Counts, long: Counts): Counts {
  const out: Counts = {};
  for (const name of new Set([...Object.keys(short), ...Object.keys(long)])) {
    if (TIMING_DEPENDENT.test(name)) continue;
    const d = ((long[name] ?? 0) - (short[name] ?? 0)) / (LONG - SHORT);
    if (Math.abs(d) >= 0.005) out[name] = d;
  }
  return out;
}

export const sum = (c: Counts, only?: RegExp): number => Object.entries(c).reduce((s, [k, v]) => (only && !only.test(k) ? s : s + v), 0);

/** Whether strace runs here (it needs ptrace). */
export function haveStrace(): boolean {
  try {
    execFileSync('strace', ['-f', '-c', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Per-call counts for the facade and the C loop, `repeat` times each. */
export function syscallsPerCall(bin: Binaries, dir: string, repeat: number): { facade: Counts[]; cLoop: Counts[] } {
  const node = (n: number) => [process.execPath, '--import', 'tsx', join(here, 'facade-calls.ts'), dir, String(n)];
  const loop = (n: number) => [bin.loop, bin.stub, String(n), '0', '-h', OPTION.toString('latin1')];
  const facade: Counts[] = [];
  const cLoop: Counts[] = [];
  for (let i = 0; i < repeat; i++) {
    facade.push(perCall(traced(dir, node(SHORT)), traced(dir, node(LONG))));
    cLoop.push(perCall(traced(dir, loop(SHORT)), traced(dir, loop(LONG))));
  }
  return { facade, cLoop };
}
