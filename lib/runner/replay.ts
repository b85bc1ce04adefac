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
import { ValueBindings } from './bindings.js';
import { RecordingRunner } from './record.js';
import type { ArgvEncoding, Invocation, RunOutcome, Runner } from './types.js';

export interface ReplayOptions {
  /** Extra keys to leave out of matching: option names, `set.item` paths or bare item names. */
  ignore?: readonly string[];
  /**
   * Option or item names whose values your code generates on each run (e.g. ['ordr_idxx', 'ordr_no'] for order ids
   * made from the clock): a new value binds to the recorded one it first meets, and must keep to it (bindings.ts).
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

/** Environment variables that put any runner under a cassette (see lib/sim/README.md "Recording a session"). */
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

/** Wrap `inner` for a cassette mode: replay (no process), record (run and save) or passthrough (inner as is). */
export function cassetteRunner(inner: Runner, selection: CassetteSelection): Runner {
  switch (selection.mode) {
    case 'replay': return new ReplayRunner(selection.path, { ignore: selection.ignore, bind: selection.bind });
    case 'record': return new RecordingRunner(inner, selection.path, { createdBy: selection.createdBy });
    case 'passthrough': return inner;
  }
}

/**
 * The runner the environment asks for: `inner` unchanged when KCP_PAYPLUS_CASSETTE is unset, else wrapped in the
 * mode of KCP_PAYPLUS_CASSETTE_MODE (replay by default). An unknown mode is a configuration error.
 */
export function cassetteRunnerFromEnv(inner: Runner, env: Readonly<Record<string, string | undefined>> = process.env): Runner {
  const path = env[CASSETTE_ENV];
  if (!path) return inner;
  const mode = env[CASSETTE_MODE_ENV] || 'replay';
  if (mode !== 'replay' && mode !== 'record' && mode !== 'passthrough') {
    throw new KcpConfigError(
      `${CASSETTE_MODE_ENV}: '${mode}' is not a cassette mode; use replay, record or passthrough`,
      { field: CASSETTE_MODE_ENV },
    );
  }
  const bind = (env[CASSETTE_BIND_ENV] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return cassetteRunner(inner, { path, mode, bind, createdBy: `kcp-payplus (${CASSETTE_ENV})` });
}
