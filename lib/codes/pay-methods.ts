/**
 * The order form's `pay_method`: a 12-character bitmap, one position per payment method
 * (주문요청 페이지, pay_method). Several methods are combined by setting several positions:
 * card + bank transfer + virtual account = 111000000000.
 */

export type PayMethodName = 'card' | 'bank' | 'vbank' | 'point' | 'mobile' | 'tmoney' | 'giftcard' | 'kt';

export interface PayMethodInfo {
  readonly name: PayMethodName;
  /** The 12-character value with only this method's position set. */
  readonly bitmap: string;
  /** The manual's label. */
  readonly label: string;
  readonly labelEn: string;
}

const method = (name: PayMethodName, bitmap: string, label: string, labelEn: string): PayMethodInfo =>
  Object.freeze({ name, bitmap, label, labelEn });

/**
 * In the manual's order. `tmoney` is the position the manual labels 통머니 (KCP's "Tong money", whose
 * statements are `tong_bill` receipts); SPEC.md calls it T-money.
 */
export const PAY_METHODS: readonly PayMethodInfo[] = Object.freeze([
  method('card', '100000000000', '신용카드', 'credit card'),
  method('bank', '010000000000', '계좌이체', 'real-time bank transfer'),
  method('vbank', '001000000000', '가상계좌', 'virtual account'),
  method('point', '000100000000', '포인트', 'points'),
  method('mobile', '000010000000', '휴대폰', 'mobile phone'),
  method('tmoney', '000000100000', '통머니', 'Tong money'),
  method('giftcard', '000000001000', '상품권', 'gift card'),
  method('kt', '000000000010', 'KT전화결제', 'KT phone bill'),
]);

export const PAY_METHOD_NAMES: readonly PayMethodName[] = Object.freeze(PAY_METHODS.map((m) => m.name));

const byName = new Map(PAY_METHODS.map((m) => [m.name, m]));

export function lookupPayMethod(name: string): PayMethodInfo | undefined {
  return byName.get(name as PayMethodName);
}

/** The method names whose positions are set in a 12-character bitmap (unknown positions are ignored). */
export function payMethodsInBitmap(bitmap: string): PayMethodName[] {
  return PAY_METHODS.filter((m) => bitmap[m.bitmap.indexOf('1')] === '1').map((m) => m.name);
}
