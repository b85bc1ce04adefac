/**
 * Test oracle: reads a `-h` argument the way the module does, independently of the SDK's builders.
 *
 * Options: the stand-in's getsubopt (native/standin/pp_cli.c parse_suboptions) — split at ',', each token at its
 * first '=', a repeated key wins last; unknown keys are kept so an injected one shows, and repeats are reported. Data sets: each value
 * must begin with its set name; FS anywhere starts another set (§1.4, §10.2); items end with US (GS in escw_data);
 * payx_data is split into subsets at RS first. Text is decoded as the module reads it: EUC-KR, or UTF-8 with opt=1.
 * Used only by tests.
 */
import iconv from 'iconv-lite';
import { parseOptionString } from '../../lib/wire.js';

export type Item = readonly [name: string, value: string | undefined];

export interface ParsedRequest {
  options: Map<string, string>;
  /** Keys that appeared more than once (getsubopt keeps the last). */
  repeated: string[];
  /** Items per set (payx items as `subset.name`), in order; '' pieces (terminators) dropped. */
  sets: Record<'payx_data' | 'ordr_data' | 'rcvr_data' | 'escw_data' | 'modx_data', Item[]>;
  /** Anything that re-frames: an FS inside a set, a set not starting with its name, an item without '='. */
  anomalies: string[];
}

const SET_PREFIX = {
  payx_data: 'payx_data=',
  ordr_data: 'ordr_data=',
  rcvr_data: 'rcvr_data=',
  escw_data: 'escw_data=',
  modx_data: 'mod_data=',
} as const;

function itemsOf(text: string, terminator: RegExp, prefix: string, anomalies: string[], where: string): Item[] {
  const out: Item[] = [];
  for (const piece of text.split(terminator)) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) anomalies.push(`${where}: item without '=': ${JSON.stringify(piece.slice(0, 30))}`);
    out.push(eq < 0 ? [prefix + piece, undefined] : [prefix + piece.slice(0, eq), piece.slice(eq + 1)]);
  }
  return out;
}

export function parseRequest(argument: Buffer): ParsedRequest {
  // getsubopt's reading is the SDK's parseOptionString (a port of the stand-in's parse_suboptions); repeats are
  // counted here, since the module silently keeps the last one.
  const raw = parseOptionString(argument);
  const keys = argument
    .toString('latin1')
    .split(',')
    .filter((t) => t !== '')
    .map((t) => t.split('=')[0]!);
  const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
  const utf8 = raw.get('opt')?.toString('latin1') === '1';
  const decode = (b: Buffer) => (utf8 ? b.toString('utf8') : iconv.decode(b, 'cp949'));
  const options = new Map<string, string>();
  for (const [k, v] of raw) options.set(k, decode(v));

  const anomalies: string[] = [];
  const sets = { payx_data: [], ordr_data: [], rcvr_data: [], escw_data: [], modx_data: [] } as ParsedRequest['sets'];
  for (const key of Object.keys(SET_PREFIX) as Array<keyof typeof SET_PREFIX>) {
    const text = options.get(key) ?? '';
    if (text === '') continue;
    if (text.includes('\x1c')) anomalies.push(`${key}: FS inside the set starts another set`);
    const prefix = SET_PREFIX[key];
    if (!text.startsWith(prefix)) {
      anomalies.push(`${key}: does not start with ${prefix}`);
      continue;
    }
    const body = text.slice(prefix.length);
    if (key === 'payx_data') {
      for (const subset of body.split('\x1e')) {
        if (subset === '') continue;
        const eq = subset.indexOf('=');
        if (eq < 0) {
          anomalies.push(`payx_data: subset without '='`);
          continue;
        }
        sets.payx_data.push(...itemsOf(subset.slice(eq + 1), /\x1f/, `${subset.slice(0, eq)}.`, anomalies, key));
      }
    } else {
      sets[key].push(...itemsOf(body, key === 'escw_data' ? /\x1d/ : /\x1f/, '', anomalies, key));
    }
  }
  return { options, repeated, sets, anomalies };
}
