/**
 * Finds and loads the spawn addon (build/Release/kcp_payplus_spawn.node) without ever throwing:
 * a missing or broken addon is a normal state (no compiler at install time), so the caller gets the
 * reason as data and picks the execa runner instead. Importing this module loads nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The JS-visible shape of native/addon/addon.cc. */
export interface NativeSpawnResult {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
  outputTruncated: boolean;
  durationMs: number;
  /** The process never started: the errno's name and the step that failed ("chdir", "pipe2", "vfork", "execve", …). */
  spawnError?: { code: string; errno: number; syscall: string };
}

export interface SpawnAddon {
  readonly abiVersion: number;
  spawn(
    file: Buffer,
    argv: Buffer[],
    env: Buffer[],
    cwd: Buffer | null,
    timeoutMs: number,
    maxOutput: number,
    callback: (result: NativeSpawnResult) => void,
    /** An open file the child's stdout is dup2'ed to instead of a pipe (Invocation.stdoutFile). */
    stdoutFd?: number,
    /** Added to the child's niceness before exec (0-19; NativeRunnerOptions.childNice). */
    niceIncrement?: number,
  ): void;
  /**
   * The cap on concurrent spawn threads (default 32, 1–1024): calls beyond it wait in a FIFO queue and start as
   * a thread frees up; a call's timeout counts from its child's start. Process-wide; returns the previous cap.
   */
  setMaxThreads(n: number): number;
  /** Spawn threads (running a call, or idle for up to 100 ms waiting for the next), calls waiting for one, and the cap. */
  queueState(): SpawnQueueState;
}

export interface SpawnQueueState {
  threads: number;
  queued: number;
  maxThreads: number;
}

export type AddonLoad = { ok: true; addon: SpawnAddon; path: string } | { ok: false; reason: string; path: string };

/** The addon ABI this TypeScript speaks (kAbiVersion in addon.cc). */
export const ADDON_ABI_VERSION = 4;
export const ADDON_RELATIVE_PATH = join('build', 'Release', 'kcp_payplus_spawn.node');
/** Where binding.gyp puts the stand-in pp_cli. */
export const STANDIN_RELATIVE_PATH = join('build', 'Release', 'pp_cli_standin');

let root: string | undefined;

/**
 * The package root: the nearest folder above this module whose package.json is kcp-payplus's.
 * Walking up makes the same code work from lib/runner (tsx) and dist/lib/runner (compiled).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === 'kcp-payplus') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`kcp-payplus: no package.json named kcp-payplus above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** Absolute path of the built addon. */
export function defaultAddonPath(): string {
  return join(packageRoot(), ADDON_RELATIVE_PATH);
}

const cache = new Map<string, AddonLoad>();

/** Loads the addon at `path` (default: the built one) once; later calls return the same answer. */
export function loadAddon(path?: string): AddonLoad {
  if (path === undefined) {
    try {
      path = defaultAddonPath();
    } catch (err) {
      // Bundled into one file, say: there is no package folder to find the addon in.
      return { ok: false, path: ADDON_RELATIVE_PATH, reason: `native addon not found: ${(err as Error).message}` };
    }
  }
  let load = cache.get(path);
  if (load === undefined) {
    load = tryLoad(path);
    cache.set(path, load);
  }
  return load;
}

function tryLoad(path: string): AddonLoad {
  if (!existsSync(path)) return { ok: false, path, reason: `native addon not built: ${path} does not exist` };
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, path, reason: `native addon at ${path} does not load: ${detail}` };
  }
  const addon = mod as Partial<SpawnAddon>;
  if (typeof addon.spawn !== 'function' || addon.abiVersion !== ADDON_ABI_VERSION) {
    return {
      ok: false,
      path,
      reason: `native addon at ${path} is from another version (abiVersion ${String(addon.abiVersion)}, expected ${ADDON_ABI_VERSION})`,
    };
  }
  return { ok: true, path, addon: addon as SpawnAddon };
}
