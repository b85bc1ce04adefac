/**
 * What did the module answer? — read after the fact, for an attempt whose process died or lost the answer.
 *
 * Two sources, in order (DESIGN.md §7, pp-cli-protocol.md §10.4):
 * 1. The attempt's stdout file. pp_cli writes its answer there itself (runner/stdout-file.ts), also when the process
 *    that started it was killed. While a process still has the file as its stdout, the module is still running.
 * 2. pp_cli's own log: the TX_START line naming the order id, then the TX_ENDED line of the same pid with the whole
 *    result string.
 * With neither, and a runner that creates the file before the module starts, the module never ran.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfData } from '../config/site-conf.js';
import { dailyLogPath, logDirsOf, PP_CLI_LOG_SUFFIX } from '../log/paths.js';
import { decodeText } from '../protocol/encoding.js';
import { completeAnswer, isCompleteAnswer, type ResultFields } from '../protocol/result.js';
import type { Attempt } from '../store/types.js';
import { decodeLogLine, parsePpCliLine } from '../trace/pp-cli-log.js';
import type { TraceEntry } from '../trace/types.js';

export type ModuleAnswer =
  /** A complete answer line, with where it was read. */
  | { kind: 'answer'; fields: ResultFields; source: 'stdout file' | 'pp_cli log' }
  /** The module is still running (some process has the stdout file open, or its pid from the log is alive). */
  | { kind: 'running' }
  /** The module never started. */
  | { kind: 'not_started' }
  /** It started, and no answer is anywhere: killed mid-exchange. Only KCP's admin can tell now. */
  | { kind: 'none'; why: string };


/** True when a live process has `file` open as its stdout (Linux /proc; false where there is none). */
export function heldAsStdout(file: string): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/1`) === file) return true;
    } catch {
      // gone, or not ours to look at
    }
  }
  return false;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a complete answer from the stdout file: 'running', the fields, 'absent', 'empty', or undefined (cut). */
function fromStdoutFile(file: string): ModuleAnswer | 'absent' | 'empty' | undefined {
  if (!existsSync(file)) return 'absent';
  if (heldAsStdout(file)) return { kind: 'running' };
  const bytes = readFileSync(file);
  if (bytes.length === 0) return 'empty';
  for (const encoding of ['euc-kr', 'utf-8'] as const) {
    const fields = completeAnswer(decodeText(bytes, encoding));
    if (fields) return { kind: 'answer', fields, source: 'stdout file' };
  }
  return undefined;
}

/** The lines of a file as bytes, read in chunks off the event loop (a busy day's pp_cli log can be large). */
async function* lineBytes(file: string): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    let data = Buffer.concat([rest, chunk as Buffer]);
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      yield data.subarray(0, nl > 0 && data[nl - 1] === 0x0d ? nl - 1 : nl);
      data = data.subarray(nl + 1);
    }
    rest = Buffer.from(data);
  }
  if (rest.length > 0) yield rest;
}

/**
 * Finds the run for `ordrIdxx` started at or after `since` in pp_cli's daily logs: the day before, of and after the
 * attempt (a run ends within its timeout), each read once as a stream.
 */
async function fromModuleLog(conf: Pick<SiteConfData, 'homeDir' | 'logDir'>, ordrIdxx: string, since: number): Promise<ModuleAnswer | undefined> {
  const days = [since - 86_400_000, since, since + 86_400_000].map((t) => new Date(t));
  for (const dir of logDirsOf(conf)) {
    for (const day of days) {
      const file = dailyLogPath(dir, day, PP_CLI_LOG_SUFFIX);
      if (!existsSync(file)) continue;
      let start: TraceEntry | undefined;
      let end: TraceEntry | undefined;
      for await (const bytes of lineBytes(file)) {
        const entry = parsePpCliLine(decodeLogLine(bytes), day.getFullYear());
        if (!entry) continue;
        if (!start) {
          if (entry.step === 'TX_START' && entry.ordrIdxx === ordrIdxx && entry.time.getTime() >= since - 2000) start = entry;
        } else if (entry.step === 'TX_ENDED' && entry.pid === start.pid) {
          end = entry;
          break;
        }
      }
      if (!start) continue;
      if (end && isCompleteAnswer(end.fields)) {
        return { kind: 'answer', fields: end.fields, source: 'pp_cli log' };
      }
      if (pidAlive(start.pid!)) return { kind: 'running' };
      return { kind: 'none', why: `pp_cli (pid ${start.pid}) started for ${ordrIdxx} and ended without an answer` };
    }
  }
  return undefined;
}

/**
 * The module's answer for an attempt, from whatever source still has it. "Never started" is concluded only for an
 * attempt still in `started` (its process died before it learnt anything) from a runner that creates the stdout file
 * just before the module starts: no file (or an empty one) and no TX_START in the module's log. An attempt that
 * already saw the module fail (`unknown`: killed at the timeout, say) is never taken for "not started".
 */
export async function moduleAnswer(
  conf: Pick<SiteConfData, 'homeDir' | 'logDir'>,
  attempt: Pick<Attempt, 'ordrIdxx' | 'createdAt' | 'outputPath' | 'durableOutput' | 'state'>,
): Promise<ModuleAnswer> {
  const file = attempt.outputPath === undefined ? 'absent' : fromStdoutFile(attempt.outputPath);
  if (typeof file === 'object') return file;
  const logged = await fromModuleLog(conf, attempt.ordrIdxx, attempt.createdAt);
  if (logged) return logged;
  const trustworthy = attempt.durableOutput && attempt.outputPath !== undefined && attempt.state === 'started';
  if (trustworthy && (file === 'absent' || file === 'empty')) return { kind: 'not_started' };
  const why = {
    absent: 'no stdout file and no pp_cli log line for this order',
    empty: 'pp_cli printed nothing and logged no run for this order',
    cut: 'the stdout file holds no complete answer and pp_cli logged none',
  }[file ?? 'cut'];
  return { kind: 'none', why };
}

/** The folder where the attempts' stdout files live: `<log_dir>/payplus-answers`. */
export function answersDir(conf: Pick<SiteConfData, 'homeDir' | 'logDir'>): string {
  return path.join(logDirsOf(conf)[0]!, 'payplus-answers');
}
