/**
 * Retention: deletes daily log files older than N days and month folders left empty. Only files named
 * like ours (DD_kcp-payplus.log) are touched, plus pp_cli's DD_pp_cli.log when asked; anything else a
 * merchant keeps in the folder is left alone, and so is a month folder that still holds it.
 */
import fs from 'node:fs';
import path from 'node:path';

import { dateOfLogFile, PP_CLI_LOG_SUFFIX, SDK_LOG_SUFFIX } from './paths.js';

export interface PruneReport {
  removedFiles: string[];
  removedFolders: string[];
}

/** Midnight of `now` minus `days` (local time): files dated before it are removed. */
function cutoffOf(now: Date, days: number): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
}

export function pruneLogs(
  dir: string,
  now: Date,
  retentionDays: number,
  options: { includeModuleLogs?: boolean } = {},
): PruneReport {
  const report: PruneReport = { removedFiles: [], removedFolders: [] };
  if (!fs.existsSync(dir)) return report;
  const cutoff = cutoffOf(now, retentionDays);
  const suffixes = options.includeModuleLogs ? [SDK_LOG_SUFFIX, PP_CLI_LOG_SUFFIX] : [SDK_LOG_SUFFIX];
  for (const month of fs.readdirSync(dir).sort()) {
    if (!/^\d{6}$/.test(month)) continue;
    const monthDir = path.join(dir, month);
    if (!fs.statSync(monthDir).isDirectory()) continue;
    for (const name of fs.readdirSync(monthDir).sort()) {
      const suffix = suffixes.find((s) => name.endsWith(s));
      const date = suffix ? dateOfLogFile(month, name, suffix) : undefined;
      if (date && date < cutoff) {
        const file = path.join(monthDir, name);
        fs.rmSync(file);
        report.removedFiles.push(file);
      }
    }
    // Only months wholly before the cutoff: the current month's folder may be empty for a moment, and
    // pp_cli 2.00 may not recreate it.
    const monthEnd = new Date(Number(month.slice(0, 4)), Number(month.slice(4, 6)), 1);
    if (monthEnd <= cutoff && fs.readdirSync(monthDir).length === 0) {
      fs.rmdirSync(monthDir);
      report.removedFolders.push(monthDir);
    }
  }
  return report;
}
