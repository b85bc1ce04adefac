/** Logging: the PayplusLogger seam, the default file logger, masking, and pp_cli log-level advice. */
export type { LogEvent, LogLevel, PayplusLogger } from './types.js';
export { silentLogger } from './types.js';
export { createFileLogger, toRecord } from './file-logger.js';
export type { FileLogger, FileLoggerOptions, LogRecord } from './file-logger.js';
export { createSiteLogger, type SiteLoggerOptions } from './site-logger.js';
export { consoleHook, consoleLine, createConsoleLogger, type ConsoleLoggerOptions } from './console-logger.js';
export { pruneLogs } from './retention.js';
export type { PruneReport } from './retention.js';
export {
  maskCardNumber,
  maskFields,
  maskMail,
  maskPhone,
  maskString,
  maskText,
  maskValue,
  normalizeName,
  redact,
} from './mask.js';
export {
  PP_CLI_LOG_SUFFIX,
  SDK_LOG_SUFFIX,
  dailyLogPath,
  dateOfLogFile,
  localIsoTime,
  logDirsOf,
  monthFolderName,
} from './paths.js';
export { PP_CLI_LOG_LEVEL_WARNING, recommendPpCliLogLevel } from './pp-cli-level.js';
export type { Bilingual } from './pp-cli-level.js';
export { maskingLogger } from './masking-logger.js';
