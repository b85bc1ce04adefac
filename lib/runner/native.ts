/**
 * The native runner: argv bytes reach the child untouched (EUC-KR survives), the process is started
 * with vfork + execve on a thread of its own (umask 077, descriptors from 3 up closed; native/addon/spawn.cc), so a
 * big heap never stalls the event loop on fork().
 *
 * The C++ side (native/addon) trusts its inputs; this module checks every value first, so a bad
 * invocation fails here with a KcpInputError that names the field, instead of as a cut or garbled
 * argument inside pp_cli. The checks and the spawn-error wording are shared with the execa runner.
 */
import { KcpConfigError, KcpInputError } from '../errors.js';
import type { NativeSpawnResult, SpawnAddon } from './addon-loader.js';
import { withStdoutFile } from './stdout-file.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type ArgvEncoding, type Invocation, type RunOutcome, type Runner } from './types.js';

/** The environment a child gets when the invocation gives none: enough to run, nothing to leak. */
export const MINIMAL_ENV: Readonly<Record<string, string>> = Object.freeze({ PATH: '/usr/bin:/bin', LANG: 'C' });

/**
 * How much lower than this process pp_cli runs on the CPU, by default: niceness +5 (Linux weight 335 against 1024).
 * The event loop answers every buyer, this payment's included, while pp_cli spends its life waiting on KCP's network;
 * when the cores are full, the loop should get them first. At +5 a child still gets its share (a third of a busy
 * loop's), so it is slowed, never starved, and on an idle host nothing changes. Measured on 2 cores with a 2 GB heap
 * and 4 cancels in flight (bench/RESULTS.md, 2026-12-05): the event loop's p99 lateness about 1.9-2.4 ms at +0,
 * 1.2-1.7 ms at +5. 0 turns it off.
 */
export const DEFAULT_CHILD_NICE = 5;

/** childNice must be a whole number from 0 to 19: without privileges a niceness can only be raised, up to 19. */
export function assertChildNice(value: unknown): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 19) return;
  throw new KcpConfigError(
    `childNice: ${String(value)} is not a niceness increment. Fix: pass a whole number from 0 (pp_cli at this process's priority) to 19; the default is ${DEFAULT_CHILD_NICE}.`,
    { field: 'childNice' },
  );
}

export interface NativeRunnerOptions {
  /** Added to pp_cli's niceness (0-19); default DEFAULT_CHILD_NICE. */
  childNice?: number;
}

/** Largest accepted timeout: what poll() and setTimeout take (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2_147_483_647;
/** Largest accepted per-stream output cap (pp_cli answers in a few hundred bytes). */
export const MAX_OUTPUT_CAP_BYTES = 256 * 1024 * 1024;

function refuse(field: string, problem: string, fix: string): never {
  throw new KcpInputError(`Invocation.${field} ${problem}. Fix: ${fix}.`, { field: `invocation.${field}` });
}

function checkText(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) refuse(field, 'must be a non-empty string', `pass a ${field}`);
  if (value.includes('\0')) refuse(field, 'contains a NUL character', `remove the NUL from ${field}`);
}

/**
 * Frozen environments already checked (MINIMAL_ENV on every payment), with their `name=value` bytes as the addon takes
 * them: a frozen object cannot change, so both are made once.
 */
const checkedFrozenEnvs = new WeakMap<object, Buffer[]>();

const envBytes = (env: Readonly<Record<string, string>>): Buffer[] =>
  Object.entries(env).map(([name, value]) => Buffer.from(`${name}=${value}`, 'utf8'));

function checkEnv(env: Readonly<Record<string, string>>): void {
  if (checkedFrozenEnvs.has(env)) return;
  for (const [name, value] of Object.entries(env)) {
    if (name.length === 0 || name.includes('=') || name.includes('\0'))
      refuse(`env[${JSON.stringify(name)}]`, 'is not a valid variable name', 'use a name without "=" or NUL');
    if (typeof value !== 'string' || value.includes('\0'))
      refuse(`env.${name}`, 'must be a string without NUL', `fix the value of ${name}`);
  }
  if (typeof env === 'object' && Object.isFrozen(env)) checkedFrozenEnvs.set(env, envBytes(env));
}

/**
 * Throws KcpInputError for anything that cannot be passed to a process faithfully: a NUL byte
 * (C strings end there, so pp_cli would see a cut value), a bad env name, an out-of-range number.
 */
export function validateInvocation(inv: Invocation): void {
  checkText('file', inv.file);
  if (!Array.isArray(inv.args)) refuse('args', 'must be an array of Buffers', 'pass argv[1..] as Buffers');
  inv.args.forEach((arg, i) => {
    if (!(arg instanceof Uint8Array)) refuse(`args[${i}]`, 'is not a Buffer', 'encode the argument to bytes first');
    const nul = arg.indexOf(0);
    if (nul >= 0)
      refuse(`args[${i}]`, `contains a NUL byte at offset ${nul}, where the C argument would end`, 'remove the NUL from the value');
  });
  checkEnv(childEnv(inv));
  if (inv.cwd !== undefined) checkText('cwd', inv.cwd);
  if (inv.stdoutFile !== undefined) checkText('stdoutFile', inv.stdoutFile);
  if (!Number.isInteger(inv.timeoutMs) || inv.timeoutMs < 1 || inv.timeoutMs > MAX_TIMEOUT_MS)
    refuse('timeoutMs', `must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${String(inv.timeoutMs)}`, 'pass a timeout in milliseconds');
  const cap = inv.maxOutputBytes;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1 || cap > MAX_OUTPUT_CAP_BYTES))
    refuse('maxOutputBytes', `must be an integer from 1 to ${MAX_OUTPUT_CAP_BYTES}, got ${String(cap)}`, 'pass a byte count or leave it out');
}

/** The environment to give the child: the invocation's, or MINIMAL_ENV. */
export function childEnv(inv: Invocation): Readonly<Record<string, string>> {
  return inv.env ?? MINIMAL_ENV;
}

/**
 * What to do when `file` could not be started, per errno code: the one table (the protocol's 9502 error and the
 * runners' spawn-error message both use it). pp_cli-specific where the cause usually is (docs/pp-cli-protocol.md §2.5,
 * the manual's 9502 FAQ).
 */
export function spawnErrorFix(code: string, file: string): string {
  switch (code) {
    case 'ENOENT':
      return (
        `the module (or its interpreter/loader) was not found at ${file}: check g_conf_home_dir (the folder above bin/) ` +
        `and that bin/pp_cli was uploaded; a #! line pointing nowhere, or a binary for another architecture (a 32-bit ` +
        `pp_cli on a 64-bit server without the 32-bit loader), fails this way too: use the build for this machine ` +
        `(uname -m), e.g. pp_cli_x64`
      );
    case 'EACCES':
      return `${file} is not executable: chmod 755 ${file} (and check the folder permissions and noexec mounts)`;
    case 'ENOEXEC':
      return (
        `${file} is not a program this machine can run: it may be damaged by an ASCII-mode upload, truncated, built for ` +
        `another architecture, or a script without a #! line; upload it again in binary mode, or use the build for this ` +
        `machine (uname -m), e.g. pp_cli_x64`
      );
    default:
      return `check the file, its permissions and the system's process limits; run 'kcp-payplus doctor'`;
  }
}

/**
 * The steps at which a failure means "this file cannot be executed" (the messages below); others name the step.
 * 'execve' is the addon's, 'spawn' Node's; 'posix_spawn' is kept for results recorded by earlier addon builds.
 */
const EXEC_STEPS: ReadonlySet<string> = new Set(['posix_spawn', 'execve', 'spawn']);

/**
 * A message that says what went wrong starting `file` and how to fix it, per errno code. `step` is the call that
 * failed when the runner knows it (the addon reports it): a missing working folder (`chdir`) or a process limit
 * (`pipe2`, `vfork`, `std::thread`) is not a problem with the file, and the message says so.
 */
export function spawnErrorMessage(code: string, file: string, step?: string, cwd?: string): string {
  if (step === 'chdir') {
    return (
      `${file} could not be started in ${cwd ?? 'its working folder'} (${code}): the working folder ` +
      `${code === 'ENOTDIR' ? 'is not a folder' : code === 'EACCES' ? 'is not searchable' : 'does not exist'}. ` +
      `Fix: create the folder or pass an existing one as cwd`
    );
  }
  if (step !== undefined && !EXEC_STEPS.has(step)) {
    const limits =
      code === 'EMFILE' || code === 'ENFILE'
        ? 'the process ran out of file descriptors: raise its limit (ulimit -n) or look for a descriptor leak'
        : code === 'EAGAIN' || code === 'ENOMEM'
          ? 'the system refused a new thread or process: check memory, ulimit -u and the number of processes'
          : 'check the system\'s process and descriptor limits';
    return `${file} could not be started: ${step} failed (${code}). Fix: ${limits}`;
  }
  return `${file} could not be started (${code}). Fix: ${spawnErrorFix(code, file)}`;
}

/** An outcome for a process that never started (`step`, `cwd`: see spawnErrorMessage). */
export function spawnFailure(code: string, file: string, durationMs: number, step?: string, cwd?: string): RunOutcome {
  return {
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    timedOut: false,
    durationMs,
    spawnError: { code, message: spawnErrorMessage(code, file, step, cwd) },
    outputTruncated: false,
  };
}

/**
 * The child ran but its result never reached JS (the addon could not build it, or reading it threw). Nothing is
 * known about what pp_cli did: no exit code, no answer, so interpretOutcome reports the outcome as unknown.
 */
export function lostResult(reason: string): RunOutcome {
  return {
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from(`kcp-payplus: the native addon could not deliver the child's result (${reason})\n`, 'utf8'),
    timedOut: false,
    durationMs: 0,
    outputTruncated: false,
  };
}

/** An error the addon threw because the OS refused a spawn thread: it carries the errno's name. */
function isThreadError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && (err as { syscall?: unknown }).syscall === 'std::thread' && typeof (err as { code?: unknown }).code === 'string';
}

/** The environment as the addon takes it (it copies the bytes, so a checked frozen env's one list serves every call). */
function envEntries(env: Readonly<Record<string, string>>): Buffer[] {
  return checkedFrozenEnvs.get(env) ?? envBytes(env);
}

function toOutcome(r: NativeSpawnResult | undefined, inv: Invocation): RunOutcome {
  if (r === undefined) return lostResult('no result object');
  if (r.spawnError) return spawnFailure(r.spawnError.code, inv.file, r.durationMs, r.spawnError.syscall, inv.cwd);
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    timedOut: r.timedOut,
    durationMs: r.durationMs,
    outputTruncated: r.outputTruncated,
  };
}

export class NativeRunner implements Runner {
  readonly name = 'native';
  readonly argvEncoding: ArgvEncoding = 'euc-kr';
  readonly durableOutput = true;

  private readonly childNice: number;

  /** `addon` comes from loadAddon() (addon-loader.ts); selectRunner() does that for you. */
  constructor(
    private readonly addon: SpawnAddon,
    options: NativeRunnerOptions = {},
  ) {
    const childNice = options.childNice === undefined ? DEFAULT_CHILD_NICE : options.childNice;
    assertChildNice(childNice);
    this.childNice = childNice;
  }

  async run(inv: Invocation): Promise<RunOutcome> {
    validateInvocation(inv);
    const file = Buffer.from(inv.file, 'utf8');
    const argv = [file, ...inv.args.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))];
    const cwd = inv.cwd === undefined ? null : Buffer.from(inv.cwd, 'utf8');
    const cap = inv.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return withStdoutFile(inv, (stdoutFd) =>
      new Promise<RunOutcome>((resolve, reject) => {
        // Called from the addon's thread-safe callback: it must never throw (the addon would drop the error).
        const deliver = (r: NativeSpawnResult | undefined): void => {
          try {
            resolve(toOutcome(r, inv));
          } catch (err) {
            resolve(lostResult(err instanceof Error ? err.message : String(err)));
          }
        };
        try {
          this.addon.spawn(file, argv, envEntries(childEnv(inv)), cwd, inv.timeoutMs, cap, deliver, stdoutFd, this.childNice);
        } catch (err) {
          // The OS refused a spawn thread (its errno, not a guess); anything else is a bug worth its own stack.
          if (isThreadError(err)) resolve(spawnFailure(err.code, inv.file, 0, 'std::thread'));
          else reject(err);
        }
      }),
    );
  }
}
