/**
 * The execa runner: the fallback when the native addon is not built or not wanted.
 *
 * Node hands every argument to the OS as UTF-8 (a Buffer argument is stringified, and bytes that are
 * not UTF-8 become U+FFFD), so this runner cannot carry EUC-KR: it accepts only arguments that are
 * valid UTF-8 and refuses the rest with a clear error instead of sending garbled text to pp_cli.
 * Callers send non-ASCII values as UTF-8 with opt=1 when argvEncoding is 'utf-8'.
 *
 * Node starts programs with execvp, which runs a file the kernel refuses with ENOEXEC (foreign
 * architecture, truncated binary) through /bin/sh instead (exit 126/127 and a shell message), where
 * the addon's execve reports ENOEXEC; we recognise that case so both runners report it as spawnError ENOEXEC.
 *
 * Output is collected here, not by execa's maxBuffer, because execa stops the child when the buffer
 * fills; the Runner contract is "keep running, drop bytes past the cap".
 *
 * Like the native runner, the child gets nothing of this process but its arguments, environment and three standard
 * streams, and a private umask:
 * - Descriptors: Node marks its own descriptors close-on-exec, but not the ones this process inherited from whoever
 *   started it (a supervisor's socket, a shell's redirection) or that native code opened without O_CLOEXEC; libuv hands
 *   those to every child. Node cannot close or flag a descriptor in the child, so each such descriptor (found in
 *   /proc/self/fdinfo at the first start, and checked again before each) is replaced in the child by /dev/null through
 *   the stdio array: pp_cli can reach nothing through it. (The native runner closes them outright in the child,
 *   close_range from 3, whenever they were opened.) A descriptor native code opens without O_CLOEXEC after the first
 *   start is not seen. execa handles every stdio entry up to the highest such descriptor: one inherited at fd 251 made
 *   a call 2–4× slower on the shared test machine (none inherited: no cost).
 * - umask 077, so pp_cli creates its log (and month folder) 0600/0700. Node has no per-child umask; the start is
 *   synchronous (libuv forks and execs inside execa()), so the umask is set for exactly that call on the main thread
 *   and put back at once. Meanwhile another thread creating a file gets 077 too: a narrower mode, never a wider
 *   one. In a worker thread Node refuses umask changes; there pp_cli keeps the process's umask (one warning says so),
 *   while the SDK's own folders stay 0700 (log/private-files.ts). The native runner sets it in the child only.
 */
import { isUtf8 } from 'node:buffer';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { isMainThread } from 'node:worker_threads';
import { execa } from 'execa';
import { KcpInputError } from '../errors.js';
import { childEnv, spawnFailure, validateInvocation } from './native.js';
import { withStdoutFile } from './stdout-file.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type ArgvEncoding, type Invocation, type RunOutcome, type Runner } from './types.js';

/** Decodes one argument, refusing bytes that Node would silently replace. */
function utf8Arg(arg: Uint8Array, i: number): string {
  if (!isUtf8(arg)) {
    throw new KcpInputError(
      `Invocation.args[${i}] is not valid UTF-8 (EUC-KR bytes?): the execa runner can pass only UTF-8, because Node ` +
        're-encodes every argument as UTF-8. Fix: send non-ASCII values as UTF-8 with opt=1, or use the native runner, ' +
        'which carries EUC-KR bytes unchanged (install g++, make and python3, then run `npm rebuild kcp-payplus`).',
      { field: `invocation.args[${i}]` },
    );
  }
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
}

const SHEBANG = Buffer.from('#!');
/** Exit statuses of /bin/sh for "cannot execute" (126) and "not found" (127). */
const SHELL_FALLBACK_EXITS = new Set([126, 127]);

/**
 * True when execvp's /bin/sh fallback ran `file` (the kernel said ENOEXEC): sh exits 126 or 127 and
 * its message starts with the script path, and the file does not start with `#!` (a #! file is
 * exec'd by the kernel, never by the fallback). Checked only for exit 126/127, so normal runs pay nothing.
 */
async function ranThroughShellFallback(file: string, exitCode: number | undefined, stdout: Buffer, stderr: Buffer): Promise<boolean> {
  if (exitCode === undefined || !SHELL_FALLBACK_EXITS.has(exitCode) || stdout.length > 0) return false;
  if (!stderr.subarray(0, Buffer.byteLength(file) + 2).equals(Buffer.from(`${file}: `))) return false;
  let handle;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return !head.subarray(0, bytesRead).equals(SHEBANG);
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

interface Capture {
  bytes(): Buffer;
  readonly truncated: boolean;
}

/** Keeps the first `cap` bytes of a stream and keeps draining it so the child never blocks. */
function capture(stream: Readable | null | undefined, cap: number): Capture {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  stream?.on('data', (chunk: Buffer) => {
    const take = Math.min(cap - size, chunk.length);
    if (take > 0) {
      chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      size += take;
    }
    if (take < chunk.length) truncated = true;
  });
  return {
    bytes: () => Buffer.concat(chunks, size),
    get truncated() {
      return truncated;
    },
  };
}

/** The umask pp_cli starts with: its log and folders are its user's alone (0600 / 0700). */
export const CHILD_UMASK = 0o077;
const O_CLOEXEC = 0o2000000;

/** True when `fd` is open without close-on-exec (/proc/self/fdinfo), so a child would inherit it. */
function isInheritable(fd: number): boolean {
  let info: string;
  try {
    info = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
  } catch {
    return false; // closed meanwhile, or no /proc
  }
  const flags = /^flags:\s*([0-7]+)/m.exec(info);
  return flags !== null && (parseInt(flags[1]!, 8) & O_CLOEXEC) === 0;
}

/**
 * The descriptors from 3 up that a child of this process would inherit (no close-on-exec flag), from /proc/self/fdinfo;
 * [] where there is no /proc. One read per open descriptor.
 */
export function inheritableDescriptors(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fdinfo');
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((fd) => Number.isInteger(fd) && fd >= 3 && isInheritable(fd))
    .sort((a, b) => a - b);
}

/**
 * Node opens every descriptor of its own close-on-exec, so the inheritable ones are those the process inherited when it
 * started (or that native code opened without O_CLOEXEC). They are found with one full scan, at the first start, and
 * only those are checked again at later starts: a server with thousands of open sockets does not read thousands of
 * /proc files per payment.
 */
let inheritedAtFirstStart: number[] | undefined;
function leakedDescriptors(): number[] {
  inheritedAtFirstStart ??= inheritableDescriptors();
  return inheritedAtFirstStart.filter(isInheritable);
}

let devNull: number | undefined;
/** One /dev/null descriptor of ours (close-on-exec, as Node opens every file), put in place of inherited ones in the child. */
function devNullFd(): number {
  devNull ??= openSync('/dev/null', 'r');
  return devNull;
}

/** stdin ignored, stdout to `stdout`, stderr a pipe, and /dev/null over every descriptor the child would inherit. */
export function childStdio(stdout: number | 'pipe'): Array<'ignore' | 'pipe' | number> {
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', stdout, 'pipe'];
  for (const fd of leakedDescriptors()) {
    if (fd === stdout) continue;
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = devNullFd();
  }
  return stdio;
}

let warnedWorkerUmask = false;
/** Runs the synchronous start under CHILD_UMASK (main thread), or as is in a worker thread, where Node refuses it. */
function withChildUmask<T>(start: () => T): T {
  if (!isMainThread) {
    if (!warnedWorkerUmask) {
      warnedWorkerUmask = true;
      process.emitWarning(
        "kcp-payplus: the execa runner cannot give pp_cli a private umask in a worker thread (Node refuses process.umask there), so pp_cli's log takes the process's umask. Fix: run payments on the main thread, or build the native runner (npm rebuild kcp-payplus).",
      );
    }
    return start();
  }
  const previous = process.umask(CHILD_UMASK);
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}

/** How long the pipes may stay open after the child exited (a grandchild holding them) before we stop reading. */
const PIPE_GRACE_MS = 100;

export class ExecaRunner implements Runner {
  readonly name = 'execa';
  readonly argvEncoding: ArgvEncoding = 'utf-8';
  readonly durableOutput = true;

  async run(inv: Invocation): Promise<RunOutcome> {
    validateInvocation(inv);
    const args = inv.args.map(utf8Arg);
    return withStdoutFile(inv, (stdoutFd) => this.start(inv, args, stdoutFd));
  }

  /**
   * The timeout is ours, not execa's: execa waits for the pipes to close, and a grandchild that inherited them (a
   * module that forks) would hold the call far past the deadline. We kill the child at the deadline and settle once it
   * has exited and its pipes closed, or PIPE_GRACE_MS after it exited, whichever comes first.
   */
  private async start(inv: Invocation, args: string[], stdoutFd: number | undefined): Promise<RunOutcome> {
    const cap = inv.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const started = performance.now();
    const subprocess = withChildUmask(() =>
      execa(inv.file, args, {
        shell: false,
        reject: false,
        encoding: 'buffer',
        buffer: false,
        // An fd number is a valid stdout (no stream is created); execa's overloads cannot type the union.
        stdio: childStdio(stdoutFd ?? 'pipe') as ['ignore', 'pipe', 'pipe'],
        env: { ...childEnv(inv) },
        extendEnv: false,
        cwd: inv.cwd,
        stripFinalNewline: false,
      }),
    );
    const stdout = capture(subprocess.stdout, cap);
    const stderr = capture(subprocess.stderr, cap);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      subprocess.kill('SIGKILL');
    }, inv.timeoutMs);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const exitedThenGrace = new Promise<'grace'>((resolve) => {
      subprocess.once('exit', (code, signal) => {
        exited = { code, signal };
        setTimeout(() => resolve('grace'), PIPE_GRACE_MS).unref();
      });
    });
    const first = await Promise.race([subprocess, exitedThenGrace]);
    clearTimeout(timer);
    const durationMs = performance.now() - started;
    if (first === 'grace') {
      // The child is gone but something still holds its pipes: keep what arrived, stop waiting.
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
      subprocess.catch(() => undefined);
      return {
        exitCode: exited?.code ?? null,
        signal: exited?.signal ?? null,
        stdout: stdout.bytes(),
        stderr: stderr.bytes(),
        timedOut,
        durationMs,
        outputTruncated: stdout.truncated || stderr.truncated,
      };
    }
    const result = first;
    const code = (result as { code?: unknown }).code;
    if (result.exitCode === undefined && result.signal === undefined && !timedOut) {
      return spawnFailure(typeof code === 'string' ? code : 'EUNKNOWN', inv.file, durationMs);
    }
    const out = stdout.bytes();
    const err = stderr.bytes();
    if (await ranThroughShellFallback(inv.file, result.exitCode, out, err)) return spawnFailure('ENOEXEC', inv.file, durationMs);
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout: out,
      stderr: err,
      timedOut,
      durationMs,
      outputTruncated: stdout.truncated || stderr.truncated,
    };
  }
}
