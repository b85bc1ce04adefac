/**
 * The default PayplusLogger: masked JSON lines in daily files beside pp_cli's logs, with a level filter,
 * retention, and a hook for the merchant's own logging. Writes are synchronous appends, one per burst: the lines
 * logged in one synchronous stretch of code (a transaction's start and request, its end and result) are masked and
 * written together in one write, from a microtask queued by the first of them. So they reach the file before any
 * callback that could act on them runs (a payment's result reaches the merchant through later microtasks), before the
 * process exits (an 'exit' hook writes what is left), and in the order they were logged; `flush()` writes them at
 * once. Each line keeps the time of its log() call. A caller must not change an event's fields after logging it.
 * A failing disk or hook never breaks a payment: the error is reported once as a process warning.
 */
import fs from 'node:fs';
import path from 'node:path';

import { KcpConfigError } from '../errors.js';
import type { LogEvent, LogLevel, PayplusLogger } from './types.js';
import { maskFields, maskText } from './mask.js';
import { dailyLogPath, localIsoTime } from './paths.js';
import { ensurePrivateDir, openPrivateAppend } from './private-files.js';
import { pruneLogs, type PruneReport } from './retention.js';

/** One line of our log file, exactly as written (already masked). */
export interface LogRecord {
  /** Local time with offset, e.g. 2024-05-01T10:15:30.123+09:00. */
  time: string;
  level: LogLevel;
  event: string;
  /** '' when the event has none. */
  trace_no: string;
  /** '' when the event has none. */
  ordr_idxx: string;
  fields: Record<string, unknown>;
}

export interface FileLoggerOptions {
  /** The log folder (g_conf_log_dir). Required unless `file` is false. */
  dir?: string;
  /** Events above this level are dropped (0 errors and tx start/end … 3 masked raw results). */
  level: LogLevel;
  /** Delete our daily files older than this many days (today counts as day 0). Undefined keeps everything. */
  retentionDays?: number;
  /** Also apply the retention to pp_cli's own DD_pp_cli.log files (they hold full responses at level 3). */
  pruneModuleLogs?: boolean;
  /** Receives every kept record, already masked. Throwing from it does not affect the caller. */
  hook?: (record: LogRecord) => void;
  /** false: only the hook receives records, nothing is written to disk. Default true. */
  file?: boolean;
  /** false: the folder must exist already (a missing one is an error naming it; nothing is created). Default true. */
  createDir?: boolean;
  /** Injected time source (tests, replay). */
  clock?: () => Date;
  /**
   * Told when writing or the hook fails (already masked message). Default: one process warning per kind,
   * so a broken disk is visible without flooding the console or failing a payment.
   */
  onError?: (kind: 'file' | 'hook', message: string) => void;
}

export interface FileLogger extends PayplusLogger {
  /** Closes the open file; later events reopen it. */
  close(): void;
  /** Applies the retention now; returns what was deleted. A no-op without retentionDays. */
  prune(): PruneReport;
  /** Writes the lines still waiting for the end of the current burst now (see the file's header). */
  flush(): void;
  /** The file the last record went to, if any. */
  readonly currentPath: string | undefined;
}

/** Loggers holding lines of an unfinished burst: the process's 'exit' hook writes them (one hook for all loggers). */
const unflushed = new Set<{ flush(): void }>();
let exitHooked = false;
function flushAtExit(logger: { flush(): void }): void {
  unflushed.add(logger);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const pending of [...unflushed]) pending.flush();
  });
}

function assertLevel(level: unknown): asserts level is LogLevel {
  if (level !== 0 && level !== 1 && level !== 2 && level !== 3) {
    throw new KcpConfigError(
      `g_conf_log_level: ${String(level)} is not a log level; use 0 (errors, start/end), 1, 2 or 3 (masked raw results).`,
      { field: 'g_conf_log_level' },
    );
  }
}

export function toRecord(event: LogEvent, now: Date): LogRecord {
  return {
    time: localIsoTime(now),
    level: event.level,
    event: event.event,
    trace_no: maskText(event.traceNo ?? '', { keepIdentifiers: true }),
    ordr_idxx: maskText(event.ordrIdxx ?? '', { keepIdentifiers: true }),
    fields: maskFields(event.fields ?? {}),
  };
}

/**
 * Open daily files, shared by every logger of this process that writes to the same file: a shop that makes a PayPlus
 * per request (2,000 of them) still holds one descriptor per file, not one per instance. Counted by the loggers that
 * currently point at the file; the last one to move on (next day) or close() closes it.
 */
const sharedFiles = new Map<string, { fd: number; users: number }>();

function acquireShared(target: string): number {
  const open = sharedFiles.get(target);
  if (open) {
    open.users += 1;
    return open.fd;
  }
  // The month folder is checked like the log folder (pp_cli may have made it), and the file is opened without
  // following a link planted at its name (private-files.ts).
  ensurePrivateDir(path.dirname(target), 'g_conf_log_dir', 'the month folder of the log');
  const fd = openPrivateAppend(target);
  sharedFiles.set(target, { fd, users: 1 });
  return fd;
}

function releaseShared(target: string): void {
  const open = sharedFiles.get(target);
  if (!open) return;
  open.users -= 1;
  if (open.users > 0) return;
  sharedFiles.delete(target);
  fs.closeSync(open.fd);
}

export function createFileLogger(options: FileLoggerOptions): FileLogger {
  assertLevel(options.level);
  const writeFile = options.file !== false;
  const clock = options.clock ?? (() => new Date());
  const dir = options.dir === undefined ? undefined : path.resolve(options.dir);
  if (writeFile && !dir) {
    throw new KcpConfigError('g_conf_log_dir: the file logger needs a folder; set dir, or file: false with a hook.', {
      field: 'g_conf_log_dir',
    });
  }
  if (writeFile && dir && options.createDir === false && !fs.existsSync(dir)) {
    throw new KcpConfigError(`g_conf_log_dir: the log folder ${dir} does not exist; check the configuration, or create it (mode 700) for the web server's user.`, {
      field: 'g_conf_log_dir',
    });
  }
  // Created 0700 when missing; an existing folder must be ours (or root's) and not writable by group or others.
  if (writeFile && dir) ensurePrivateDir(dir, 'g_conf_log_dir', 'the log folder');

  let fd: number | undefined;
  let openPath: string | undefined;
  const warned = new Set<string>();
  const report = (kind: 'file' | 'hook', error: unknown): void => {
    const message = `kcp-payplus logger: ${kind === 'file' ? 'writing the log file' : 'the log hook'} failed: ${maskText(
      error instanceof Error ? error.message : String(error),
    )}`;
    if (options.onError) return options.onError(kind, message);
    if (warned.has(kind)) return;
    warned.add(kind);
    process.emitWarning(message);
  };

  // The burst being collected: its lines (or, with no hook to hand records to now, the events and their times: they are
  // masked and serialised when the burst is written, after a pp_cli started in the same stretch is already running) and
  // the file they go to.
  let burst: Array<string | { event: LogEvent; now: Date }> = [];
  let burstFd: number | undefined;
  const flush = (): void => {
    unflushed.delete(pending);
    if (burst.length === 0) return;
    const lines = burst;
    const target = burstFd!;
    burst = [];
    burstFd = undefined;
    // Each line is encoded straight into one buffer: no joined copy of the burst as a string first.
    const texts: string[] = [];
    let bytes = 0;
    for (const line of lines) {
      try {
        const text = typeof line === 'string' ? line : `${JSON.stringify(toRecord(line.event, line.now))}\n`;
        texts.push(text);
        bytes += Buffer.byteLength(text, 'utf8');
      } catch (error) {
        report('file', error); // a line that cannot be made is left out, not the burst
      }
    }
    if (bytes === 0) return;
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const text of texts) at += out.write(text, at, 'utf8');
    try {
      fs.writeSync(target, out, 0, at);
    } catch (error) {
      report('file', error);
    }
  };
  const pending = { flush };
  const append = (target: number, line: (typeof burst)[number]): void => {
    if (burstFd !== undefined && burstFd !== target) flush();
    if (burst.length === 0) {
      flushAtExit(pending);
      queueMicrotask(flush);
    }
    burstFd = target;
    burst.push(line);
  };

  const closeFile = (): void => {
    flush();
    if (fd !== undefined && openPath !== undefined) releaseShared(openPath);
    fd = undefined;
  };

  const prune = (): PruneReport => {
    if (!dir || options.retentionDays === undefined) return { removedFiles: [], removedFolders: [] };
    return pruneLogs(dir, clock(), options.retentionDays, { includeModuleLogs: options.pruneModuleLogs === true });
  };

  // The day the open file is for (local date as yyyymmdd): the path is built again only when the day changes.
  let openDay = -1;
  const fileFor = (now: Date): number => {
    const day = now.getFullYear() * 10000 + (now.getMonth() + 1) * 100 + now.getDate();
    if (fd !== undefined && day === openDay) return fd;
    const target = dailyLogPath(dir as string, now);
    openDay = day;
    if (fd !== undefined && target === openPath) return fd;
    const rotated = openPath !== undefined;
    closeFile();
    fd = acquireShared(target);
    openPath = target;
    if (rotated) prune();
    return fd;
  };

  if (options.retentionDays !== undefined) {
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 0) {
      throw new KcpConfigError(`retentionDays: ${options.retentionDays} must be a whole number of days (0 or more).`, {
        field: 'retentionDays',
      });
    }
    if (writeFile) prune();
  }

  return {
    log(event: LogEvent): void {
      if (event.level > options.level) return;
      const now = clock();
      const record = options.hook ? toRecord(event, now) : undefined;
      if (writeFile) {
        try {
          append(fileFor(now), record ? `${JSON.stringify(record)}\n` : { event, now });
        } catch (error) {
          report('file', error);
        }
      }
      if (options.hook) {
        try {
          options.hook(record!);
        } catch (error) {
          report('hook', error);
        }
      }
    },
    close: closeFile,
    flush,
    prune,
    get currentPath() {
      return openPath;
    },
  };
}
