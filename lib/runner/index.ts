/** The runner layer: how pp_cli is started. See types.ts for the contract. */
export type { ArgvEncoding, Invocation, RunOutcome, Runner } from './types.js';
export { DEFAULT_MAX_OUTPUT_BYTES } from './types.js';
export { NativeRunner, MINIMAL_ENV, validateInvocation, spawnErrorMessage } from './native.js';
export type { NativeRunnerOptions } from './native.js';
export { ExecaRunner } from './execa.js';
export { selectRunner, RUNNER_ENV } from './select.js';
export type { RunnerChoice, RunnerSelection, SelectRunnerOptions } from './select.js';
export { loadAddon, packageRoot, defaultAddonPath, ADDON_RELATIVE_PATH, STANDIN_RELATIVE_PATH } from './addon-loader.js';
export type { AddonLoad, SpawnAddon } from './addon-loader.js';
export {
  RecordingRunner,
} from './record.js';
export { ReplayRunner, cassetteRunner, cassetteRunnerFromEnv, CASSETTE_ENV, CASSETTE_MODE_ENV, CASSETTE_BIND_ENV } from './replay.js';
export type { ReplayOptions } from './replay.js';
export { loadCassette, saveCassette, redactArg, redactOutput, REDACTED } from './cassette.js';
export type { Cassette, CassetteMode } from './cassette.js';
