/**
 * How pp_cli's input and output are read, in one place for every layer that reads them: the protocol (answers,
 * option strings), the runner (cassette view, recording), the simulator, the trace tool and doctor
 * (docs/pp-cli-protocol.md §1.5, §2.3, §2.5). At the ground floor (it imports nothing), so that every layer imports it
 * downward: the protocol sits above the runner, and both read this format.
 */

/**
 * Split `text` into `key=value` items on `separator`: each item at its first '=' (values keep later '=', '+', '%',
 * '&' verbatim), an item without '=' is a key with value '', empty items are skipped, a repeated key: the last wins.
 * This is both pp_cli's result line (separator US) and a data set's items.
 */
export function splitItems(text: string, separator: string): Record<string, string> {
  const fields: Record<string, string> = {};
  eachItem(text, separator, (key, value) => {
    fields[key] = value;
  });
  return fields;
}

/** splitItems' pairs in order, repeats included (for callers that keep them in a Map). */
export function splitItemPairs(text: string, separator: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  eachItem(text, separator, (key, value) => {
    pairs.push([key, value]);
  });
  return pairs;
}

/**
 * The one reading of both: each non-empty item of `text`, split at its first '=' (no '=': the value is ''). One pass:
 * the next '=' is looked up again only once the items have moved past it, so items without '=' cost no rescans.
 */
function eachItem(text: string, separator: string, take: (key: string, value: string) => void): void {
  if (separator.length === 0) throw new RangeError('splitItems: the separator must not be empty');
  let start = 0;
  let eq = text.indexOf('=');
  while (start <= text.length) {
    let end = text.indexOf(separator, start);
    if (end < 0) end = text.length;
    if (eq >= 0 && eq < start) eq = text.indexOf('=', start);
    if (end > start) {
      if (eq < 0 || eq >= end) take(text.slice(start, end), '');
      else take(text.slice(start, eq), text.slice(eq + 1, end));
    }
    start = end + separator.length;
  }
}

/**
 * Split bytes into `name=value` pairs on the byte `separator`, each at its first '=' (a pair without '=' has an empty
 * value), empty segments skipped, in order and with repeats (callers decide which repeat wins). The bytes are views
 * into `bytes`. getsubopt over pp_cli's -h (',') is this. (An HTTP form body has the same shape but is split in
 * lib/http/form.ts in one pass without a Buffer per pair: a buyer can post tens of thousands of pairs.)
 */
export function splitBytePairs(bytes: Buffer, separator: number): Array<[Buffer, Buffer]> {
  const pairs: Array<[Buffer, Buffer]> = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(separator, start);
    if (end < 0) end = bytes.length;
    const segment = bytes.subarray(start, end);
    if (segment.length > 0) {
      const eq = segment.indexOf(0x3d);
      pairs.push(eq < 0 ? [segment, segment.subarray(segment.length)] : [segment.subarray(0, eq), segment.subarray(eq + 1)]);
    }
    start = end + 1;
  }
  return pairs;
}

/**
 * Read an option string the way pp_cli does (getsubopt): split on ',', each token at its first '=', unknown keys kept
 * (the binary ignores them), a repeated key overwrites the earlier one, a key without '=' yields ''.
 */
export function parseOptionString(bytes: Buffer): Map<string, Buffer> {
  return new Map(splitBytePairs(bytes, 0x2c).map(([key, value]) => [key.toString('latin1'), Buffer.from(value)]));
}

/** pp_cli's usage banner line: ` <program> - <module>   ver X.YY`. */
export interface UsageBanner {
  /** The whole line without its leading and trailing blanks, e.g. `pp_cli - KCP PG CLIENT MODULE   ver 2.14`. */
  readonly banner: string;
  readonly program: string;
  readonly module: string;
  readonly version: string;
}

const BANNER_LINE = /^ (\S+) - (.+?)[ \t]+ver (\d+\.\d{2})[ \t]*$/m;
/** What KCP's modules call themselves on that line: v2.14 (English or Korean build) and v2.00. */
const KCP_MODULE = /^(KCP PG CLIENT (MODULE|모듈)|PayPLUS CLIENT 모듈)$/;
const RULE = '='.repeat(70);

/** The banner line in `stderr` (printed for `-x` or any option other than -h), if there is one. */
export function parseUsageBanner(stderr: string): UsageBanner | undefined {
  const m = BANNER_LINE.exec(stderr);
  if (!m) return undefined;
  return { banner: m[0].trim(), program: m[1]!, module: m[2]!, version: m[3]! };
}

/** KCP's own usage banner: a rule of 70 '=' and then a banner line naming one of KCP's modules (S102's sign). */
export function hasKcpUsageBanner(stderr: string): boolean {
  const b = parseUsageBanner(stderr);
  return b !== undefined && KCP_MODULE.test(b.module) && stderr.includes(`${RULE}\n ${b.program} - `);
}
