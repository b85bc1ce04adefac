/**
 * Attempts: the payment flows' shared ground floor. The flows' context (PaymentContext: config, store, gateway, logger),
 * the attempt's state transitions (note: a compare-and-set on the store row, logged and never thrown), what the store
 * records of an approval, and the automatic cancel (marked `cancelling` first, then asked of the gateway). processPayment
 * (process-payment.ts) and recovery (recovery.ts) both build on it; it imports neither of them nor the facade.
 */
import { unlink } from 'node:fs/promises';
import type { SiteConfData } from '../config/site-conf.js';
import { isAlreadyCancelledCode } from '../codes/results.js';
import { KcpDuplicateOrderError, KcpError, toKcpError } from '../errors.js';
import type { PaymentGateway } from '../gateway/types.js';
import { maskText } from '../log/mask.js';
import type { PayplusLogger } from '../log/types.js';
import { sameOwner } from '../store/owner.js';
import { FINAL_STATES, type Attempt, type AttemptState, type Owner, type PaymentStore } from '../store/types.js';
import type { FenceHook } from './fence.js';
import { toModifyResult, type Approval, type ModifyResult } from './results.js';

export const AUTO_CANCEL_DESC = '결과 처리 오류 - 자동 취소';

export type AutoCancelReason = 'amount_mismatch' | 'tampering' | 'commit_failed' | 'recovered' | 'timeout';


/** Asked by recovery about an approval whose commit was not recorded with it (commits outside the store). */
export type IsCommittedHook = (attempt: Attempt) => Promise<boolean> | boolean;

/**
 * What the flows work with, built by the facade (PayPlus): the site configuration, the payment store, the gateway
 * (pp_cli or REST) and the logger. Flows import this file, the gateway interface, the store and the errors; never the
 * facade.
 */
export interface PaymentContext {
  conf: SiteConfData;
  gateway: PaymentGateway;
  store: PaymentStore;
  logger: PayplusLogger;
  /** Where each attempt's pp_cli stdout file goes (unused by the REST transport). */
  answersDir: string;
  /** How long an owner's claim on an attempt lasts without renewal (ms). */
  leaseMs: number;
  isCommitted?: IsCommittedHook;
  /** The commit fence on the merchant's database (fence.ts), for commits outside the store. */
  fence?: FenceHook;
  /** How long the merchant's commit may run before the attempt is overdue (ms). */
  commitTimeoutMs: number;
}

/** How an attempt's note begins once its commit outlived the limit. */
export const OVERDUE_NOTE = 'overdue:';

/** Default commit time limit: a commit that takes a minute is stuck, not slow. */
export const DEFAULT_COMMIT_TIMEOUT_MS = 60_000;


/**
 * Removes an attempt's stdout file once the store holds what it said: it holds the module's whole answer, buyer data
 * included, and is needed only until then. A failure to remove it is harmless (recovery reads it again at worst).
 */
export function discardAnswer(attempt: Pick<Attempt, 'outputPath' | 'durableOutput'>): void {
  if (attempt.outputPath === undefined || !attempt.durableOutput) return; // only runners that honour stdoutFile make one
  unlink(attempt.outputPath).catch(() => undefined);
}


/**
 * Moves an attempt on, and logs (never throws) when the store fails: once pp_cli has run, the money has moved, and a
 * store that cannot write must not stop the flow half-way. Returns false when it was not recorded.
 */
export async function note(
  ctx: PaymentContext,
  attempt: Pick<Attempt, 'id' | 'ordrIdxx'>,
  from: readonly AttemptState[],
  patch: Parameters<PaymentStore['update']>[2],
  owner?: Owner,
): Promise<boolean> {
  // A note quotes what the module or KCP said (an error message, a cut answer line): masked like a log line, since the
  // store is read by operators and backups as much as a log is.
  if (patch.note !== undefined) patch = { ...patch, note: maskText(patch.note) };
  try {
    const done = await ctx.store.update(attempt.id, from, patch, owner);
    if (!done) {
      ctx.logger.log({
        level: 0,
        event: 'payment.store_conflict',
        ordrIdxx: attempt.ordrIdxx,
        fields: { id: attempt.id, step: patch.state ?? 'update', message: `the attempt was no longer in ${from.join('/')}` },
      });
    }
    return done;
  } catch (err) {
    ctx.logger.log({
      level: 0,
      event: 'payment.store_failed',
      ordrIdxx: attempt.ordrIdxx,
      fields: { id: attempt.id, step: patch.state ?? 'update', message: `the payment store could not record this step: ${String(err)}` },
    });
    return false;
  }
}


/** What the store records of an approval (the attempt's `approved` state). */
export function approvedState(approval: Approval, note?: string) {
  return {
    state: 'approved' as const,
    tno: approval.tno,
    resCd: approval.resCd,
    approvedAmount: approval.amount === undefined ? undefined : String(approval.amount),
    method: approval.method,
    escrow: approval.escrow,
    ...(note === undefined ? {} : { note }),
  };
}


export type CancelOutcome =
  | { status: 'cancelled'; reason: AutoCancelReason; cause?: unknown; cancel: ModifyResult; attemptId: string }
  | { status: 'cancel_failed'; reason: AutoCancelReason; cause?: unknown; cancelError: KcpError; attemptId: string };


/** The mod_type KCP's pages use to undo an approval. */
export function autoCancelModType(approval: { escrow?: boolean; method?: string }): 'STSC' | 'STE2' | 'STE5' {
  if (!approval.escrow) return 'STSC';
  return approval.method === 'vbank' ? 'STE5' : 'STE2';
}

/**
 * Cancels an approved attempt held by `owner`: marks it `cancelling` first (so a crash leaves a cancel that recovery
 * repeats), then asks KCP. KCP's already-cancelled answer counts as cancelled. A refusal leaves `cancel_failed`, no
 * definitive answer leaves `cancelling`; both are retried by recovery. Never throws for a gateway refusal.
 */
export async function autoCancel(
  ctx: PaymentContext,
  attempt: Attempt,
  owner: Owner,
  reason: AutoCancelReason,
  cause: unknown,
  custIp: string,
): Promise<CancelOutcome> {
  const { gateway, logger } = ctx;
  const modType = autoCancelModType(attempt);
  const tno = attempt.tno!;
  const marked = await note(
    ctx,
    attempt,
    ['approved', 'cancelling', 'cancel_failed'],
    { state: 'cancelling', cancelModType: modType, cancelReason: reason, cancelTries: attempt.cancelTries + 1 },
    owner,
  );
  if (!marked) {
    // A cancel is sent only by whoever recorded `cancelling` under its own ownership (a compare-and-set): recovery
    // took the attempt over, or it is settled, or the store could not record it — then the cancel is not ours to send
    // now (the answer stays in its file; recovery cancels it exactly once from the store).
    const now = await ctx.store.get(attempt.id).catch(() => undefined);
    const cancelError =
      now && (!sameOwner(now.owner, owner) || FINAL_STATES.has(now.state))
        ? new KcpDuplicateOrderError(`attempt ${attempt.id} is being settled by another process; not cancelled here`)
        : toKcpError(
            new Error(`the payment store could not record the cancel of attempt ${attempt.id}; no cancel was sent yet: recovery cancels it once the store answers`),
            { moduleStarted: false },
          );
    logger.log({ level: 0, event: 'payment.auto_cancel_deferred', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id, tno, message: cancelError.message } });
    return { status: 'cancel_failed', reason, cause, cancelError, attemptId: attempt.id };
  }
  const fields = { id: attempt.id, tno, reason, mod_type: modType };
  try {
    const request = { tno, custIp, reason: AUTO_CANCEL_DESC, traceNo: tno };
    let cancel: ModifyResult;
    try {
      cancel = await gateway.modify({ kind: 'cancel', modType, ...request });
    } catch (err) {
      const error = toKcpError(err, { moduleStarted: true });
      if (!(error.resCd && isAlreadyCancelledCode(error.resCd))) throw error;
      cancel = toModifyResult(error.raw); // already cancelled: the goal is reached
    }
    await note(ctx, attempt, ['cancelling'], { state: 'cancelled', cancelResCd: cancel.resCd }, owner);
    logger.log({ level: 0, event: 'payment.auto_cancelled', ordrIdxx: attempt.ordrIdxx, fields });
    return { status: 'cancelled', reason, cause, cancel, attemptId: attempt.id };
  } catch (err) {
    const cancelError = toKcpError(err, { moduleStarted: true });
    await note(
      ctx,
      attempt,
      ['cancelling'],
      {
        state: cancelError.outcomeKnown ? 'cancel_failed' : 'cancelling',
        cancelResCd: cancelError.resCd,
        note: cancelError.message.slice(0, 300),
        leaseUntil: 0,
      },
      owner,
    );
    logger.log({
      level: 0,
      event: 'payment.auto_cancel_failed',
      ordrIdxx: attempt.ordrIdxx,
      fields: { ...fields, message: `APPROVED BUT NOT RECORDED AND NOT CANCELLED YET: ${cancelError.message}` },
    });
    return { status: 'cancel_failed', reason, cause, cancelError, attemptId: attempt.id };
  }
}
