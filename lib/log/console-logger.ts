/**
 * The development console logger: one masked line per pp_cli request (and per automatic cancel, unknown outcome or
 * refused notification), for watching payments go by in a terminal. It works from the records the file logger builds,
 * so it prints exactly what the file keeps, masked the same way; it is meant to run beside the file log KCP wants
 * kept (createSiteLogger(conf, { console: true })), not instead of it.
 */
import { createFileLogger, type FileLogger, type LogRecord } from './file-logger.js';
import type { LogLevel } from './types.js';

const TX_CD: Readonly<Record<string, string>> = {
  '00100000': 'pay',
  '00200000': 'mod',
  '00100500': 'batch',
  '07010000': 'cash',
  '07020000': 'cash-mod',
  '07030000': 'cash-query',
};

/** Events worth a line: the end (or failure) of each request and the outcomes someone must see. */
const SHOWN = new Set([
  'tx.end', 'tx.error', 'payment.auto_cancelled', 'payment.auto_cancel_failed', 'payment.unknown', 'notify.rejected', 'notify.malformed',
  // Steps without a pp_cli request of their own (README "Payment events and metrics"): refusals, exits, duplicates,
  // what waits for a person, and each notification's fate.
  'payment.refused', 'payment.window_exit', 'payment.duplicate', 'payment.commit_overdue', 'payment.late', 'payment.auto_cancel_deferred',
  'payment.recovered', 'notify.received', 'notify.processed', 'notify.duplicate', 'notify.failed',
]);

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The console line for one (already masked) record, or undefined when the record is not shown. */
export function consoleLine(record: LogRecord): string | undefined {
  if (!SHOWN.has(record.event)) return undefined;
  const f = record.fields;
  const time = record.time.slice(11, 23);
  const parts = [`kcp-payplus ${time}`, record.event];
  if (f.tx_cd !== undefined) parts.push(TX_CD[str(f.tx_cd)] ?? `tx_cd=${str(f.tx_cd)}`);
  if (record.ordr_idxx) parts.push(`ordr_idxx=${record.ordr_idxx}`);
  if (record.trace_no) parts.push(`trace_no=${record.trace_no}`);
  if (f.res_cd !== undefined) parts.push(`res_cd=${str(f.res_cd)}`);
  if (f.tno) parts.push(`tno=${str(f.tno)}`);
  if (f.res_msg) parts.push(str(f.res_msg));
  for (const key of ['message', 'reason', 'ip']) if (f[key]) parts.push(`${key}=${str(f[key])}`);
  return parts.join(' ');
}

export interface ConsoleLoggerOptions {
  /** Receives each line (no newline); default: written to process.stderr. */
  write?: (line: string) => void;
  /** Level filter (default 3: every shown event reaches it). */
  level?: LogLevel;
}

/** A logger that only prints console lines (no file). Prefer createSiteLogger(conf, { console: true }) in a shop. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): FileLogger {
  return createFileLogger({ level: options.level ?? 3, file: false, hook: consoleHook(options.write) });
}

/** A file-logger hook that prints console lines. */
export function consoleHook(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): (record: LogRecord) => void {
  return (record) => {
    const line = consoleLine(record);
    if (line !== undefined) write(line);
  };
}
