/**
 * pp_cli's own log lines (docs/pp-cli-protocol.md §7.1):
 *   v2.00  `MMDD-HHMMSS - <pid %5d> - <trace, 16 wide> - MSG : <text>`   Korean messages (PG_서버_접속__정상)
 *   v2.14  `MMDD-HHMMSS.mmm - …`                                        English messages (PG_SERVER_CONN__SUCC)
 * Files are EUC-KR, except that with opt=1 v2.14 writes the TX_ENDED line in UTF-8; so each line is
 * decoded on its own: valid UTF-8 with non-ASCII bytes is UTF-8, anything else CP949 (a superset of
 * EUC-KR; Hangul in EUC-KR is practically never valid UTF-8).
 */
import { isUtf8 } from 'node:buffer';

import { decodeText } from '../protocol/encoding.js';
import { parseResultLine } from '../protocol/result.js';
import type { TraceEntry } from './types.js';

/** The head of a pp_cli log line (`MMDD-HHMMSS[.mmm] - <pid> - `), found inside another line only when it was cut. */
const SPLICED = /\d{4}-\d{6}(?:\.\d{3})? - +\d+ - /;

const LINE = /^(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.(\d{3}))? - +(\d+) - (\S*) *- (MSG|ERR) : (.*)$/;

export function decodeLogLine(bytes: Buffer): string {
  return decodeText(bytes, isUtf8(bytes) ? 'utf-8' : 'euc-kr');
}

/** Splits a file into decoded lines (LF, with a CR before it dropped). */
export function decodeLogFile(bytes: Buffer): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    lines.push(decodeLogLine(bytes.subarray(start, stop)));
    start = end + 1;
  }
  return lines;
}

const KOREAN_WORDS: [RegExp, string][] = [
  [/서버/g, 'SERVER'],
  [/접속/g, 'CONN'],
  [/요청/g, 'REQ'],
  [/응답/g, 'RES'],
  [/전문/g, 'MSG'],
  [/전송/g, 'SEND'],
  [/수신/g, 'RECV'],
  [/정상/g, 'SUCC'],
  [/실패/g, 'FAIL'],
  [/오류/g, 'ERR'],
];

/**
 * The step name of a message, the same for both versions: v2.00's `PG_서버_요청_전문_전송__정상` and
 * v2.14's `PG_SERVER_REQ_MSG_SEND__SUCC` both give PG_SERVER_REQ_MSG_SEND__SUCC.
 */
export function stepOf(text: string): string {
  const head = text.split(' - ')[0].trim();
  if (!/^[A-Z][A-Z0-9_가-힣]*$/.test(head)) return head;
  let step = head;
  for (const [word, english] of KOREAN_WORDS) step = step.replace(word, english);
  return step;
}

/** `site_cd=[T0000]+tx_cd=[00100000]+…` → fields. */
export function bracketFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=\[([^\]]*)\]/g)) fields[m[1]] = m[2];
  return fields;
}

/** A result string `res_cd=…␟res_msg=…␟…`: read as pp_cli's answer line is (protocol/result.ts parseResultLine). */
export function resultFields(res: string): Record<string, string> {
  return parseResultLine(res);
}

/** Parses one decoded line; the year comes from the YYYYMM folder (pp_cli lines have none). */
export function parsePpCliLine(line: string, year: number, file = '', lineNo = 0): TraceEntry | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, mo, dd, hh, mi, ss, ms, pid, trace, kind, text] = m;
  const step = stepOf(text);
  let fields: Record<string, string> = {};
  if (step === 'TX_START') {
    fields = bracketFields(text);
  } else if (step === 'TX_ENDED') {
    // A line cut short (a full disk) and continued by the next write holds another line's header inside it: it is no
    // answer at all, even when some later `]` closes it.
    const res = /res=\[([\s\S]*)\]\s*$/.exec(text);
    fields = res && !SPLICED.test(res[1]) ? resultFields(res[1]) : {};
  } else {
    fields = bracketFields(text);
  }
  const entry: TraceEntry = {
    source: 'pp_cli',
    time: new Date(year, Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss), ms ? Number(ms) : 0),
    hasMillis: ms !== undefined,
    file,
    lineNo,
    pid: Number(pid),
    traceNo: trace,
    kind,
    version: ms !== undefined ? '2.14' : '2.00',
    step,
    text,
    fields,
  };
  if (step === 'TX_START' && fields.ordr_idxx) entry.ordrIdxx = fields.ordr_idxx;
  if (step === 'TX_ENDED' && fields.tno) entry.tno = fields.tno;
  return entry;
}
