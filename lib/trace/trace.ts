/** traceTransaction: list the files, read them, find the transaction. */
import { listLogFiles, readLogFile } from './collect.js';
import { findTransaction } from './find.js';
import type { TraceQueryResult } from './types.js';

export interface TraceOptions {
  /** Log folders to search (g_conf_log_dir and <home>/log; see logDirsOf). */
  dirs: readonly string[];
  /** Only files dated on or after this day. */
  since?: Date;
}

export function traceTransaction(query: string, options: TraceOptions): TraceQueryResult & { skippedLines: number } {
  const files = listLogFiles(options.dirs, options.since);
  const entries = [];
  let skippedLines = 0;
  for (const file of files) {
    const read = readLogFile(file);
    entries.push(...read.entries);
    skippedLines += read.skipped;
  }
  return {
    ...findTransaction(
      query,
      entries,
      files.map((f) => f.path),
    ),
    skippedLines,
  };
}
