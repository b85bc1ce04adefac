/**
 * What the native tests need, or a clear stop: the spawn addon and a C compiler for the fixtures. Under CI=true a
 * missing one fails the test with the fix (a CI run that silently dropped the native variant would prove nothing);
 * elsewhere the test is skipped and the same words are printed, so a developer without g++ still sees why.
 *
 * KCP_TEST_ADDON_PATH points the tests at another addon file (test/runner/missing-addon.test.ts uses it to prove
 * that a run without the addon fails under CI); production code never reads it.
 */
import { execFileSync } from 'node:child_process';
import { loadAddon, type SpawnAddon } from '../../lib/runner/addon-loader.js';
import { NativeRunner } from '../../lib/runner/native.js';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const ADDON_FIX = 'build it with `node scripts/build-native.mjs` (needs g++, make and python3; `npm rebuild` does the same)';
export const COMPILER_FIX = 'install a C compiler (apt-get install gcc g++) so the test fixtures can be built';

/** Fails under CI, skips elsewhere, with `message` either way. */
function unavailable(ctx: Mocha.Context | undefined, message: string): never {
  if (IN_CI || !ctx) throw new Error(`${message}${IN_CI ? ' (CI=true: a missing prerequisite fails the run)' : ''}`);
  console.warn(`      skipped: ${message}`);
  ctx.skip();
  throw new Error('unreachable: Mocha.Context.skip() throws');
}

/** Root, for tests that mount a tmpfs or enter namespaces (unshare): fails under CI, skips elsewhere, naming the fix. */
export function requireRoot(ctx: Mocha.Context, what: string): void {
  if (process.getuid?.() === 0) return;
  unavailable(ctx, `${what} needs root. Fix: run the tests as root (sudo npm test), as CI does`);
}

/** The addon the tests use (KCP_TEST_ADDON_PATH, or the built one), or a failure/skip that says how to build it. */
export function requireAddon(ctx?: Mocha.Context): SpawnAddon {
  const load = loadAddon(process.env.KCP_TEST_ADDON_PATH || undefined);
  if (load.ok) return load.addon;
  return unavailable(ctx, `the native addon is not available (${load.reason}). Fix: ${ADDON_FIX}`);
}

/** A NativeRunner over requireAddon(). */
export function nativeRunner(ctx?: Mocha.Context): NativeRunner {
  return new NativeRunner(requireAddon(ctx));
}

let compiler: boolean | undefined;

/** Nothing when `cc` runs; else a failure (CI) or a skip that says what to install. */
export function requireCompiler(ctx?: Mocha.Context): void {
  if (compiler === undefined) {
    try {
      execFileSync('cc', ['--version'], { stdio: 'ignore' });
      compiler = true;
    } catch {
      compiler = false;
    }
  }
  if (!compiler) unavailable(ctx, `no C compiler (cc) on PATH. Fix: ${COMPILER_FIX}`);
}
