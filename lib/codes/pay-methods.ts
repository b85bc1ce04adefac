/**
 * The one table of KCP's 12-character payment-method bitmaps: the order form's `pay_method` (주문요청 페이지; several
 * methods are combined by setting several positions: card + bank transfer + virtual account = 111000000000) and the
 * `use_pay_method` the payment window posts back (one position set). lib/order builds pay_method from it and
 * lib/payplus reads use_pay_method through it.
 *
 * Reconciled (the two former copies disagreed):
 * - `000000000010` is **KT전화결제** (`kt`): KCP's manual lists it so in the pay_method table
 *   (docs/kcp-manual.md §3, "KT전화결제 - '000000000010'"). The other copy's `ars` came from an
 *   unconfirmed [U] row of docs/pp-cli-protocol.md §3.3; the manual is KCP's own word.
 * - `000000000100` is not Tong money: it is **티머니/교통카드** (`transit`), which the window may post back
 *   (docs/pp-cli-protocol.md §3.3 [C1], and §3.2 STAQ) but the manual's order form does not offer, so payMethodBitmap still
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
  /**
   * KCP's four-letter code for this method: `pay_method` in an approval answer, and the `pay_type` verification item
   * of the approval request (docs/pp-cli-protocol.md §3.4). Undefined when no source gives one.
   */
  readonly payType: string | undefined;
  /**
   * Where payType comes from: 'kcp' = KCP's own answers and pages (PACA, PABK, PAVC, PAMC; docs/pp-cli-protocol.md §2.2,
   * §3.4, docs/kcp-rest-api.md); 'sim' = the code the simulator answers, chosen because no public source gives KCP's
   * (unverified against KCP's module: check a real approval log before relying on it).
   */
  readonly payTypeSource: 'kcp' | 'sim' | undefined;
}

const method = <N extends UsePayMethodName>(
  name: N,
  bitmap: string,
  label: string,
  labelEn: string,
  payType?: [string, 'kcp' | 'sim'],
): PayMethodInfo<N> => Object.freeze({ name, bitmap, label, labelEn, payType: payType?.[0], payTypeSource: payType?.[1] });

/**
 * In the manual's order. `tmoney` is the position the manual labels 통머니 (KCP's "Tong money", whose
 * statements are `tong_bill` receipts); KCP's manual calls it T-money (docs/kcp-manual.md §3).
 */
export const PAY_METHODS: readonly PayMethodInfo[] = Object.freeze([
  method('card', '100000000000', '신용카드', 'credit card', ['PACA', 'kcp']),
  method('bank', '010000000000', '계좌이체', 'real-time bank transfer', ['PABK', 'kcp']),
  method('vbank', '001000000000', '가상계좌', 'virtual account', ['PAVC', 'kcp']),
  method('point', '000100000000', '포인트', 'points', ['PAPT', 'sim']),
  method('mobile', '000010000000', '휴대폰', 'mobile phone', ['PAMC', 'kcp']),
  method('tmoney', '000000100000', '통머니', 'Tong money'),
  method('giftcard', '000000001000', '상품권', 'gift card', ['PATK', 'sim']),
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

/**
 * The `pay_type` an approval request carries when the method has no four-letter code of its own (Tong money, KT phone
 * bill, T-money transit): KCP's code for "another method", as its cash-receipt requests use it (docs/pp-cli-protocol.md
 * §3.1 07010000, `pay_type PABK/PAVC/PAXX`). Never answered as a method.
 */
export const OTHER_PAY_TYPE = 'PAXX';

/**
 * pay_method codes KCP answers for a payment made through the card window from a wallet balance (easy-pay money and
 * points: KakaoMoney, NaverPay point, TossMoney, SSG Money; docs/pp-cli-protocol.md §3.3 gnuboard, docs/kcp-rest-api.md). The
 * buyer chose the card window, so the method is `card`.
 */
export const WALLET_PAY_TYPES: Readonly<Record<string, 'card'>> = Object.freeze({ PAKM: 'card', PANP: 'card', PATO: 'card', PASG: 'card' });

const byPayType = new Map<string, UsePayMethodName>([
  ...[...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS].flatMap((m) => (m.payType ? [[m.payType, m.name] as const] : [])),
  ...Object.entries(WALLET_PAY_TYPES),
]);

/** The method KCP's answered four-letter pay_method names (PACA → card, PAVC → vbank, PAKM → card …), or undefined. */
export function methodOfPayType(code: string): UsePayMethodName | undefined {
  return byPayType.get(code);
}

/** The pay_type item an approval request for `name` carries: the method's own code, else OTHER_PAY_TYPE. */
export function requestPayType(name: UsePayMethodName): string {
  return [...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS].find((m) => m.name === name)?.payType ?? OTHER_PAY_TYPE;
}
