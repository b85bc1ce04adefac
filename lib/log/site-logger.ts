/** Builds the default logger from a SiteConf: g_conf_log_dir (or <home>/log), g_conf_log_level and the retention. */
import type { SiteConfData } from '../config/site-conf.js';
import { consoleHook } from './console-logger.js';
import { createFileLogger, type FileLogger, type FileLoggerOptions } from './file-logger.js';
import { logDirsOf } from './paths.js';

export interface SiteLoggerOptions extends Omit<FileLoggerOptions, 'dir' | 'level'>, Partial<Pick<FileLoggerOptions, 'dir' | 'level'>> {
  /**
   * Also print one masked line per request (development): true for stderr, or a function that receives each line.
   * The file log is kept either way.
   */
  console?: boolean | ((line: string) => void);
}

export function createSiteLogger(
  conf: Pick<SiteConfData, 'homeDir' | 'logDir' | 'logLevel'> & Partial<Pick<SiteConfData, 'logRetentionDays' | 'prunePpCliLogs'>>,
  options: SiteLoggerOptions = {},
): FileLogger {
  const { console: toConsole, hook, ...rest } = options;
  const printer = toConsole ? consoleHook(typeof toConsole === 'function' ? toConsole : undefined) : undefined;
  return createFileLogger({
    retentionDays: conf.logRetentionDays,
    pruneModuleLogs: conf.prunePpCliLogs,
    ...rest,
    hook: printer && hook ? (record) => (printer(record), hook(record)) : (printer ?? hook),
    dir: options.dir ?? logDirsOf(conf)[0],
    level: options.level ?? conf.logLevel,
  });
}
