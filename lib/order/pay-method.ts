/** Builds the 12-character pay_method bitmap from method names (or checks a given bitmap). */
import { PAY_METHODS, PAY_METHOD_NAMES, lookupPayMethod, type PayMethodName } from '../codes/pay-methods.js';
import { fail, type FieldRef } from './checks.js';

const REF: FieldRef = { kcp: 'pay_method', prop: 'payMethod' };
const NAMES = PAY_METHOD_NAMES.join(', ');
const KNOWN_POSITIONS = new Set(PAY_METHODS.map((m) => m.bitmap.indexOf('1')));

/**
 * 'card' → 100000000000; ['card', 'bank', 'vbank'] → 111000000000; a 12-digit bitmap passes through
 * when it only sets positions the order form defines.
 */
export function payMethodBitmap(input: PayMethodName | readonly PayMethodName[] | string): string {
  if (typeof input === 'string' && /^[01]{12}$/.test(input)) return checkBitmap(input);
  const names = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
  if (!names || names.length === 0) {
    fail(REF, `must name at least one payment method; got ${JSON.stringify(input)}`, `Use one or more of ${NAMES}, or a 12-digit bitmap such as 100000000000`);
  }
  const bits = Array.from({ length: 12 }, () => '0');
  for (const name of names) {
    const info = lookupPayMethod(name);
    if (!info) {
      fail(REF, `has the unknown method ${JSON.stringify(name)}`, `Use one or more of ${NAMES}, or a 12-digit bitmap such as 100000000000`);
    }
    bits[info.bitmap.indexOf('1')] = '1';
  }
  return bits.join('');
}

function checkBitmap(bitmap: string): string {
  if (!bitmap.includes('1')) fail(REF, 'selects no payment method (all zeros)', 'Set at least one position, e.g. 100000000000 for cards');
  for (let i = 0; i < 12; i += 1) {
    if (bitmap[i] === '1' && !KNOWN_POSITIONS.has(i)) {
      fail(REF, `sets position ${i + 1} in ${bitmap}, which the order form does not define`, `Use positions of ${NAMES} only`);
    }
  }
  return bitmap;
}
