/** Our own JSON-lines logs (lib/log): one record per line, already masked when written. */
import type { TraceEntry } from './types.js';

function flatten(fields: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof fields !== 'object' || fields === null) return out;
  for (const [k, v] of Object.entries(fields as Record<string, unknown>)) {
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export function parseSdkLine(line: string, file = '', lineNo = 0): TraceEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof record.time !== 'string' || typeof record.event !== 'string') return undefined;
  const time = new Date(record.time);
  if (Number.isNaN(time.getTime())) return undefined;
  const fields = flatten(record.fields);
  const entry: TraceEntry = {
    source: 'sdk',
    time,
    hasMillis: true,
    file,
    lineNo,
    traceNo: typeof record.trace_no === 'string' ? record.trace_no : '',
    kind: `L${String(record.level ?? '?')}`,
    step: record.event,
    text: '',
    fields,
  };
  if (typeof record.ordr_idxx === 'string' && record.ordr_idxx !== '') entry.ordrIdxx = record.ordr_idxx;
  if (fields.tno) entry.tno = fields.tno;
  return entry;
}
