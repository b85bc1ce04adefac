/**
 * good_expr, the service period shown in the payment window:
 * `0` one-off product ([일반결제]); `1:YYYYMMDDYYYYMMDD` a fixed period (start ≤ end, real dates);
 * `2:<n>d|w|m` a recurring product every n days / weeks / months ([자동결제]).
 */
import { fail, type FieldRef } from './checks.js';

const REF: FieldRef = { kcp: 'good_expr', prop: 'goodExpr' };
const FIX = 'Use "0" (one-off), "1:YYYYMMDDYYYYMMDD" (period, e.g. 1:2012010120120131) or "2:<n>d|w|m" (recurring, e.g. 2:1m)';

function isRealDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function checkGoodExpr(value: string): string {
  if (value === '0') return value;
  const period = /^1:(\d{8})(\d{8})$/.exec(value);
  if (period) {
    const [, start, end] = period as unknown as [string, string, string];
    for (const date of [start, end]) {
      if (!isRealDate(date)) fail(REF, `has "${date}", which is not a real date (YYYYMMDD)`, FIX);
    }
    if (start > end) fail(REF, `starts on ${start}, after its end ${end}`, 'Put the start date first');
    return value;
  }
  if (/^2:[1-9]\d{0,2}[dwm]$/.test(value)) return value;
  return fail(REF, `is not a valid service period; got ${JSON.stringify(value)}`, FIX);
}
