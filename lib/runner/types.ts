/**
 * The seam between "what to run" and "how a process is started".
 * Nothing above a Runner knows how pp_cli is spawned; nothing in a Runner knows what a payment is.
 */

/** One execution of the vendor module. */
export interface Invocation {
  /** Absolute path of the executable (never run through a shell). */
  file: string;
  /** argv[1..] as raw bytes. argv[0] is `file`. */
  args: readonly Buffer[];
  /** Environment as name → value. Undefined means the runner passes a minimal safe environment. */
  env?: Readonly<Record<string, string>>;
  /** Kill the process (SIGKILL) after this many milliseconds. */
  timeoutMs: number;
  /** Cap per stream; bytes past it are dropped and `outputTruncated` is set. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Working directory; defaults to the runner's current directory. */
  cwd?: string;
  /**
   * Send the child's stdout into this new file (created 0600; it must not exist) instead of a pipe, and read the
   * outcome's stdout back from it. The module's answer then survives the death of this process (see stdout-file.ts).
   */
  stdoutFile?: string;
}

/** What happened, as data. A spawn failure is an outcome too, never a thrown error. */
export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
  durationMs: number;
  /** Set when the process never started: ENOENT, EACCES, ENOEXEC, ... */
  spawnError?: { code: string; message: string };
  outputTruncated?: boolean;
}

/** How non-ASCII text reaches pp_cli through this runner. */
export type ArgvEncoding = 'euc-kr' | 'utf-8';

export interface Runner {
  /** 'native', 'execa', 'replay', 'record', ... */
  readonly name: string;
  /**
   * 'euc-kr' when the runner delivers argv bytes untouched (native addon, replay);
   * 'utf-8' when the platform re-encodes every argument as UTF-8 (execa/child_process),
   * in which case non-ASCII values must travel with opt=1.
   */
  readonly argvEncoding: ArgvEncoding;
  /**
   * True when the runner honours Invocation.stdoutFile (the file exists from just before the child starts and holds
   * its stdout). Recovery trusts "no file, nothing in the module's log" as "never ran" only from such a runner.
   */
  readonly durableOutput?: boolean;
  run(invocation: Invocation): Promise<RunOutcome>;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
