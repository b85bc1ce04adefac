/**
 * Data sets exactly as KCP's libraries build them (pp-cli-protocol.md §1.4):
 * each item is `name=value` followed by its terminator, and an item whose value is empty is skipped.
 */
import { GS, RS, US } from './separators.js';
import { assertSafeValue } from './validate.js';

/** One item `name=value<US>` (mf_set_data_us): '' when name or value is empty. Used to build nested sets. */
export function usItem(name: string, value: string): string {
  if (name === '' || value === '') return '';
  assertSafeValue(name, value);
  return `${name}=${value}${US}`;
}

/** An ordered list of items with one terminator (US for ordr/rcvr/modx/payx subsets, GS for escw). */
export class ItemSet {
  private readonly items: string[] = [];

  constructor(readonly terminator: string = US) {}

  /** Append `name=value<terminator>`; an empty value is skipped, as the vendor libraries do. */
  set(name: string, value: string): this {
    if (value === '') return this;
    assertSafeValue(name, value);
    this.items.push(`${name}=${value}${this.terminator}`);
    return this;
  }

  /**
   * Append a nested set already framed with US items (rcpt_data, corp_data in cash receipts). The inner items keep
   * their own US terminators and the outer one follows: `rcpt_data=a=1<US>b=2<US><US>`.
   */
  setNested(name: string, innerItems: string): this {
    if (innerItems === '') return this;
    this.items.push(`${name}=${innerItems}${this.terminator}`);
    return this;
  }

  /** Append a raw, already-framed item string (used when importing plan_data). */
  appendRaw(raw: string): this {
    if (raw !== '') this.items.push(raw);
    return this;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** The items as one string (no set name). */
  toString(): string {
    return this.items.join('');
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** `setName=items`, or '' for an empty set (mf_get_data). */
export function namedSet(setName: string, items: ItemSet | string): string {
  const text = typeof items === 'string' ? items : items.toString();
  return text === '' ? '' : `${setName}=${text}`;
}

/**
 * payx_data as the new library builds it: '' without subsets, else `payx_data=` + `common=…<RS>` + `card=…<RS>`
 * (+ any further subsets such as real_batch, in insertion order).
 */
export function payxData(subsets: ReadonlyArray<readonly [string, ItemSet]>): string {
  const parts = subsets.filter(([, set]) => !set.isEmpty).map(([name, set]) => `${name}=${set.toString()}${RS}`);
  return parts.length === 0 ? '' : `payx_data=${parts.join('')}`;
}

export { GS, RS, US };
