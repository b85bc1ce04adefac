/**
 * kcp-payplus/testing: everything for running payments without KCP. The local simulator (gateway, windows,
 * notifications) and the stand-in pp_cli installer, the runners themselves (for a runner of your own choice or a
 * recording), replay and recording of cassettes, in-memory stores, and KCP's public TEST site.
 * Nothing here belongs in a production code path: a live server uses PayPlus with its default runner.
 */
export * from '../sim/index.js';
export type { ArgvEncoding, Invocation, RunOutcome, Runner } from '../runner/types.js';
export { NativeRunner, type NativeRunnerOptions } from '../runner/native.js';
export { ExecaRunner } from '../runner/execa.js';
export { selectRunner, type RunnerSelection, type SelectRunnerOptions } from '../runner/select.js';
export { loadAddon, type AddonLoad } from '../runner/addon-loader.js';
export { ReplayRunner, cassetteRunner, type CassetteSelection, type ReplayOptions } from '../runner/replay.js';
export { RecordingRunner, type RecordingOptions } from '../runner/record.js';
export { loadCassette, saveCassette, type Cassette, type CassetteMode } from '../runner/cassette.js';
export { MemoryStore } from '../store/memory.js';
export { MemoryNotificationStore } from '../notify/store.js';
export { TEST_SITE_CD, TEST_SITE_KEY } from '../config/site-conf.js';
