/**
 * Children never outlive their test. Every test that starts a process (and anything that process starts) does so
 * through `children().spawn(…)`: the child gets a process group of its own, and the root hooks
 * (test/helpers/hooks.ts) kill each group with SIGKILL when the test ends — passed, failed or killed by its
 * timeout — and wait until no process of the group is left. A process that serves several tests of a block comes
 * from `blockScope(name)`, closed by the block's `after` hook; one started in a `before` hook without a block scope
 * belongs to the hooks' scope and ends with the run. The same kill runs again when mocha exits, as a last net.
 *
 * A test that times out keeps running in the background (mocha cannot stop a promise). Its scope is closed by then:
 * `spawn` refuses (TestEndedError) and `scope.ended` says so, so loops that start processes stop instead of
 * starting new ones into the next test.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams, type SpawnOptions, type SpawnOptionsWithoutStdio } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export class TestEndedError extends Error {
  constructor(owner: string) {
    super(`the test "${owner}" has ended (passed, failed or timed out): it may not start processes any more`);
    this.name = 'TestEndedError';
  }
}

/** Pids of live (not zombie) processes in process group `pgid`, read from /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so read after the last ')'
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** True while `pid` runs (a zombie has ended). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started (clock ticks after boot); undefined when gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Kills group `pgid` unless its number now belongs to someone else: a group id is never handed out again while a
 * member lives, so the only reuse is a new leader with the same pid and another start time (the machine is shared).
 */
function killGroup(pgid: number, started: string | undefined): void {
  const now = startTime(pgid);
  if (now !== undefined && now !== started) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty already
  }
}

export class ChildScope {
  /** pgid → the leader's start time */
  readonly #groups = new Map<number, string | undefined>();
  readonly #procs = new Set<ChildProcess>();
  readonly #abort = new AbortController();

  constructor(readonly owner: string) {}

  /** True once the test (or the hooks' scope) has ended. */
  get ended(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Aborted when the scope ends: hand it to loops and waits. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** child_process.spawn in a process group of its own, killed with the scope. */
  spawn(file: string, args: readonly string[], options?: SpawnOptionsWithoutStdio): ChildProcessWithoutNullStreams;
  spawn(file: string, args: readonly string[], options: SpawnOptions): ChildProcess;
  spawn(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    if (this.ended) throw new TestEndedError(this.owner);
    const proc = spawn(file, args, { ...options, detached: true });
    if (proc.pid !== undefined) this.#groups.set(proc.pid, startTime(proc.pid));
    this.#procs.add(proc);
    proc.once('exit', () => this.#procs.delete(proc));
    proc.once('error', () => this.#procs.delete(proc));
    return proc;
  }

  /** The process groups started so far (for a test's own checks). */
  get groups(): number[] {
    return [...this.#groups.keys()];
  }

  /** Synchronous kill of every group (the exit net; no waiting). */
  killNow(): void {
    this.#abort.abort();
    for (const [pgid, started] of this.#groups) killGroup(pgid, started);
  }

  /** Ends the scope: kills every group and waits (bounded) until none of their processes is left. */
  async close(): Promise<string[]> {
    this.killNow();
    const leftovers: string[] = [];
    for (const [pgid, started] of this.#groups) {
      let members = groupMembers(pgid);
      for (let i = 0; i < 250 && members.length > 0; i++) {
        killGroup(pgid, started);
        await new Promise((r) => setTimeout(r, 20));
        members = groupMembers(pgid);
      }
      if (members.length > 0) leftovers.push(`group ${pgid}: ${members.join(', ')}`);
    }
    // The direct children are reaped by node once their exit is noticed; wait for that too, so nothing is a zombie.
    for (let i = 0; i < 250 && this.#procs.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    this.#groups.clear();
    return leftovers;
  }
}

/** The scope of the hooks outside any test (before/after): closed when the run ends. */
export const hooksScope = new ChildScope('before/after hooks');
let current: ChildScope = hooksScope;
const all = new Set<ChildScope>([hooksScope]);

/**
 * The scope of the running test (or of the hooks when no test runs). Take it once at the start of the test and
 * keep it: code that runs on after a timeout then still talks to its own, closed, scope.
 */
export function children(): ChildScope {
  return current;
}

/**
 * For processes that serve several tests of one describe block (an app under test): call it in the describe body;
 * the scope is closed (its processes killed) by an `after` hook of that block.
 */
export function blockScope(name: string): ChildScope {
  const scope = new ChildScope(name);
  all.add(scope);
  after(async () => {
    const leftovers = await scope.close();
    all.delete(scope);
    if (leftovers.length > 0) throw new Error(`processes of "${name}" survived SIGKILL: ${leftovers.join('; ')}`);
  });
  return scope;
}

/** For the root hooks: a test starts. */
export function openTestScope(title: string): ChildScope {
  current = new ChildScope(title);
  all.add(current);
  return current;
}

/** For the root hooks: the test ended; kills what it started. */
export async function closeTestScope(): Promise<string[]> {
  const scope = current;
  current = hooksScope;
  if (scope === hooksScope) return [];
  all.delete(scope);
  return scope.close();
}

/** Last net when the process ends: every group any scope started is killed (synchronously). */
export function killEverything(): void {
  for (const scope of all) scope.killNow();
}
