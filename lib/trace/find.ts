/**
 * Finds one transaction's story. pp_cli lines are grouped into runs by pid + trace column (a new
 * TX_START starts a new run); a run matches by trace_no, by the ordr_idxx of its TX_START, or by the
 * tno in its TX_ENDED result. The identifiers of matching runs are then followed: an approval's tno
 * finds the auto-cancel that KCP's samples run with trace_no = tno, an ordr_idxx finds every attempt.
 */
import { maskText } from '../log/mask.js';
import type { TraceEntry, TraceQueryResult, TraceRun } from './types.js';

/** Groups entries (in file order) into runs. SDK entries form one run per trace_no / ordr_idxx / tno. */
export function groupRuns(entries: readonly TraceEntry[]): TraceRun[] {
  const runs: TraceRun[] = [];
  const open = new Map<string, TraceRun>();
  for (const e of entries) {
    const base =
      e.source === 'pp_cli'
        ? `pp_cli|${e.file}|${e.pid}|${e.traceNo}`
        : `sdk|${e.traceNo || e.ordrIdxx || e.tno || `${e.file}:${e.lineNo}`}`;
    let run = open.get(base);
    if (!run || (e.source === 'pp_cli' && e.step === 'TX_START' && run.entries.length > 0)) {
      run = { key: `${base}|${runs.length}`, source: e.source, pid: e.pid, traceNo: e.traceNo, entries: [] };
      open.set(base, run);
      runs.push(run);
    }
    run.entries.push(e);
    if (e.ordrIdxx && !run.ordrIdxx) run.ordrIdxx = e.ordrIdxx;
    if (e.tno && !run.tno) run.tno = e.tno;
    if (e.step === 'TX_START' && e.fields.tx_cd) run.txCd = e.fields.tx_cd;
    if (e.step === 'TX_ENDED' && e.fields.res_cd !== undefined) {
      run.resCd = e.fields.res_cd;
      run.resMsg = e.fields.res_msg;
    }
  }
  return runs;
}

function idsOf(run: TraceRun): string[] {
  const ids = [run.traceNo, run.ordrIdxx, run.tno];
  for (const e of run.entries) ids.push(e.traceNo, e.ordrIdxx, e.tno);
  return ids.filter((id): id is string => typeof id === 'string' && id.trim() !== '');
}

/** Runs that share an identifier with the query, followed transitively (bounded). */
export function findTransaction(query: string, entries: readonly TraceEntry[], files: readonly string[] = []): TraceQueryResult {
  const runs = groupRuns(entries);
  const ids = new Set([query]);
  const selected = new Set<TraceRun>();
  for (let round = 0; round < 4; round++) {
    let grew = false;
    for (const run of runs) {
      if (selected.has(run)) continue;
      if (!idsOf(run).some((id) => ids.has(id))) continue;
      selected.add(run);
      grew = true;
      for (const id of idsOf(run)) ids.add(id);
    }
    if (!grew) break;
  }
  const chosen = runs.filter((r) => selected.has(r));
  const ordered = chosen
    .flatMap((r) => r.entries)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time.getTime() - b.e.time.getTime() || a.i - b.i)
    .map(({ e }) => e);
  const usedFiles = files.filter((f) => ordered.some((e) => e.file === f));
  return { query, ids: [...ids].map((id) => maskText(id, { keepIdentifiers: true })), runs: chosen, entries: ordered, files: usedFiles };
}
