/**
 * The smartphone window names its methods with KCP's four-letter codes (sm_form `pay_method`, trade registration
 * `paymentMethod`) instead of the PC window's 12-digit bitmap.
 */
import { fail, type FieldRef } from '../order/checks.js';

export type SmartphoneMethodName = 'card' | 'bank' | 'vbank' | 'mobile';
export type SmartphonePayMethod = 'CARD' | 'BANK' | 'VCNT' | 'MOBX';

export const SMARTPHONE_PAY_METHODS: Readonly<Record<SmartphoneMethodName, SmartphonePayMethod>> = Object.freeze({
  card: 'CARD',
  bank: 'BANK',
  vbank: 'VCNT',
  mobile: 'MOBX',
});

const CODES = new Set<string>(Object.values(SMARTPHONE_PAY_METHODS));

/** 'card' → 'CARD'; a code passes through. Anything else is refused, naming the field. */
export function smartphonePayMethod(ref: FieldRef, value: string): SmartphonePayMethod {
  if (CODES.has(value)) return value as SmartphonePayMethod;
  const code = (SMARTPHONE_PAY_METHODS as Record<string, SmartphonePayMethod | undefined>)[value];
  if (code !== undefined) return code;
  const names = Object.entries(SMARTPHONE_PAY_METHODS).map(([n, c]) => `'${n}' (${c})`).join(', ');
  return fail(ref, `has the unknown smartphone method ${JSON.stringify(value)}`, `Use one of ${names}`);
}
