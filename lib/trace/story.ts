/**
 * Prints a transaction's story: a header, one line per log line in time order (pp_cli and SDK lines
 * interleaved), and a summary per pp_cli run. Everything printed goes through maskText: pp_cli at
 * level 3 logs full results, and test sites log card numbers in clear.
 */
import { PAYMENT_EVENT_TABLE } from '../events/types.js';
import { localIsoTime } from '../log/paths.js';
import { maskText } from '../log/mask.js';
import type { Attempt } from '../store/types.js';
import type { TraceEntry, TraceQueryResult, TraceRun } from './types.js';

const TX_CD: Record<string, string> = {
  '00100000': 'approval',
  '00200000': 'modify (cancel/capture)',
  '00100500': 'batch key registration',
  '07010000': 'cash receipt',
  '07020000': 'cash receipt change',
  '07030000': 'cash receipt query',
};

const STEP: Record<string, string> = {
  PG_SERVER_CONN__SUCC: 'connected to the gateway',
  PG_SERVER_CONN__FAIL: 'could not connect to the gateway',
  PG_SERVER_REQ_MSG_SEND__SUCC: 'request sent',
  PG_SERVER_RES_MSG_RECV__SUCC: 'response received',
  REQ_MSG_BODY_DATA_CREATE__SUCC: 'request body built',
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatTime(e: TraceEntry): string {
  const t = e.time;
  const base = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  return e.hasMillis ? `${base}.${pad(t.getMilliseconds(), 3)}` : `${base}    `;
}

function describeTxCd(txCd: string | undefined): string {
  if (!txCd) return '';
  return TX_CD[txCd] ? `${TX_CD[txCd]} (tx_cd ${txCd})` : `tx_cd ${txCd}`;
}

function fieldsText(fields: Record<string, string>, skip: readonly string[] = []): string {
  return Object.entries(fields)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The payment event an SDK line is (README "Payment events and metrics"), e.g. refused, window_closed, notification_handled. */
export function eventTypeOf(e: TraceEntry): string | undefined {
  const spec = e.source === 'sdk' ? PAYMENT_EVENT_TABLE[e.step] : undefined;
  if (!spec) return undefined;
  return typeof spec.type === 'function' ? spec.type(e.fields) : spec.type;
}

/** What one line says, in words; masked. A payment event's type is named in brackets after the log event. */
export function describeEntry(e: TraceEntry): string {
  if (e.source === 'sdk') {
    const type = eventTypeOf(e);
    return maskText(`${e.step}${type ? ` [${type}]` : ''} ${fieldsText(e.fields)}`.trim());
  }
  if (e.step === 'TX_START') {
    return maskText(`TX_START ${describeTxCd(e.fields.tx_cd)} ${fieldsText(e.fields, ['tx_cd'])}`.replace(/\s+/g, ' ').trim());
  }
  if (e.step === 'TX_ENDED') {
    const f = e.fields;
    const head = f.res_cd !== undefined ? `res_cd=${f.res_cd} ${f.res_msg ?? ''}`.trim() : e.text;
    return maskText(`TX_ENDED ${head} ${fieldsText(f, ['res_cd', 'res_msg'])}`.trim()).replace(/\x1f/g, ' ');
  }
  const words = STEP[e.step];
  const label = e.kind === 'ERR' ? 'ERROR ' : '';
  return maskText(words ? `${label}${words} (${e.step})${e.text.includes(' - ') ? ` ${e.text.slice(e.text.indexOf(' - ') + 3)}` : ''}` : `${label}${e.text}`);
}

function who(e: TraceEntry): string {
  if (e.source === 'sdk') return `sdk    ${e.kind}`.padEnd(22);
  return `pp_cli ${e.version} pid ${e.pid}`.padEnd(22);
}

/** Identifiers (trace_no, ordr_idxx, tno) are not secrets and print as they are everywhere; free text is masked. */
const ident = (id: string) => maskText(id, { keepIdentifiers: true });

function runSummary(run: TraceRun, n: number): string {
  const parts = [`run ${n}: pid ${run.pid}, trace ${ident(run.traceNo) || '(none)'}`];
  if (run.txCd) parts.push(describeTxCd(run.txCd));
  if (run.ordrIdxx) parts.push(`ordr_idxx ${ident(run.ordrIdxx)}`);
  parts.push(run.resCd !== undefined ? maskText(`res_cd ${run.resCd} ${run.resMsg ?? ''}`.trim()) : 'no TX_ENDED line (still running, killed, or log cut off)');
  if (run.tno) parts.push(`tno ${ident(run.tno)}`);
  return parts.join(', ');
}

/** One attempt as the story prints it (the store's words: state, tno, res_cd, note), masked. */
function attemptLine(a: Attempt): string {
  const parts = [`attempt ${ident(a.id)}`, `ordr_idxx=${ident(a.ordrIdxx)}`, `state=${a.state}`, `tno=${a.tno ? ident(a.tno) : '-'}`];
  if (a.resCd) parts.push(`res_cd=${a.resCd}`);
  if (a.method) parts.push(`method=${a.method}`);
  parts.push(`amount=${a.approvedAmount ?? a.amount}`, `created ${localIsoTime(new Date(a.createdAt))}`, `updated ${localIsoTime(new Date(a.updatedAt))}`);
  if (a.cancelTries > 0) parts.push(`cancel tries ${a.cancelTries}${a.cancelResCd ? ` (res_cd ${a.cancelResCd})` : ''}`);
  return maskText(`${parts.join(' ')}${a.note ? `: ${a.note}` : ''}`, { keepIdentifiers: true });
}

/** The store's attempts section (empty when there are none). */
function attemptsSection(attempts: readonly Attempt[]): string[] {
  return attempts.length === 0 ? [] : ['', `${attempts.length} attempt${attempts.length === 1 ? '' : 's'} in the payment store:`, ...attempts.map((a) => `  ${attemptLine(a)}`)];
}

export function formatStory(result: TraceQueryResult, attempts: readonly Attempt[] = []): string {
  if (result.entries.length === 0) return [`No log lines found for ${ident(result.query)}.`, ...attemptsSection(attempts), ''].join('\n');
  const ppRuns = result.runs.filter((r) => r.source === 'pp_cli');
  const sdkCount = result.entries.filter((e) => e.source === 'sdk').length;
  const lines = [
    `Transaction ${ident(result.query)} (also: ${result.ids.filter((id) => id !== result.query).map(ident).join(', ') || 'none'})`,
    `${ppRuns.length} pp_cli run${ppRuns.length === 1 ? '' : 's'}, ${sdkCount} SDK event${sdkCount === 1 ? '' : 's'}; files: ${result.files.join(', ')}`,
    '',
  ];
  for (const e of result.entries) {
    lines.push(`${formatTime(e)}  ${who(e)}  ${(ident(e.traceNo) || '-').padEnd(16)}  ${describeEntry(e)}`);
  }
  if (ppRuns.length > 0) {
    lines.push('');
    ppRuns.forEach((run, i) => lines.push(runSummary(run, i + 1)));
  }
  lines.push(...attemptsSection(attempts));
  return `${lines.join('\n')}\n`;
}

/** The story as masked JSON, for scripts. */
export function storyJson(result: TraceQueryResult, attempts: readonly Attempt[] = []): string {
  return `${JSON.stringify(
    {
      query: ident(result.query),
      ids: result.ids.map(ident),
      files: result.files,
      runs: result.runs.map((r) => ({
        source: r.source,
        pid: r.pid,
        trace_no: r.traceNo,
        tx_cd: r.txCd,
        ordr_idxx: r.ordrIdxx,
        tno: r.tno,
        res_cd: r.resCd,
        res_msg: r.resMsg,
      })),
      entries: result.entries.map((e) => ({
        time: formatTime(e).trim(),
        source: e.source,
        version: e.version,
        pid: e.pid,
        trace_no: e.traceNo,
        kind: e.kind,
        step: e.step,
        event_type: eventTypeOf(e),
        text: describeEntry(e),
        file: e.file,
        line: e.lineNo,
      })),
      attempts: attempts.map((a) => ({
        id: ident(a.id),
        ordr_idxx: ident(a.ordrIdxx),
        state: a.state,
        tno: a.tno,
        res_cd: a.resCd,
        method: a.method,
        amount: a.approvedAmount ?? a.amount,
        created: localIsoTime(new Date(a.createdAt)),
        updated: localIsoTime(new Date(a.updatedAt)),
        cancel_tries: a.cancelTries,
        note: a.note === undefined ? undefined : maskText(a.note, { keepIdentifiers: true }),
      })),
    },
    null,
    2,
  )}\n`;
}
