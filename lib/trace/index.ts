/** Transaction tracing across pp_cli's logs (v2.00 and v2.14, EUC-KR) and the SDK's JSON-lines logs. */
export { traceTransaction } from './trace.js';
export type { TraceOptions } from './trace.js';
export { findTransaction, groupRuns } from './find.js';
export { listLogFiles, readLogFile } from './collect.js';
export type { LogFile } from './collect.js';
export { decodeLogFile, decodeLogLine, parsePpCliLine, resultFields, bracketFields, stepOf } from './pp-cli-log.js';
export { parseSdkLine } from './sdk-log.js';
export { formatStory, storyJson, describeEntry, eventTypeOf, formatTime } from './story.js';
export type { TraceEntry, TraceQueryResult, TraceRun, TraceSource } from './types.js';
export { attemptsOf, MAX_OPEN_ATTEMPTS } from './attempts.js';
