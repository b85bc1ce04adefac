/**
 * What KCP approved, checked against the order being paid — after KCP answered and before the merchant's commit.
 * Every value compared is KCP's (lib/payplus/results.ts reads method, amount, order number and tno from the answer
 * alone); the browser's form only chose the window. Any difference is a reason to cancel the approval automatically
 * (processPayment does, at the one place it checks the answer).
 */
import { KcpAmountMismatchError, KcpConfigError, KcpInputError, KcpTamperingError } from '../errors.js';
import { USE_PAY_METHOD, approvedTotal, type Approval, type PaymentMethod } from './results.js';

const METHOD_NAMES: ReadonlySet<string> = new Set(Object.values(USE_PAY_METHOD));

/**
 * A list of allowed methods must name methods the table knows: a typo would cancel every payment of that method.
 * KcpConfigError for PayPlusOptions (`config`), KcpInputError for one call's options.
 */
export function assertAllowedMethods(field: string, methods: readonly string[], source: 'config' | 'input' = 'input'): void {
  const Err = source === 'config' ? KcpConfigError : KcpInputError;
  if (!Array.isArray(methods)) throw new Err(`${field}: must be an array of method names such as ['card', 'vbank']`, { field });
  for (const m of methods) {
    if (!METHOD_NAMES.has(m)) {
      throw new Err(
        `${field}: ${JSON.stringify(m)} is not a payment method; use ${[...METHOD_NAMES].map((n) => `'${n}'`).join(', ')}`,
        { field },
      );
    }
  }
}

export interface AnswerExpectations {
  /** The order being paid (the attempt's ordr_idxx). */
  ordrIdxx: string;
  /** The amount from the merchant's database, as sent in ordr_mony. */
  amount: string;
  /**
   * The methods this order may be paid with (e.g. `['card']` for an order that must be paid now). Undefined: any
   * method — the approval's `method` still says what KCP approved, so `commit` can decide.
   */
  allowedMethods?: readonly PaymentMethod[];
}

export type AnswerProblem =
  | { reason: 'amount_mismatch'; error: KcpAmountMismatchError }
  | { reason: 'tampering'; error: KcpTamperingError };

/**
 * The first way KCP's approval differs from the order, or undefined when it matches:
 * - `order_no`: KCP's transaction is for another order — a window result (enc_data) issued for order X was posted as
 *   order Y at the same price. An answer without order_no is not held against the order (KCP's answers carry it).
 * - `pay_method`: KCP approved a method the order does not allow (a virtual-account window result posted as a card
 *   payment, say).
 * - the amount: KCP approved another total (amount, plus pnt_amount for card + point), or none readable.
 */
export function checkAnswer(approval: Approval, expected: AnswerExpectations): AnswerProblem | undefined {
  const { ordrIdxx } = expected;
  if (approval.orderNo !== '' && approval.orderNo !== ordrIdxx) {
    return {
      reason: 'tampering',
      error: new KcpTamperingError(
        `order_no: KCP approved tno ${approval.tno} for order ${approval.orderNo}, but the window result was posted ` +
          `for order ${ordrIdxx}: the browser posted another order's window result. The approval is cancelled; ` +
          `order ${ordrIdxx} stays unpaid`,
        { field: 'order_no', expected: ordrIdxx, answered: approval.orderNo, raw: approval.raw },
      ),
    };
  }
  const allowed = expected.allowedMethods;
  if (allowed !== undefined && !allowed.includes(approval.method)) {
    const answered = approval.method === 'unknown' ? `unknown (pay_method ${JSON.stringify(approval.payMethod)})` : approval.method;
    return {
      reason: 'tampering',
      error: new KcpTamperingError(
        `pay_method: KCP approved ${answered} (tno ${approval.tno}) but order ${ordrIdxx} may be paid by ` +
          `${allowed.length ? allowed.join(', ') : 'no method'}: the window result is not the one the order page ` +
          `asked for. The approval is cancelled; order ${ordrIdxx} stays unpaid`,
        { field: 'pay_method', expected: allowed.join(','), answered: approval.method, raw: approval.raw },
      ),
    };
  }
  const total = approvedTotal(approval);
  if (total === undefined || String(total) !== expected.amount) {
    return {
      reason: 'amount_mismatch',
      error: new KcpAmountMismatchError(
        `amount: KCP approved ${total === undefined ? 'no readable amount' : total} but order ${ordrIdxx} costs ${expected.amount}`,
        { field: 'amount', raw: approval.raw },
      ),
    };
  }
  return undefined;
}
