/**
 * Finds and reads the daily log files under one or more log folders: pp_cli's DD_pp_cli.log and our
 * DD_kcp-payplus.log in YYYYMM folders, optionally from a date on.
 */
import fs from 'node:fs';
import path from 'node:path';

import { dateOfLogFile, PP_CLI_LOG_SUFFIX, SDK_LOG_SUFFIX } from '../log/paths.js';
import { decodeLogFile, parsePpCliLine } from './pp-cli-log.js';
import { parseSdkLine } from './sdk-log.js';
import type { TraceEntry, TraceSource } from './types.js';

export interface LogFile {
  path: string;
  source: TraceSource;
  date: Date;
}

/** Daily log files dated on or after `since` (local midnight), oldest first. */
export function listLogFiles(dirs: readonly string[], since?: Date): LogFile[] {
  const from = since ? new Date(since.getFullYear(), since.getMonth(), since.getDate()) : undefined;
  const files: LogFile[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const month of fs.readdirSync(dir).sort()) {
      if (!/^\d{6}$/.test(month)) continue;
      const monthDir = path.join(dir, month);
      if (!fs.statSync(monthDir).isDirectory()) continue;
      for (const name of fs.readdirSync(monthDir).sort()) {
        const source: TraceSource | undefined = name.endsWith(PP_CLI_LOG_SUFFIX) ? 'pp_cli' : name.endsWith(SDK_LOG_SUFFIX) ? 'sdk' : undefined;
        if (!source) continue;
        const date = dateOfLogFile(month, name, source === 'pp_cli' ? PP_CLI_LOG_SUFFIX : SDK_LOG_SUFFIX);
        const file = path.join(monthDir, name);
        if (!date || (from && date < from) || seen.has(file)) continue;
        seen.add(file);
        files.push({ path: file, source, date });
      }
    }
  }
  return files.sort((a, b) => a.date.getTime() - b.date.getTime() || a.path.localeCompare(b.path));
}

/** Every parseable line of one file; lines that fit neither format are skipped and counted. */
export function readLogFile(file: LogFile): { entries: TraceEntry[]; skipped: number } {
  const lines = decodeLogFile(fs.readFileSync(file.path));
  const entries: TraceEntry[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const entry =
      file.source === 'pp_cli'
        ? parsePpCliLine(line, file.date.getFullYear(), file.path, i + 1)
        : parseSdkLine(line, file.path, i + 1);
    if (entry) entries.push(entry);
    else skipped += 1;
  });
  return { entries, skipped };
}
