/**
 * ReplayRunner: answers invocations from a cassette, with no process and no network. Requests are matched on
 * tx_cd, mod_type and the normalised fields (volatile keys such as trace_no, cust_ip, home, log_path, log_level and
 * the gateway address are ignored); each recorded interaction answers once, in any order. A miss throws a
 * KcpConfigError that shows the difference to the closest recorded request.
 */
import { KcpConfigError } from '../errors.js';
import {
  findInteraction, loadCassette, redactArg, toOutcome, viewRequest, type Cassette, type CassetteMode,
} from './cassette.js';
import { ValueBindings } from './replay-bindings.js';
import { RecordingRunner } from './record.js';
import type { ArgvEncoding, Invocation, RunOutcome, Runner } from './types.js';

export interface ReplayOptions {
  /** Extra keys to leave out of matching: option names, `set.item` paths or bare item names. */
  ignore?: readonly string[];
  /**
   * Option or item names whose values your code generates on each run (e.g. ['ordr_idxx', 'ordr_no'] for order ids
   * made from the clock): a new value binds to the recorded one it first meets, and must keep to it (replay-bindings.ts).
   */
  bind?: readonly string[];
}

export class ReplayRunner implements Runner {
  readonly name = 'replay';
  readonly argvEncoding: ArgvEncoding;
  readonly cassette: Cassette;
  private readonly played = new Set<number>();
  private readonly ignore: ReadonlySet<string>;
  private readonly bindings: ValueBindings;

  constructor(readonly path: string, options: ReplayOptions = {}) {
    this.cassette = loadCassette(path);
    this.argvEncoding = this.cassette.meta.argvEncoding ?? 'euc-kr';
    this.ignore = new Set(options.ignore ?? []);
    this.bindings = new ValueBindings(new Set(options.bind ?? []));
  }

  async run(invocation: Invocation): Promise<RunOutcome> {
    const requested = viewRequest(invocation.args.map(redactArg));
    const { view, unbound } = this.bindings.prepare(requested);
    let ignore = this.ignore;
    let unavailable: ReadonlySet<number> = this.played;
    if (unbound.length > 0) {
      // New generated values may meet any recorded value that no other generated value has taken.
      ignore = new Set([...this.ignore, ...unbound]);
      const refused = this.cassette.interactions.flatMap((it, i) =>
        this.bindings.accepts(requested, it.request.view, unbound) ? [] : [i],
      );
      unavailable = new Set([...this.played, ...refused]);
    }
    const { index } = findInteraction(this.cassette, view, unavailable, this.path, ignore);
    this.played.add(index);
    this.bindings.bind(requested, this.cassette.interactions[index]!.request.view, unbound);
    return toOutcome(this.cassette.interactions[index]!.response);
  }

  /** Interactions not played yet (a test can assert the whole session was used). */
  get remaining(): number {
    return this.cassette.interactions.length - this.played.size;
  }
}

/**
 * Names of the variables `cassetteRunnerFromEnv` reads. Nothing in the SDK reads them on its own: selectRunner() and
 * PayPlus ignore them, so a stray KCP_PAYPLUS_CASSETTE on a live server changes nothing. A test harness that wants
 * the variables must call cassetteRunnerFromEnv itself and pass the result as the runner.
 */
export const CASSETTE_ENV = 'KCP_PAYPLUS_CASSETTE';
export const CASSETTE_MODE_ENV = 'KCP_PAYPLUS_CASSETTE_MODE';

export interface CassetteSelection {
  path: string;
  mode: CassetteMode;
  createdBy?: string;
  ignore?: readonly string[];
  bind?: readonly string[];
}

/** Comma-separated names for ReplayOptions.bind, e.g. `ordr_idxx,ordr_no`. */
export const CASSETTE_BIND_ENV = 'KCP_PAYPLUS_CASSETTE_BIND';

const MODES: readonly CassetteMode[] = ['replay', 'record', 'passthrough'];

function checkMode(mode: string, field: string): CassetteMode {
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new KcpConfigError(`${field}: '${mode}' is not a cassette mode; use replay, record or passthrough`, { field });
  }
  return mode as CassetteMode;
}

/** Wrap `inner` for a cassette mode: replay (no process), record (run and save) or passthrough (inner as is). */
export function cassetteRunner(inner: Runner, selection: CassetteSelection): Runner {
  switch (selection.mode) {
    case 'replay': return new ReplayRunner(selection.path, { ignore: selection.ignore, bind: selection.bind });
    case 'record': return new RecordingRunner(inner, selection.path, { createdBy: selection.createdBy });
    case 'passthrough': return inner;
  }
}

/**
 * An explicit helper for test harnesses: `inner` unchanged when KCP_PAYPLUS_CASSETTE is unset in `env`, else wrapped
 * in the mode of KCP_PAYPLUS_CASSETTE_MODE (replay by default). Only a caller that passes its result as the runner is
 * affected; runner selection never calls it. An unknown mode is a configuration error.
 */
export function cassetteRunnerFromEnv(inner: Runner, env: Readonly<Record<string, string | undefined>>): Runner {
  const path = env[CASSETTE_ENV];
  if (!path) return inner;
  const mode = checkMode(env[CASSETTE_MODE_ENV] || 'replay', CASSETTE_MODE_ENV);
  const bind = (env[CASSETTE_BIND_ENV] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return cassetteRunner(inner, { path, mode, bind, createdBy: `kcp-payplus (${CASSETTE_ENV})` });
}

// ------------------------------------------------------------------ `kcp-payplus record` and its child process

/** Where the record command's preload leaves the cassette for its child process (a global, set by code only). */
const PROCESS_CASSETTE = Symbol.for('kcp-payplus.record.cassette');

/**
 * The cassette `kcp-payplus record` put this process under, or undefined. Only the record command's preload sets it
 * (see recordPreloadUrl): no environment variable does.
 */
export function processCassette(): CassetteSelection | undefined {
  const value = (globalThis as Record<symbol, unknown>)[PROCESS_CASSETTE] as
    | { path?: unknown; mode?: unknown; bind?: unknown }
    | undefined;
  if (value === undefined) return undefined;
  if (typeof value.path !== 'string' || value.path === '' || typeof value.mode !== 'string') {
    throw new KcpConfigError('kcp-payplus record: the preload left no cassette path or mode; run the command again', { field: 'cassette' });
  }
  const bind = Array.isArray(value.bind) ? value.bind.filter((n): n is string => typeof n === 'string') : [];
  return { path: value.path, mode: checkMode(value.mode, 'cassette mode'), bind, createdBy: 'kcp-payplus record' };
}

/**
 * The `--import` URL `kcp-payplus record` gives its child (through NODE_OPTIONS): a self-contained data: module that
 * leaves `selection` where processCassette() finds it. Base64, so NODE_OPTIONS needs no quoting for any path.
 */
export function recordPreloadUrl(selection: Pick<CassetteSelection, 'path' | 'mode' | 'bind'>): string {
  const data = JSON.stringify({ path: selection.path, mode: checkMode(selection.mode, 'cassette mode'), bind: selection.bind ?? [] });
  const source = `globalThis[Symbol.for(${JSON.stringify(PROCESS_CASSETTE.description)})] = Object.freeze(${data});\n`;
  return `data:text/javascript;base64,${Buffer.from(source, 'utf8').toString('base64')}`;
}
