/**
 * The one table of KCP's 12-character payment-method bitmaps: the order form's `pay_method` (주문요청 페이지; several
 * methods are combined by setting several positions: card + bank transfer + virtual account = 111000000000) and the
 * `use_pay_method` the payment window posts back (one position set). lib/order builds pay_method from it and
 * lib/payplus reads use_pay_method through it.
 *
 * Reconciled (the two former copies disagreed):
 * - `000000000010` is **KT전화결제** (`kt`): KCP's manual lists it so in the pay_method table
 *   (../shared/docs/kcp-ax-hub-manual.ko.txt, "KT전화결제 - '000000000010'"). The other copy's `ars` came from an
 *   unconfirmed [U] row of pp-cli-protocol.md §3.3; the manual is KCP's own word.
 * - `000000000100` is not Tong money: it is **티머니/교통카드** (`transit`), which the window may post back
 *   (pp-cli-protocol.md §3.3 [C1], and §3.2 STAQ) but the manual's order form does not offer, so payMethodBitmap still
 *   refuses it in pay_method. Tong money (통머니) is `000000100000` (`tmoney`, manual).
 */

/** The methods an order form's pay_method may select (the manual's table). */
export type PayMethodName = 'card' | 'bank' | 'vbank' | 'point' | 'mobile' | 'tmoney' | 'giftcard' | 'kt';

/** Every method a use_pay_method answer can name: the order form's, plus those only the window posts back. */
export type UsePayMethodName = PayMethodName | 'transit';

export interface PayMethodInfo<N extends UsePayMethodName = PayMethodName> {
  readonly name: N;
  /** The 12-character value with only this method's position set. */
  readonly bitmap: string;
  /** The manual's label. */
  readonly label: string;
  readonly labelEn: string;
}

const method = <N extends UsePayMethodName>(name: N, bitmap: string, label: string, labelEn: string): PayMethodInfo<N> =>
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

/** Methods the payment window may post back as use_pay_method that the order form does not offer. */
export const ANSWER_ONLY_PAY_METHODS: readonly PayMethodInfo<'transit'>[] = Object.freeze([
  method('transit', '000000000100', '티머니/교통카드', 'T-money transit card'),
]);

const byBitmap = new Map<string, PayMethodInfo<UsePayMethodName>>(
  [...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS].map((m) => [m.bitmap, m]),
);

/** The method a use_pay_method value names (exactly one position set), or undefined. */
export function payMethodOfBitmap(bitmap: string): PayMethodInfo<UsePayMethodName> | undefined {
  return byBitmap.get(bitmap);
}

const byName = new Map(PAY_METHODS.map((m) => [m.name, m]));

export function lookupPayMethod(name: string): PayMethodInfo | undefined {
  return byName.get(name as PayMethodName);
}

/** The method names whose positions are set in a 12-character bitmap (unknown positions are ignored). */
export function payMethodsInBitmap(bitmap: string): PayMethodName[] {
  return PAY_METHODS.filter((m) => bitmap[m.bitmap.indexOf('1')] === '1').map((m) => m.name);
}
