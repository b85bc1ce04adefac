/**
 * Recurring billing (정기결제) through the payment store: a charge on a batch key is an attempt like any approval.
 * - The merchant names the billing period; (subscription, period) make one order id (billingOrderId), and the store's
 *   per-order compare-and-set (takeOrder) lets one charge of it through, ever: a second caller, in any process, gets
 *   KcpPeriodChargedError with the existing charge's state, and nothing is sent.
 * - The attempt is written before the HTTPS call; from then on the answer, the merchant's commit (in the store's
 *   transaction, or behind the commit fence) and any automatic cancel are processPayment's own steps (runAttempt), and
 *   what a crash or time-out leaves is settled by recovery like an approval: a charge with a tno by KCP's inquiry; one
 *   without a tno stays unknown and keeps its period taken (docs/kcp-rest-api.md §10.1).
 * - A decline gives the period back (KCP charged nothing); only a complete refusal is a decline.
 * Imports go downward only: process-payment.ts and attempts.ts, the gateway interface, the store, the errors.
 */
import { KcpInputError, KcpPeriodChargedError } from '../errors.js';
import type { ApproveRun, BatchBillingGateway, BillingChargeRequest } from '../gateway/types.js';
import type { BatchKey, BatchKeyDeleted, DeleteBatchKeyRequest, IssueBatchKeyRequest } from '../gateway/rest/client.js';
import { assertAmount, assertOrderId } from '../protocol/validate.js';
import { FINAL_STATES } from '../store/types.js';
import type { PaymentContext } from './attempts.js';
import { refuseTaken, runAttempt, takeOrder, type PaymentOutcome, type ProcessPaymentOptions } from './process-payment.js';

/** How the merchant records a charged period: processPayment's commit contract (commitInStore, or the commit fence). */
export type BillingChargeOptions<C> = Partial<Pick<ProcessPaymentOptions<C>, 'commit' | 'commitInStore'>> & {
  /** mod_ip of an automatic cancel (pp_cli only; the REST transport sends none). Default 127.0.0.1. */
  custIp?: string;
};

/** PayPlus.billing: recurring billing on the REST transport. */
export interface Billing {
  /** A batch key from a batch-mode window's result (enc_data, enc_info, tran_cd): no money moves. */
  issueKey(request: IssueBatchKeyRequest): Promise<BatchKey>;
  /**
   * Charges one billing period at most once, ever. Without `commit`, the store's own `committed` mark records the
   * period (commitInStore); with it, processPayment's commit contract applies. Throws KcpPeriodChargedError, sending
   * nothing, when the period is charged or being charged.
   */
  charge<C = undefined>(request: BillingChargeRequest, options?: BillingChargeOptions<C>): Promise<PaymentOutcome<C>>;
  deleteKey(request: DeleteBatchKeyRequest): Promise<BatchKeyDeleted>;
  /** The order id KCP and the store see for a period. */
  orderId(subscriptionId: string, period: string): string;
}

const PART = /^[0-9A-Za-z_-]+$/;

/** `<subscriptionId>.<period>`: neither part may hold '.', so two different periods never share an order id. */
export function billingOrderId(subscriptionId: string, period: string): string {
  for (const [field, value] of [['subscriptionId', subscriptionId], ['period', period]] as const) {
    if (typeof value !== 'string' || !PART.test(value)) {
      throw new KcpInputError(`${field}: ${JSON.stringify(value)} is not a plain name; use 0-9 A-Z a-z _ - (no '.', no spaces), e.g. '2026-12'`, { field });
    }
  }
  const id = `${subscriptionId}.${period}`;
  if (id.length > 40) {
    throw new KcpInputError(`subscriptionId: '${id}' is ${id.length} characters; KCP's ordr_idxx holds 40. Fix: shorten the subscription id or the period name`, { field: 'subscriptionId' });
  }
  assertOrderId('subscriptionId', id);
  return id;
}

function required(field: string, value: string | undefined): string {
  if (typeof value !== 'string' || value === '') throw new KcpInputError(`${field}: is empty. Fix: pass the value`, { field });
  return value;
}

/** One period's charge: validated, then the period taken in the store, then processPayment's flow with a batch charge. */
export async function chargePeriod<C>(
  ctx: PaymentContext,
  gateway: BatchBillingGateway,
  request: BillingChargeRequest,
  options: BillingChargeOptions<C> = {},
): Promise<PaymentOutcome<C>> {
  const ordrIdxx = billingOrderId(request.subscriptionId, request.period);
  const amount = assertAmount('amount', request.amount);
  const batchKey = required('batchKey', request.batchKey);
  const groupId = required('groupId', request.groupId);
  const goodName = required('goodName', request.goodName);
  const custIp = options.custIp ?? '127.0.0.1';
  const commitInStore = options.commit === undefined ? true : options.commitInStore;
  const commit = options.commit ?? ((() => undefined as C) as ProcessPaymentOptions<C>['commit']);

  const begun = await takeOrder(ctx, { ordrIdxx, amount, commitInStore, custIp });
  if (!begun.ok) {
    const b = begun.blocking;
    const { message } = refuseTaken(ctx, ordrIdxx, b);
    const charge = { attemptId: b.id, orderId: ordrIdxx, state: b.state, amount: b.amount, ...(b.tno ? { tno: b.tno } : {}) };
    throw new KcpPeriodChargedError(`period: ${request.period} of subscription ${request.subscriptionId} is not charged again: ${message}`, charge, !FINAL_STATES.has(b.state));
  }
  const send = (run: ApproveRun) =>
    gateway.chargeBatchKey({
      batchKey,
      groupId,
      orderId: ordrIdxx,
      amount: Number(amount),
      goodName,
      ...(request.buyerName === undefined ? {} : { buyerName: request.buyerName }),
      ...(request.buyerEmail === undefined ? {} : { buyerEmail: request.buyerEmail }),
      ...(request.buyerPhone === undefined ? {} : { buyerPhone: request.buyerPhone }),
      ...(request.quota === undefined ? {} : { quota: request.quota }),
    }, run);
  // A batch key charges a card: KCP's answer of another method, order or amount is cancelled as processPayment does.
  return runAttempt(ctx, begun.attempt, send, { custIp, expectedAmount: amount, commit, commitInStore, allowedMethods: ['card'] });
}
