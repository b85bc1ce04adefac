/**
 * What KCP's module cannot carry, refused before it runs (docs/pp-cli-protocol.md §10.1, §10.2), naming the field.
 *
 * - One data set (`mod_data=…`, `ordr_data=…`, `payx_data=…` with its name prefix) holds at most 30,718 bytes counted
 *   in EUC-KR (with opt=1, after the module's UTF-8 → EUC-KR conversion). Past that the module cuts it silently and
 *   the gateway answers as usual.
 * - Linux refuses an argument longer than 128 KiB (MAX_ARG_STRLEN = 131,072 bytes including the terminating NUL, so
 *   131,071 bytes of text) with E2BIG: the module never starts.
 * - Item names are structure: a separator, '=' or ',' in a name adds items or whole sets. KCP's names are
 *   `[a-z0-9_]+`, and that is all a setter accepts.
 * The decisions on what else to refuse, and why, are in lib/protocol/README.md.
 */
import { KcpInputError } from '../errors.js';
import type { OptionValues } from './option-string.js';
import { findChar } from './encoding.js';
import { describeChar } from './validate.js';

/** Bytes of one data set's `name=items` string the module carries whole (EUC-KR). */
export const MAX_DATA_SET_BYTES = 30_718;
/** Bytes of the `-h` argument Linux passes to a program (MAX_ARG_STRLEN minus the terminating NUL). */
export const MAX_ARGUMENT_BYTES = 128 * 1024 - 1;

/** KCP's item names (ordr_mony, mod_desc, bt_batch_key …) and payx subset names (common, card, real_batch …). */
const ITEM_NAME = /^[a-z0-9_]+$/;

/** Shows a name in a message without letting it run on (names come from callers' code, never from buyers). */
function shown(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

/**
 * A name for an item of `set` (or a payx subset): lowercase letters, digits and '_' only.
 * Throws KcpInputError naming the set and the offending character.
 */
export function assertItemName(set: string, name: string): void {
  if (ITEM_NAME.test(name)) return;
  const problem =
    name === ''
      ? 'is empty'
      : ((bad) => `contains ${describeChar(bad.char)} at position ${bad.position}`)(findChar(name, (c) => !/[a-z0-9_]/.test(c))!);
  throw new KcpInputError(
    `${set}: the item name ${shown(name)} ${problem}; KCP's item names are lowercase letters, digits and '_' ` +
      `([a-z0-9_]+), and a separator, '=' or ',' in a name would add items or whole data sets in the module. ` +
      `Use the name from KCP's manual (e.g. ordr_mony, mod_desc)`,
    { field: set },
  );
}

function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Cheap early refusal for one item, before any encoding: its `name=value` alone cannot fit a data set. A string of
 * n UTF-16 units is at least n bytes in EUC-KR (ASCII is one byte, everything else two or refused), so this never
 * refuses what fits, and it keeps a 140,000-character value from being encoded, scanned or masked at all.
 */
export function assertItemLength(set: string, name: string, value: string): void {
  if (name.length + value.length + 2 <= MAX_DATA_SET_BYTES) return;
  throw new KcpInputError(
    `${name} (in ${set}): ${grouped(value.length)} characters do not fit KCP's module, which carries at most ` +
      `${grouped(MAX_DATA_SET_BYTES)} bytes (EUC-KR) per data set and silently cuts the rest. Shorten ${name}`,
    { field: name },
  );
}

/** EUC-KR byte count of text already checked character by character (every non-ASCII character is 2 bytes). */
function eucKrBytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) bytes += 1;
  return bytes;
}

/** The items of a set string (`mod_data=tno=…<US>mod_desc=…<US>`, payx subsets split too): name and value bytes. */
function itemsOf(setString: string): Array<{ name: string; bytes: number }> {
  const body = setString.slice(setString.indexOf('=') + 1);
  const items: Array<{ name: string; bytes: number }> = [];
  for (const subset of body.split('\x1e')) {
    // payx subsets are `common=items…`: the subset name is a prefix, not an item
    const inner = setString.startsWith('payx_data=') ? subset.slice(subset.indexOf('=') + 1) : subset;
    for (const item of inner.split(/[\x1c\x1d\x1f]/)) {
      if (item === '') continue;
      const eq = item.indexOf('=');
      items.push({ name: eq < 0 ? item : item.slice(0, eq), bytes: eucKrBytes(eq < 0 ? item : item.slice(eq + 1)) });
    }
  }
  return items;
}

const SETS: ReadonlyArray<readonly [keyof OptionValues, string]> = [
  ['payxData', 'payx_data'],
  ['ordrData', 'ordr_data'],
  ['rcvrData', 'rcvr_data'],
  ['escwData', 'escw_data'],
  ['modxData', 'modx_data'],
];

/** Option keys whose values are not data sets, for naming the biggest when the whole argument is too long. */
const OTHER_KEYS: ReadonlyArray<readonly [keyof OptionValues, string]> = [
  ['encData', 'enc_data'],
  ['encInfo', 'enc_info'],
  ['home', 'home'],
  ['logPath', 'log_path'],
  ['ordrIdxx', 'ordr_idxx'],
  ['paUrl', 'pa_url'],
];

/**
 * Every data set within 30,718 EUC-KR bytes and the whole `-h` argument within 131,071 bytes; otherwise throws
 * KcpInputError naming the largest item of the set (or the largest option) and how much to cut.
 */
export function assertRequestFits(values: OptionValues, argument: Buffer): void {
  for (const [key, setName] of SETS) {
    const text = values[key] as string;
    if (text.length <= MAX_DATA_SET_BYTES / 2) continue; // fits whatever its characters are
    const bytes = eucKrBytes(text);
    if (bytes <= MAX_DATA_SET_BYTES) continue;
    const largest = itemsOf(text).reduce((a, b) => (b.bytes > a.bytes ? b : a), { name: setName, bytes: 0 });
    const over = bytes - MAX_DATA_SET_BYTES;
    throw new KcpInputError(
      `${largest.name} (in ${setName}): the data set would be ${grouped(bytes)} bytes in EUC-KR, and KCP's module ` +
        `carries at most ${grouped(MAX_DATA_SET_BYTES)} bytes per data set, silently cutting the rest. Shorten ` +
        `${largest.name} (${grouped(largest.bytes)} bytes) by at least ${grouped(over)} byte${over === 1 ? '' : 's'}`,
      { field: largest.name },
    );
  }
  if (argument.length <= MAX_ARGUMENT_BYTES) return;
  const candidates = [...SETS, ...OTHER_KEYS].map(([key, name]) => ({ name, bytes: eucKrBytes(values[key] as string) }));
  const largest = candidates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const over = argument.length - MAX_ARGUMENT_BYTES;
  throw new KcpInputError(
    `${largest.name}: the pp_cli argument would be ${grouped(argument.length)} bytes, and Linux passes at most ` +
      `${grouped(MAX_ARGUMENT_BYTES)} bytes in one argument (128 KiB with its NUL; E2BIG, the module never starts). ` +
      `Shorten ${largest.name} (${grouped(largest.bytes)} bytes) or the rest of the request by at least ${grouped(over)} ` +
      `byte${over === 1 ? '' : 's'}`,
    { field: largest.name },
  );
}
