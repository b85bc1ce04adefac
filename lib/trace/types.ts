/** What the trace tool reads: lines of pp_cli's logs and of our JSON-lines logs, as one shape. */

export type TraceSource = 'pp_cli' | 'sdk';

export interface TraceEntry {
  source: TraceSource;
  /** Local time of the line. */
  time: Date;
  /** Whether the line carried milliseconds (pp_cli 2.14 and our logs do, 2.00 does not). */
  hasMillis: boolean;
  file: string;
  lineNo: number;
  /** pp_cli: process id. */
  pid?: number;
  /** pp_cli's trace column or our trace_no ('' when none). */
  traceNo: string;
  /** pp_cli: 'MSG' | 'ERR'; sdk: 'L0'…'L3'. */
  kind: string;
  /** pp_cli 2.00 or 2.14 (by the line format), undefined for sdk lines. */
  version?: '2.00' | '2.14';
  /** Canonical step: TX_START, PG_SERVER_CONN__SUCC, TX_ENDED, …, or our event name. */
  step: string;
  /** The message as decoded (not yet masked). */
  text: string;
  /** TX_START key=[value] pairs, TX_ENDED result fields, or our record's fields (flattened to strings). */
  fields: Record<string, string>;
  ordrIdxx?: string;
  tno?: string;
}

/** One pp_cli process's lines for one transaction, or the SDK's events. */
export interface TraceRun {
  key: string;
  source: TraceSource;
  pid?: number;
  traceNo: string;
  entries: TraceEntry[];
  ordrIdxx?: string;
  tno?: string;
  txCd?: string;
  resCd?: string;
  resMsg?: string;
}

export interface TraceQueryResult {
  query: string;
  /** Every identifier the story covers (query plus trace_no / ordr_idxx / tno found along the way). */
  ids: string[];
  runs: TraceRun[];
  /** All entries of the selected runs, in time order. */
  entries: TraceEntry[];
  files: string[];
}
