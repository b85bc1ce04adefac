/**
 * Where log files live. pp_cli writes `<log_dir>/YYYYMM/DD_pp_cli.log` (local time); our logger writes
 * `<log_dir>/YYYYMM/DD_kcp-payplus.log` beside it, so one folder and one retention policy cover both and
 * `kcp-payplus trace` finds a transaction's SDK events next to the module's own lines.
 */
import path from 'node:path';

import type { SiteConfData } from '../config/site-conf.js';

export const SDK_LOG_SUFFIX = '_kcp-payplus.log';
export const PP_CLI_LOG_SUFFIX = '_pp_cli.log';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 'YYYYMM' of a date in local time (pp_cli uses localtime() for its folders). */
export function monthFolderName(date: Date): string {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}`;
}

/** `<dir>/YYYYMM/DD<suffix>` for a date in local time. */
export function dailyLogPath(dir: string, date: Date, suffix: string = SDK_LOG_SUFFIX): string {
  return path.join(dir, monthFolderName(date), `${pad(date.getDate())}${suffix}`);
}

/** The last text localIsoTime made, with what it is a function of. */
let lastTime = { ms: NaN, offsetMin: NaN, text: '' };

/** Local wall-clock time with its UTC offset, e.g. 2024-05-01T10:15:30.123+09:00 (sortable and unambiguous). */
export function localIsoTime(date: Date): string {
  const offsetMin = -date.getTimezoneOffset();
  const ms = date.getTime();
  // A payment's log lines mostly fall in one millisecond: the text is a function of the instant and the offset.
  if (ms === lastTime.ms && offsetMin === lastTime.offsetMin) return lastTime.text;
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const text =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  lastTime = { ms, offsetMin, text };
  return text;
}

/**
 * The folders pp_cli may have written to: v2.14 uses g_conf_log_dir (log_path) when set, v2.00 always
 * `<home>/log`. The first entry is where the SDK logger writes.
 */
export function logDirsOf(conf: Pick<SiteConfData, 'homeDir' | 'logDir'>): string[] {
  const homeLog = path.join(conf.homeDir, 'log');
  const dirs = conf.logDir ? [path.resolve(conf.logDir), path.resolve(homeLog)] : [path.resolve(homeLog)];
  return [...new Set(dirs)];
}

/** Parses a `YYYYMM` folder and `DD<suffix>` file name back to a local date, or undefined. */
export function dateOfLogFile(monthFolder: string, fileName: string, suffix: string): Date | undefined {
  const month = /^(\d{4})(\d{2})$/.exec(monthFolder);
  if (!month || !fileName.endsWith(suffix)) return undefined;
  const day = /^(\d{2})$/.exec(fileName.slice(0, -suffix.length));
  if (!day) return undefined;
  const date = new Date(Number(month[1]), Number(month[2]) - 1, Number(day[1]));
  return date.getMonth() === Number(month[2]) - 1 ? date : undefined;
}
