/**
 * Value bindings for replay: fields whose values a merchant's code generates afresh on every run (an order id made
 * from the clock) cannot match a recording literally. For the fields named in `bind`, the first request that carries a
 * new value may match any recorded value; from then on that pair is fixed, so the same generated id must keep meeting
 * the same recorded id — and a different generated id cannot take a recorded one already taken.
 */
import type { RequestView } from './cassette.js';

/** Every (path, value) in a view whose option or item name is one of `names`. */
function boundFields(view: RequestView, names: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(view.options)) if (names.has(k) && v !== '') out.push([k, v]);
  for (const [set, content] of Object.entries(view.sets)) {
    for (const [k, v] of Object.entries(content as Record<string, string | Record<string, string>>)) {
      if (typeof v === 'string') {
        if (names.has(k) && v !== '') out.push([`${set}.${k}`, v]);
      } else {
        for (const [ik, iv] of Object.entries(v)) if (names.has(ik) && iv !== '') out.push([`${set}.${k}.${ik}`, iv]);
      }
    }
  }
  return out;
}

function valueAt(view: RequestView, path: string): string | undefined {
  const parts = path.split('.');
  if (parts.length === 1) return view.options[parts[0]!];
  let node: unknown = view.sets;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
  return typeof node === 'string' ? node : undefined;
}

function withValue(view: RequestView, path: string, value: string): void {
  const parts = path.split('.');
  if (parts.length === 1) {
    view.options[parts[0]!] = value;
    return;
  }
  let node = view.sets as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

export class ValueBindings {
  /** requested value → recorded value */
  private readonly map = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly names: ReadonlySet<string>) {}

  get active(): boolean {
    return this.names.size > 0;
  }

  /**
   * The view with already-bound values replaced by their recorded counterparts, and the paths still unbound (to be
   * left out of matching for this request).
   */
  prepare(view: RequestView): { view: RequestView; unbound: string[] } {
    const copy = structuredClone(view);
    const unbound: string[] = [];
    for (const [path, value] of boundFields(view, this.names)) {
      const recorded = this.map.get(value);
      if (recorded === undefined) unbound.push(path);
      else withValue(copy, path, recorded);
    }
    return { view: copy, unbound };
  }

  /** Whether the recorded request can take the unbound values (its values are not bound to other requests). */
  accepts(requested: RequestView, recorded: RequestView, unbound: readonly string[]): boolean {
    return unbound.every((path) => {
      const r = valueAt(recorded, path);
      return r === undefined || !this.taken.has(r) || this.map.get(valueAt(requested, path) ?? '') === r;
    });
  }

  /** Fix the pairs a match has just made. */
  bind(requested: RequestView, recorded: RequestView, unbound: readonly string[]): void {
    for (const path of unbound) {
      const want = valueAt(requested, path);
      const got = valueAt(recorded, path);
      if (want === undefined || got === undefined || this.map.has(want)) continue;
      this.map.set(want, got);
      this.taken.add(got);
    }
  }
}
