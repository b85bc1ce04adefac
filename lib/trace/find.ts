/**
 * Finds one transaction's story. pp_cli lines are grouped into runs by pid + trace column (a new
 * TX_START starts a new run), SDK events by trace_no + ordr_idxx. A run matches the query by trace_no,
 * by the ordr_idxx of its TX_START, or by the tno in its TX_ENDED result. The identifiers of matching
 * runs are then followed: an ordr_idxx or a tno always (an approval's tno finds the auto-cancel that
 * KCP's samples run with trace_no = tno, an ordr_idxx finds every attempt), a trace_no only when the
 * run it leads to names no other order or tno. A trace_no is a timestamp with a one-second part, so a
 * cancel and the next approval can share one: their order ids and tnos tell them apart.
 */
import type { TraceEntry, TraceQueryResult, TraceRun } from './types.js';

/** Groups entries (in file order) into runs. SDK entries form one run per trace_no / ordr_idxx / tno. */
export function groupRuns(entries: readonly TraceEntry[]): TraceRun[] {
  const runs: TraceRun[] = [];
  const open = new Map<string, TraceRun>();
  for (const e of entries) {
    // SDK events group by trace_no and order id together: a trace_no alone may be shared by two orders.
    const sdkKey = e.traceNo || e.ordrIdxx ? `${e.traceNo}|${e.ordrIdxx ?? ''}` : e.tno || `${e.file}:${e.lineNo}`;
    const base = e.source === 'pp_cli' ? `pp_cli|${e.file}|${e.pid}|${e.traceNo}` : `sdk|${sdkKey}`;
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

const present = (id: string | undefined): id is string => typeof id === 'string' && id.trim() !== '';

/** A run's identifiers by kind. */
function idsOf(run: TraceRun): { traceNos: string[]; orders: string[]; tnos: string[] } {
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter(present))];
  return {
    traceNos: uniq([run.traceNo, ...run.entries.map((e) => e.traceNo)]),
    orders: uniq([run.ordrIdxx, ...run.entries.map((e) => e.ordrIdxx)]),
    tnos: uniq([run.tno, ...run.entries.map((e) => e.tno)]),
  };
}

const meets = (xs: readonly string[], set: ReadonlySet<string>) => xs.some((x) => set.has(x));
/** The run names ids of this kind, the story has some too, and none are shared: another order's run. */
const conflicts = (xs: readonly string[], set: ReadonlySet<string>) => xs.length > 0 && set.size > 0 && !meets(xs, set);

/** Runs that belong to the query's transaction, followed transitively (bounded). */
export function findTransaction(query: string, entries: readonly TraceEntry[], files: readonly string[] = []): TraceQueryResult {
  const runs = groupRuns(entries);
  const traceNos = new Set<string>();
  const orders = new Set<string>();
  const tnos = new Set<string>();
  const selected = new Set<TraceRun>();
  const found = new Set<string>([query]);
  const take = (run: TraceRun) => {
    selected.add(run);
    for (const id of [run.traceNo, run.ordrIdxx, run.tno, ...run.entries.flatMap((e) => [e.traceNo, e.ordrIdxx, e.tno])]) {
      if (present(id)) found.add(id);
    }
    const ids = idsOf(run);
    ids.traceNos.forEach((id) => traceNos.add(id));
    ids.orders.forEach((id) => orders.add(id));
    ids.tnos.forEach((id) => tnos.add(id));
  };
  for (const run of runs) {
    const ids = idsOf(run);
    if ([...ids.traceNos, ...ids.orders, ...ids.tnos].includes(query)) take(run);
  }
  for (let round = 0; round < 4; round++) {
    let grew = false;
    for (const run of runs) {
      if (selected.has(run)) continue;
      const ids = idsOf(run);
      // KCP's samples run the automatic cancel with trace_no = the approval's tno: that is a tno match too.
      const strong = meets(ids.orders, orders) || meets(ids.tnos, tnos) || meets(ids.traceNos, tnos);
      const byTrace = meets(ids.traceNos, traceNos) && !conflicts(ids.orders, orders) && !conflicts(ids.tnos, tnos);
      if (!strong && !byTrace) continue;
      take(run);
      grew = true;
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
  return { query, ids: [...found], runs: chosen, entries: ordered, files: usedFiles };
}
