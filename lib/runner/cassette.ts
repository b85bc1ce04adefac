/**
 * Cassettes: recorded pp_cli sessions (argv bytes in, stdout/stderr bytes and exit status out), so tests can
 * replay a real or simulated gateway session with no module and no network.
 *
 * A cassette is JSON. Bytes are stored as base64 because the encoding is part of the contract (EUC-KR argv,
 * US-separated output); a decoded view sits beside them for humans and for request matching. Secrets are replaced
 * by placeholders before anything is kept — in the raw argv/stdout bytes too — so a cassette can be committed.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import iconv from 'iconv-lite';
import { KcpConfigError } from '../errors.js';
import { SENSITIVE_FIELD_NAMES } from '../log/mask.js';
import type { ArgvEncoding, Invocation, RunOutcome } from './types.js';
import { parseOptionString, splitItems } from '../wire.js';

export const CASSETTE_FORMAT = 'kcp-payplus-cassette/1';
export const REDACTED = '[REDACTED]';

export type CassetteMode = 'replay' | 'record' | 'passthrough';

/** -h keys whose whole value is secret (site_key, enc_data, enc_info): the secret names of log/mask.ts's one list. */
export const SECRET_OPTIONS: ReadonlySet<string> = new Set(SENSITIVE_FIELD_NAMES.secret);

/** Item names inside data sets (request) and result fields (response) replaced whole: every name of the list. */
export const SECRET_ITEMS: ReadonlySet<string> = new Set(Object.values(SENSITIVE_FIELD_NAMES).flat());

/** -h keys that differ between runs or machines and never take part in matching. */
export const VOLATILE_OPTIONS: ReadonlySet<string> = new Set([
  'trace_no', 'cust_ip', 'home', 'log_path', 'log_level', 'pa_url', 'pa_port',
]);

/** Data-set items that are as machine-specific as cust_ip: mod_ip is the requester's address. */
export const VOLATILE_ITEMS: ReadonlySet<string> = new Set(['mod_data.mod_ip']);

const DATA_SETS = ['payx_data', 'ordr_data', 'rcvr_data', 'escw_data', 'modx_data'] as const;

export interface RequestView {
  /** The -h options as pp_cli would read them (getsubopt: last duplicate wins), decoded. */
  options: Record<string, string>;
  /** Data sets split into items (payx_data: subset → items). */
  sets: Record<string, Record<string, string> | Record<string, Record<string, string>>>;
  encoding: ArgvEncoding;
}

export interface CassetteRequest {
  /** The executable's base name (paths are machine-specific). */
  file: string;
  /** argv[1..], each base64 of the redacted bytes. */
  argv: string[];
  view: RequestView;
}

export interface CassetteResponse {
  stdout: string;
  stderr: string;
  stdoutText: string;
  stderrText: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  spawnError?: { code: string; message: string };
}

export interface Interaction {
  request: CassetteRequest;
  response: CassetteResponse;
}

export interface CassetteMeta {
  createdBy: string;
  recordedAt: string;
  /** How the recording runner delivered argv (replay must report the same so requests are built the same way). */
  argvEncoding: ArgvEncoding;
  ppCli: { file: string; banner?: string; version?: string; sha256?: string };
  notes?: string;
}

export interface Cassette {
  format: typeof CASSETTE_FORMAT;
  meta: CassetteMeta;
  interactions: Interaction[];
}

// ------------------------------------------------------------------ redaction

const SEP = '\\x1c\\x1d\\x1e\\x1f';
const itemPattern = (terminators: string) =>
  new RegExp(`(^|[${terminators}=])(${[...SECRET_ITEMS].join('|')})=([^${terminators}]*)`, 'g');
const REQUEST_ITEM = itemPattern(SEP);
const RESPONSE_ITEM = itemPattern(`${SEP}\\n\\r`);

/** Replace secret values in one argv element: whole -h options and items inside data sets. Works on raw bytes. */
export function redactArg(arg: Buffer): Buffer {
  const text = arg.toString('latin1');
  if (!text.includes('=')) return Buffer.from(arg);
  const tokens = text.split(',').map((token) => {
    const eq = token.indexOf('=');
    if (eq < 0) return token;
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (SECRET_OPTIONS.has(key)) return value === '' ? token : `${key}=${REDACTED}`;
    return `${key}=${value.replace(REQUEST_ITEM, (_m, pre: string, name: string, v: string) => `${pre}${name}=${v === '' ? '' : REDACTED}`)}`;
  });
  return Buffer.from(tokens.join(','), 'latin1');
}

/** Replace personal values in a result line (`card_no=…<US>`) without touching its encoding. */
export function redactOutput(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  return Buffer.from(
    text.replace(RESPONSE_ITEM, (_m, pre: string, name: string, v: string) => `${pre}${name}=${v === '' ? '' : REDACTED}`),
    'latin1',
  );
}

// ------------------------------------------------------------------ decoded view

function decode(bytes: Buffer, encoding: ArgvEncoding): string {
  return encoding === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, 'cp949');
}


function stripName(value: string): { name: string; body: string } {
  const eq = value.indexOf('=');
  return eq < 0 ? { name: '', body: value } : { name: value.slice(0, eq), body: value.slice(eq + 1) };
}

/** The -h argument of an invocation (the element after '-h', or a '-hVALUE' element). */
function optionArg(args: readonly Buffer[]): Buffer | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.toString('latin1');
    if (a === '-h') return args[i + 1];
    if (a.startsWith('-h')) return args[i]!.subarray(2);
  }
  return undefined;
}

/** Decode argv into options and data-set items; `opt=1` means UTF-8 bytes. */
export function viewRequest(args: readonly Buffer[]): RequestView {
  const arg = optionArg(args) ?? Buffer.alloc(0);
  const raw = parseOptionString(arg);
  const encoding: ArgvEncoding = Number.parseInt(raw.get('opt')?.toString('latin1') || '0', 10) === 1 ? 'utf-8' : 'euc-kr';
  const options: Record<string, string> = {};
  for (const [k, v] of raw) options[k] = decode(v, encoding);
  const sets: RequestView['sets'] = {};
  for (const key of DATA_SETS) {
    const value = options[key];
    if (!value) continue;
    const { name, body } = stripName(value);
    if (key === 'payx_data') {
      const subsets: Record<string, Record<string, string>> = {};
      for (const subset of stripName(body).name === 'payx_data' ? stripName(body).body.split('\x1e') : body.split('\x1e')) {
        if (subset === '') continue;
        const s = stripName(subset);
        subsets[s.name] = splitItems(s.body, '\x1f');
      }
      sets[name || key] = subsets;
    } else {
      sets[name || key] = splitItems(body, key === 'escw_data' ? '\x1d' : '\x1f');
    }
  }
  return { options, sets, encoding };
}

// ------------------------------------------------------------------ building and matching

export function toInteraction(invocation: Invocation, outcome: RunOutcome): Interaction {
  const args = invocation.args.map(redactArg);
  const view = viewRequest(args);
  const stdout = redactOutput(outcome.stdout);
  return {
    request: { file: invocation.file.split(/[\\/]/).pop() ?? invocation.file, argv: args.map((a) => a.toString('base64')), view },
    response: {
      stdout: stdout.toString('base64'),
      stderr: outcome.stderr.toString('base64'),
      stdoutText: decode(stdout, view.encoding),
      stderrText: decode(outcome.stderr, view.encoding),
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      durationMs: outcome.durationMs,
      ...(outcome.spawnError ? { spawnError: outcome.spawnError } : {}),
    },
  };
}

export function toOutcome(response: CassetteResponse): RunOutcome {
  return {
    exitCode: response.exitCode,
    signal: response.signal,
    stdout: Buffer.from(response.stdout, 'base64'),
    stderr: Buffer.from(response.stderr, 'base64'),
    timedOut: response.timedOut,
    durationMs: response.durationMs,
    ...(response.spawnError ? { spawnError: response.spawnError } : {}),
  };
}

/**
 * The comparable form of a request: non-volatile options plus every data-set item, flattened to
 * `key` / `set.item` / `payx_data.subset.item`. Secrets are already placeholders, so they compare equal.
 */
export function matchKey(view: RequestView, ignore: ReadonlySet<string> = new Set()): Map<string, string> {
  const out = new Map<string, string>();
  const skip = (k: string) => ignore.has(k) || VOLATILE_ITEMS.has(k);
  for (const [k, v] of Object.entries(view.options)) {
    if (VOLATILE_OPTIONS.has(k) || (DATA_SETS as readonly string[]).includes(k) || skip(k)) continue;
    out.set(k, v);
  }
  for (const [set, content] of Object.entries(view.sets)) {
    for (const [k, v] of Object.entries(content as Record<string, string | Record<string, string>>)) {
      if (typeof v === 'string') {
        if (!skip(`${set}.${k}`) && !skip(k)) out.set(`${set}.${k}`, v);
      } else {
        for (const [ik, iv] of Object.entries(v)) if (!skip(`${set}.${k}.${ik}`) && !skip(ik)) out.set(`${set}.${k}.${ik}`, iv);
      }
    }
  }
  return out;
}

export function differences(recorded: Map<string, string>, requested: Map<string, string>): string[] {
  const keys = [...new Set([...recorded.keys(), ...requested.keys()])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    const a = recorded.get(k);
    const b = requested.get(k);
    if (a === b) continue;
    const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));
    lines.push(`  ${k}: recorded ${show(a)}, requested ${show(b)}`);
  }
  return lines;
}

/** The most important fields first: a tx_cd or mod_type difference outweighs any other. */
function distance(recorded: Map<string, string>, requested: Map<string, string>): number {
  let d = differences(recorded, requested).length;
  for (const k of ['tx_cd', 'mod_data.mod_type']) if (recorded.get(k) !== requested.get(k)) d += 100;
  return d;
}

export interface MatchResult {
  index: number;
}

/**
 * Find the first not-yet-played interaction that matches `view`, or throw a KcpConfigError whose message shows
 * the difference to the closest recorded request.
 */
export function findInteraction(
  cassette: Cassette,
  view: RequestView,
  played: ReadonlySet<number>,
  source: string,
  ignore: ReadonlySet<string> = new Set(),
): MatchResult {
  const wanted = matchKey(view, ignore);
  const distances = cassette.interactions.map((it) => distance(matchKey(it.request.view, ignore), wanted));
  const exact = distances.findIndex((d, i) => d === 0 && !played.has(i));
  if (exact >= 0) return { index: exact };
  const playedMatch = distances.findIndex((d) => d === 0);
  let best = -1;
  distances.forEach((d, i) => {
    if (best < 0 || d < distances[best]!) best = i;
  });
  const modType = (view.sets.mod_data as Record<string, unknown> | undefined)?.mod_type;
  const what = `tx_cd=${view.options.tx_cd ?? ''}${typeof modType === 'string' ? ` mod_type=${modType}` : ''}`;
  let detail: string;
  if (playedMatch >= 0) {
    detail = `the matching interaction #${playedMatch} was already played (each recorded interaction answers once)`;
  } else if (best >= 0) {
    detail = `closest recorded request is interaction #${best}; differences:\n${differences(matchKey(cassette.interactions[best]!.request.view, ignore), wanted).join('\n')}`;
  } else {
    detail = 'the cassette has no interactions';
  }
  throw new KcpConfigError(
    `cassette ${source}: no recorded pp_cli interaction matches this request (${what}); ${detail}\n` +
      `Re-record the cassette (kcp-payplus record, see lib/sim/README.md) if the change is intended`,
    { field: 'cassette' },
  );
}

// ------------------------------------------------------------------ files

export function loadCassette(path: string): Cassette {
  let parsed: Cassette;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Cassette;
  } catch (err) {
    throw new KcpConfigError(
      `cassette ${path}: cannot be read (${err instanceof Error ? err.message : String(err)}); record it first with ` +
        `kcp-payplus record or check the path`,
      { field: 'cassette', cause: err },
    );
  }
  if (parsed.format !== CASSETTE_FORMAT || !Array.isArray(parsed.interactions)) {
    throw new KcpConfigError(`cassette ${path}: not a ${CASSETTE_FORMAT} file; re-record it`, { field: 'cassette' });
  }
  return parsed;
}

/** Write atomically (temp file + rename) so an interrupted recording never leaves half a cassette. */
export function saveCassette(path: string, cassette: Cassette): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cassette, null, 2)}\n`);
  renameSync(tmp, path);
}
