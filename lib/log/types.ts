/**
 * The logging seam. PayPlus and the runners emit events through a PayplusLogger; the default
 * implementation (lib/log) masks secrets and writes files, and a merchant may pass their own.
 *
 * Levels follow g_conf_log_level: 0 errors and transaction start/end, 1 request summaries,
 * 2 masked request fields and runner choice, 3 masked raw results.
 */
export type LogLevel = 0 | 1 | 2 | 3;

export interface LogEvent {
  level: LogLevel;
  /** Short machine name, e.g. 'tx.start', 'tx.end', 'runner.selected'. */
  event: string;
  traceNo?: string;
  ordrIdxx?: string;
  /** Extra fields. The logger masks them before they leave the process; callers need not. */
  fields?: Readonly<Record<string, unknown>>;
}

export interface PayplusLogger {
  log(event: LogEvent): void;
}

/** A logger that drops everything (the default when none is configured). */
export const silentLogger: PayplusLogger = { log() {} };
