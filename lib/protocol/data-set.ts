/**
 * Data sets exactly as KCP's libraries build them (docs/pp-cli-protocol.md §1.4):
 * each item is `name=value` followed by its terminator, and an item whose value is empty is skipped.
 */
import { KcpInputError } from '../errors.js';
import { assertEucKr, findChar } from './encoding.js';
import { assertItemLength, assertItemName } from './limits.js';
import { GS, RS, US } from './separators.js';
import { assertSafeValue, describeChar } from './validate.js';

/**
 * Every check one `name=value` item passes before it joins a set: a KCP item name, a length the module can carry,
 * no ',' or control character, and only characters EUC-KR has — each refusal naming the item (and the set).
 */
export function assertItem(set: string, name: string, value: string): void {
  assertItemName(set, name);
  assertItemLength(set, name, value);
  assertSafeValue(name, value);
  assertEucKr(name, value);
}

/**
 * One item `name=value<US>` (mf_set_data_us) for a nested set (rcpt_data, corp_data): '' when the value is empty.
 * Unlike the vendor function, an empty or malformed name is refused rather than skipped.
 */
export function usItem(name: string, value: string): string {
  assertItemName('nested item', name);
  if (value === '') return '';
  assertItem('nested item', name, value);
  return `${name}=${value}${US}`;
}

/**
 * Checks a nested item string as usItem builds it: `name=value<US>` items one after another, nothing else. A nested
 * string holding FS, GS or RS would open a new set or subset in the module (docs/pp-cli-protocol.md §10.2).
 */
export function assertNestedItems(set: string, items: string): void {
  if (!items.endsWith(US)) {
    throw new KcpInputError(
      `${set}: the nested items must each end with US (0x1F), as usItem() builds them; build them with usItem()`,
      { field: set },
    );
  }
  for (const item of items.slice(0, -1).split(US)) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      throw new KcpInputError(`${set}: the nested item ${JSON.stringify(item.slice(0, 40))} has no '='; build it with usItem(name, value)`, {
        field: set,
      });
    }
    assertItem(set, item.slice(0, eq), item.slice(eq + 1));
  }
}

/**
 * Checks the items of one set taken from a COM-style plan_data string (already split on FS): every item
 * `name=value`, ended by US or GS, with a KCP name; no RS and no other control character, which would open a payx
 * subset or corrupt the framing.
 */
export function assertPlanItems(set: string, items: string): void {
  const control = findChar(items, (_char, cp) => (cp < 0x20 && cp !== 0x1c && cp !== 0x1d && cp !== 0x1f) || cp === 0x7f);
  if (control) {
    throw new KcpInputError(
      `plan_data: the ${set} set contains ${describeChar(control.char)} at position ${control.position}; only US (0x1F) ` +
        `and GS (0x1D) may end items there. Remove it`,
      { field: 'plan_data' },
    );
  }
  const last = items.at(-1);
  if (items !== '' && last !== US && last !== GS) {
    // An unterminated last item would run into the next setter's item: `a=1` + `ordr_mony=1004<US>` is one item.
    const tail = items.slice(Math.max(items.lastIndexOf(US), items.lastIndexOf(GS)) + 1);
    throw new KcpInputError(
      `plan_data: the ${set} item ${JSON.stringify(tail.slice(0, 40))} is not ended by US (0x1F) or GS (0x1D), so the next ` +
        `item would be glued onto it. End every item with its terminator, as mf_set_data_us builds them`,
      { field: 'plan_data' },
    );
  }
  for (const item of items.split(/[\x1d\x1f]/)) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      throw new KcpInputError(`plan_data: the ${set} item ${JSON.stringify(item.slice(0, 40))} has no '='`, { field: 'plan_data' });
    }
    assertItemName(set, item.slice(0, eq));
  }
  assertEucKr(set, items);
}

/** An ordered list of items with one terminator (US for ordr/rcvr/modx/payx subsets, GS for escw). */
export class ItemSet {
  private readonly items: string[] = [];

  /** `label` names the set in refusals (ordr_data, modx_data, payx_data card …). */
  constructor(
    readonly terminator: string = US,
    readonly label: string = 'data set',
  ) {}

  /** Append `name=value<terminator>`; an empty value is skipped, as the vendor libraries do (the name is checked). */
  set(name: string, value: string): this {
    assertItemName(this.label, name);
    if (value === '') return this;
    assertItem(this.label, name, value);
    this.items.push(`${name}=${value}${this.terminator}`);
    return this;
  }

  /**
   * Append a nested set already framed with US items (rcpt_data, corp_data in cash receipts). The inner items keep
   * their own US terminators and the outer one follows: `rcpt_data=a=1<US>b=2<US><US>`.
   */
  setNested(name: string, innerItems: string): this {
    assertItemName(this.label, name);
    if (innerItems === '') return this;
    assertItemLength(this.label, name, innerItems);
    assertNestedItems(name, innerItems);
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
