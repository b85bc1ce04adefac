/** Builds the default logger from a SiteConf: g_conf_log_dir (or <home>/log), g_conf_log_level and the retention. */
import type { SiteConfData } from '../config/site-conf.js';
import { createFileLogger, type FileLogger, type FileLoggerOptions } from './file-logger.js';
import { logDirsOf } from './paths.js';

export function createSiteLogger(
  conf: Pick<SiteConfData, 'homeDir' | 'logDir' | 'logLevel'> & Partial<Pick<SiteConfData, 'logRetentionDays' | 'prunePpCliLogs'>>,
  options: Omit<FileLoggerOptions, 'dir' | 'level'> & Partial<Pick<FileLoggerOptions, 'dir' | 'level'>> = {},
): FileLogger {
  return createFileLogger({
    retentionDays: conf.logRetentionDays,
    pruneModuleLogs: conf.prunePpCliLogs,
    ...options,
    dir: options.dir ?? logDirsOf(conf)[0],
    level: options.level ?? conf.logLevel,
  });
}
