/**
 * Picks the runner once, at startup: native when the addon loads (EUC-KR argv, no fork on the
 * event-loop thread), otherwise execa with the reason why. KCP_PAYPLUS_RUNNER=native|execa forces
 * one; forcing native when it cannot load is an install problem and throws, because silently
 * falling back would change how Korean text reaches pp_cli.
 */
import { KcpConfigError, KcpModuleError } from '../errors.js';
import { silentLogger, type PayplusLogger } from '../log/types.js';
import { loadAddon } from './addon-loader.js';
import { ExecaRunner } from './execa.js';
import { assertChildNice, NativeRunner } from './native.js';
import { cassetteRunner, processCassette } from './replay.js';
import type { Runner } from './types.js';

/** Which runner to pick when not given one: 'auto' (native when the addon loads, else execa), 'native', 'execa'. */
export type RunnerChoice = 'auto' | 'native' | 'execa';

/** The environment variable that overrides the `runner` option. */
export const RUNNER_ENV = 'KCP_PAYPLUS_RUNNER';

export interface SelectRunnerOptions {
  runner?: RunnerChoice;
  logger?: PayplusLogger;
  /** Where KCP_PAYPLUS_RUNNER is read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Addon file to load; default build/Release/kcp_payplus_spawn.node under the package root. */
  addonPath?: string;
  /** The native runner's NativeRunnerOptions.childNice (pp_cli's niceness above this process's; default 5). */
  childNice?: number;
}

export interface RunnerSelection {
  runner: Runner;
  /** Why this runner: shown in logs and by `kcp-payplus doctor`. */
  reason: string;
}

const CHOICES: readonly RunnerChoice[] = ['auto', 'native', 'execa'];
const FIX = 'install g++, make and python3, then run `npm rebuild kcp-payplus`';

/** The effective choice and who made it (the environment wins over the option). */
function resolveChoice(opts: SelectRunnerOptions): { choice: RunnerChoice; source: string } {
  const fromEnv = (opts.env ?? process.env)[RUNNER_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!CHOICES.includes(fromEnv as RunnerChoice)) {
      throw new KcpConfigError(`${RUNNER_ENV}=${JSON.stringify(fromEnv)} is not a runner. Fix: set it to native, execa or auto, or unset it.`, {
        field: RUNNER_ENV,
      });
    }
    if (fromEnv !== 'auto') return { choice: fromEnv as RunnerChoice, source: `${RUNNER_ENV}=${fromEnv}` };
  }
  const choice = opts.runner ?? 'auto';
  if (!CHOICES.includes(choice)) {
    throw new KcpConfigError(`runner ${JSON.stringify(choice)} is not a runner. Fix: pass 'auto', 'native' or 'execa'.`, { field: 'runner' });
  }
  return { choice, source: `runner: '${choice}'` };
}

function choose(opts: SelectRunnerOptions): RunnerSelection {
  const { choice, source } = resolveChoice(opts);
  if (opts.childNice !== undefined) assertChildNice(opts.childNice); // refused on the execa runner too, not ignored
  if (choice === 'execa') return { runner: new ExecaRunner(), reason: `${source} requested the execa runner` };
  const load = loadAddon(opts.addonPath);
  if (load.ok) return { runner: new NativeRunner(load.addon, { childNice: opts.childNice }), reason: `native addon loaded from ${load.path}` };
  if (choice === 'native') {
    throw new KcpModuleError(`${source} requires the native runner, but ${load.reason}. Fix: ${FIX}.`, {
      field: source.startsWith(RUNNER_ENV) ? RUNNER_ENV : 'runner',
    });
  }
  return {
    runner: new ExecaRunner(),
    reason: `${load.reason}; using execa (non-ASCII arguments travel as UTF-8 with opt=1). To use the native runner: ${FIX}`,
  };
}

/**
 * Chooses a runner and logs the choice at level 2 (`runner.selected`). Environment variables never turn on replay or
 * recording here: only `kcp-payplus record` does, for the command it runs (processCassette()). A replay in any other
 * process is an explicit `new ReplayRunner(path)` passed as the runner.
 */
export function selectRunner(opts: SelectRunnerOptions = {}): RunnerSelection {
  const chosen = choose(opts);
  const cassette = processCassette();
  const selection = cassette
    ? { runner: cassetteRunner(chosen.runner, cassette), reason: `${chosen.reason}; kcp-payplus record: cassette ${cassette.path} (${cassette.mode})` }
    : chosen;
  (opts.logger ?? silentLogger).log({
    level: 2,
    event: 'runner.selected',
    fields: { runner: selection.runner.name, reason: selection.reason },
  });
  return selection;
}
