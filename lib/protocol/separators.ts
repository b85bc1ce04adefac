/**
 * The control characters KCP's libraries use to frame data sets (docs/pp-cli-protocol.md §1.4).
 * Only the builders place these; a value that contains one is refused.
 */
/** 0x1F: ends each name=value item in ordr/rcvr/modx/payx-subset data; separates result fields. */
export const US = '\x1f';
/** 0x1E: ends each payx subset (common=…, card=…). */
export const RS = '\x1e';
/** 0x1D: ends each item of escw_data. */
export const GS = '\x1d';
/** 0x1C: separates whole data sets inside plan_data (COM / .NET / ASP). */
export const FS = '\x1c';
