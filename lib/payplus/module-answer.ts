/**
 * What did the module answer? — read after the fact, for an attempt whose process died or lost the answer.
 *
 * Two sources, in order (docs/design.md §7, docs/pp-cli-protocol.md §10.4):
 * 1. The attempt's stdout file. pp_cli writes its answer there itself (runner/stdout-file.ts), also when the process
 *    that started it was killed. While a process still holds the file for writing, the module is still running (or
 *    about to start: runner/answer-file.ts heldOpen).
 * 2. pp_cli's own log: the one TX_START line that can be this attempt's run (order id, the approval's tx_cd, trace_no,
 *    at or after the attempt began), then the TX_ENDED line of the same pid with the whole result string.
 * With neither, and a runner that creates the file before the module starts, the module never ran.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfData } from '../config/site-conf.js';
import { dailyLogPath, logDirsOf, PP_CLI_LOG_SUFFIX } from '../log/paths.js';
import { decodeText } from '../protocol/encoding.js';
import { completeAnswer, isCompleteAnswer, type ResultFields } from '../protocol/result.js';
import { startTicks } from '../store/owner.js';
import type { ResolveWhere } from '../gateway/types.js';
import type { Attempt } from '../store/types.js';
import { isWriterFolder, readAnswerFile } from '../runner/answer-file.js';
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


/**
 * True when `pid` runs here and started no later than `notAfter` (ms since the epoch): the process that wrote a log
 * line at that time, not a later one that reuses its pid. Only meaningful for a run in this boot and PID namespace.
 */
function pidRunsSince(pid: number, notAfter: number): boolean {
  const ticks = startTicks(pid);
  if (ticks === undefined) return false;
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const started = btime * 1000 + (Number(ticks) * 1000) / CLOCK_TICKS;
    return Number.isFinite(started) && started <= notAfter + 1000;
  } catch {
    return false;
  }
}

/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK); the kernel's ABI value). */
const CLOCK_TICKS = 100;

/** Reads a complete answer from the stdout file: 'running', the fields, 'absent', 'empty', or undefined (cut). */
async function fromStdoutFile(file: string, local: boolean): Promise<ModuleAnswer | 'absent' | 'empty' | undefined> {
  const bytes = await readAnswerFile(file, local);
  if (bytes === 'running') return { kind: 'running' };
  if (bytes === 'absent' || bytes === 'empty') return bytes;
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

/** The approval's tx_cd: the only runs of pp_cli that can be an approval's. */
const APPROVAL_TX_CD = '00100000';

/** What the log must match: the attempt's order, its trace_no when it had one, and a start at or after it began. */
export interface LogMatch {
  ordrIdxx: string;
  /** When the attempt began (ms); a run that started before cannot be its run. */
  since: number;
  /** The trace_no the attempt passed to pp_cli (the log's trace column), when it passed one. */
  traceNo?: string;
  /** True when the module ran in this boot and PID namespace, so a pid in the log can be looked at here. */
  local: boolean;
}

/** True when a TX_START entry can be the run of the attempt described by `m`. */
function startMatches(entry: TraceEntry, m: LogMatch): boolean {
  if (entry.step !== 'TX_START' || entry.ordrIdxx !== m.ordrIdxx || entry.fields.tx_cd !== APPROVAL_TX_CD) return false;
  // pp_cli 2.00 logs whole seconds: a run in the attempt's own second counts as possibly its.
  const since = entry.hasMillis ? m.since : Math.floor(m.since / 1000) * 1000;
  if (entry.time.getTime() < since) return false;
  return !(m.traceNo && entry.traceNo && entry.traceNo !== m.traceNo);
}

/**
 * Finds the attempt's own run in pp_cli's daily logs (the day before, of and after the attempt, each read once as a
 * stream): a TX_START for its order id and the approval's tx_cd, at or after the attempt began, with its trace_no, and
 * the TX_ENDED of the same pid after it. Proof only when exactly one run matches and its TX_ENDED line is a complete
 * answer; two candidate runs, or a cut line, are unknown — never a refusal.
 */
export async function fromModuleLog(conf: Pick<SiteConfData, 'homeDir' | 'logDir'>, m: LogMatch): Promise<ModuleAnswer | undefined> {
  const days = [m.since - 86_400_000, m.since, m.since + 86_400_000].map((t) => new Date(t));
  const runs: Array<{ start: TraceEntry; end?: TraceEntry; closed: boolean }> = [];
  const seen = new Set<string>();
  for (const dir of logDirsOf(conf)) {
    for (const day of days) {
      const file = dailyLogPath(dir, day, PP_CLI_LOG_SUFFIX);
      if (seen.has(file) || !existsSync(file)) continue;
      seen.add(file);
      for await (const bytes of lineBytes(file)) {
        const entry = parsePpCliLine(decodeLogLine(bytes), day.getFullYear());
        if (!entry) continue;
        // A later line of the same pid ends its open run (TX_ENDED), or shows the pid was reused (TX_START).
        const open = runs.find((r) => !r.closed && r.start.pid === entry.pid);
        if (open && entry.step === 'TX_ENDED') {
          open.end = entry;
          open.closed = true;
        } else if (open && entry.step === 'TX_START') {
          open.closed = true;
        }
        if (startMatches(entry, m)) runs.push({ start: entry, closed: false });
      }
    }
  }
  if (runs.length === 0) return undefined;
  if (runs.length > 1) {
    const pids = runs.map((r) => r.start.pid).join(', ');
    return { kind: 'none', why: `pp_cli's log holds ${runs.length} runs for ${m.ordrIdxx} that could be this attempt's (pids ${pids}); which one is its own cannot be told` };
  }
  const { start, end } = runs[0]!;
  if (end && isCompleteAnswer(end.fields)) return { kind: 'answer', fields: end.fields, source: 'pp_cli log' };
  if (!end && m.local && pidRunsSince(start.pid!, start.time.getTime())) return { kind: 'running' };
  const why = end
    ? `pp_cli (pid ${start.pid}) logged a cut or incomplete TX_ENDED line for ${m.ordrIdxx}`
    : `pp_cli (pid ${start.pid}) started for ${m.ordrIdxx} and ended without an answer`;
  return { kind: 'none', why };
}

/**
 * The module's answer for an attempt, from whatever source still has it.
 *
 * `local`: the module ran in this boot and PID namespace (the attempt's owner provably shares them), so "some process
 * holds the file", "its pid still runs" and "no file, no log line" mean what they say. Otherwise only a complete
 * answer counts (the file or the log line is this attempt's by its name and match), and anything else is unknown.
 *
 * "Never started" is concluded only for an attempt still in `started` (its process died before it learnt anything)
 * from a runner that creates the stdout file just before the module starts, with no TX_START in the module's log, and:
 * - locally: no file, or an empty one;
 * - for a host an operator declared gone (`hostGone`: none of its processes runs any more), when this host sees the
 *   storage that host wrote to: no file or an empty one in the writer's folder, which this host sees in its own answers
 *   folder (runner/answer-file.ts writerFolder: made before the attempt was recorded, named at random by its process);
 *   or, for an attempt recorded before writer folders, an empty file in the answers folder itself. Either shows that
 *   this host reads that host's log folder, where its pp_cli logs TX_START before it connects. Where the folder is not
 *   seen, a missing file proves nothing: that host's disk may not be this one's, so the attempt stays unknown.
 * An attempt that already saw the module fail (`unknown`: killed at the timeout, say) is never taken for "not started".
 */
export async function moduleAnswer(
  conf: Pick<SiteConfData, 'homeDir' | 'logDir'>,
  attempt: Pick<Attempt, 'ordrIdxx' | 'createdAt' | 'outputPath' | 'durableOutput' | 'state' | 'traceNo'>,
  where: ResolveWhere = { local: true },
): Promise<ModuleAnswer> {
  const file = attempt.outputPath === undefined ? 'absent' : await fromStdoutFile(attempt.outputPath, where.local);
  if (typeof file === 'object') return file;
  const logged = await fromModuleLog(conf, { ordrIdxx: attempt.ordrIdxx, since: attempt.createdAt, traceNo: attempt.traceNo, local: where.local });
  if (logged) return logged;
  const trustworthy = attempt.durableOutput && attempt.outputPath !== undefined && attempt.state === 'started';
  const folder = path.dirname(path.resolve(attempt.outputPath ?? ''));
  const writerSeen = where.hostGone === true && isWriterFolder(folder, answersDir(conf)) && existsSync(folder);
  const seenHere = where.hostGone === true && folder === answersDir(conf);
  if (trustworthy && (where.local || writerSeen) && (file === 'absent' || file === 'empty')) return { kind: 'not_started' };
  if (trustworthy && seenHere && file === 'empty') return { kind: 'not_started' };
  const why = {
    absent: 'no stdout file and no pp_cli log line for this order',
    empty: 'pp_cli printed nothing and logged no run for this order',
    cut: 'the stdout file holds no complete answer and pp_cli logged none',
  }[file ?? 'cut'];
  return { kind: 'none', why: where.local ? why : `${why} here (pp_cli ran in another host, container or boot)` };
}

/** The folder where the attempts' stdout files live: `<log_dir>/payplus-answers`. */
export function answersDir(conf: Pick<SiteConfData, 'homeDir' | 'logDir'>): string {
  return path.join(logDirsOf(conf)[0]!, 'payplus-answers');
}
