/**
 * processPayment: KCP's pp_ax_hub page (sections 01–08) done once, with the parts the samples leave to the merchant:
 * the form amount is checked against the merchant's own amount before anything runs, the approved amount after, the
 * merchant's commit runs next, and any failure in between cancels the approval automatically (STSC; STE2, or STE5 for
 * an escrow virtual account), passing the approval tno as trace_no as KCP's pages do. Every step is journalled first,
 * so a crash between approval and commit is found and settled by recover().
 */
import { randomUUID } from 'node:crypto';
import { KcpError, KcpInputError } from '../errors.js';
import type { PayplusLogger } from '../log/types.js';
import { assertAmount, assertOrderId } from '../protocol/validate.js';
import { foldJournal, type JournalEntry, type JournalStore, type PaymentState } from './journal.js';
import type { PayPlus } from './payplus.js';
import { approvedTotal, type Approval, type ModifyResult } from './results.js';

/** The fields KCP's payment window posts to pp_ax_hub (extra fields are ignored). */
export interface PaymentForm {
  tran_cd?: string;
  enc_data?: string;
  enc_info?: string;
  trace_no?: string;
  ordr_idxx?: string;
  /** The amount the page put in the form: never trusted, only compared. */
  good_mny?: string;
  use_pay_method?: string;
  [field: string]: string | undefined;
}

export interface ProcessPaymentOptions<C> {
  /** The buyer's IP (REMOTE_ADDR, or the trusted proxy's forwarded value). */
  custIp: string;
  /** The amount from YOUR database for this order. */
  expectedAmount: number | string;
  /** Record the approval in your database. Throw to have the approval cancelled automatically. */
  commit: (approval: Approval) => Promise<C> | C;
}

export const AUTO_CANCEL_DESC = '결과 처리 오류 - 자동 취소';

export type AutoCancelReason = 'amount_mismatch' | 'commit_failed' | 'recovered';

export type PaymentOutcome<C = unknown> =
  /**
   * Approved and committed. `journalError` is set when the journal could not record the commit (disk full …): the
   * payment is fine, but recover() will see it as uncommitted — give recover() an onUncommitted that checks your DB.
   */
  | { status: 'approved'; approval: Approval; committed: C; journalError?: unknown }
  /** KCP refused (or could not be reached, with nothing approved). Nothing to undo. */
  | { status: 'declined'; error: KcpError }
  /** Approved, then cancelled automatically because of `reason`. */
  | { status: 'cancelled'; approval: Approval; reason: AutoCancelReason; cause?: unknown; cancel: ModifyResult }
  /**
   * Approved, the automatic cancel failed too: the buyer is charged for an order you did not record.
   * The journal keeps it; recover() retries the cancel. Alert someone.
   */
  | { status: 'cancel_failed'; approval: Approval; reason: AutoCancelReason; cause?: unknown; cancelError: KcpError }
  /** pp_cli was killed or timed out: KCP may have approved. Recorded as unknown; never retried blindly. */
  | { status: 'unknown'; error: KcpError };

export interface PaymentContext {
  payplus: PayPlus;
  journal: JournalStore;
  logger: PayplusLogger;
}

function now(): string {
  return new Date().toISOString();
}

/**
 * Journal a step once pp_cli has run. From then on the money has moved, so a journal that cannot write (disk full)
 * must not stop the flow half-way: the failure is logged at level 0 and returned, and the flow goes on.
 * (The intent, written before pp_cli runs, is the one append allowed to stop a payment.)
 */
async function noteStep(ctx: PaymentContext, entry: JournalEntry): Promise<unknown> {
  try {
    await ctx.journal.append(entry);
    return undefined;
  } catch (err) {
    ctx.logger.log({
      level: 0,
      event: 'payment.journal_failed',
      fields: { id: entry.id, step: entry.type, message: `the payment journal could not record this step: ${String(err)}` },
    });
    return err;
  }
}

function asKcpError(err: unknown): KcpError {
  if (err instanceof KcpError) return err;
  return new KcpError('gateway_refused', err instanceof Error ? err.message : String(err), { cause: err });
}

/** An earlier payment for this order that blocks a new approval, with the reason. */
function blockingState(states: PaymentState[], ordrIdxx: string): { state: PaymentState; why: string } | undefined {
  for (const s of states) {
    if (s.ordrIdxx !== ordrIdxx || s.resolved) continue;
    if (!s.result || s.result.outcome === 'unknown') {
      return { state: s, why: `an earlier approval attempt (${s.id}) has an unknown outcome; run recover() or check KCP's admin first` };
    }
    if (s.result.outcome === 'approved' && s.cancelResult?.outcome !== 'cancelled') {
      return { state: s, why: `it was already approved (tno ${s.result.tno ?? '?'})` };
    }
  }
  return undefined;
}

export async function processPayment<C>(
  ctx: PaymentContext,
  form: PaymentForm,
  options: ProcessPaymentOptions<C>,
): Promise<PaymentOutcome<C>> {
  const { journal } = ctx;
  const tranCd = form.tran_cd ?? '';
  if (tranCd === '') {
    throw new KcpInputError(
      '9562 연동 오류: tran_cd was not posted. The payment window did not complete (Payplus plugin not run, or the ' +
        'form lost its hidden tran_cd field); show the buyer an error and let them retry',
      { field: 'tran_cd', resCd: '9562', resMsg: '연동 오류' },
    );
  }
  const expected = assertAmount('expectedAmount', options.expectedAmount);
  const ordrIdxx = form.ordr_idxx ?? '';
  assertOrderId('ordr_idxx', ordrIdxx);
  if (form.good_mny !== undefined && form.good_mny !== expected) {
    throw new KcpError(
      'amount_mismatch',
      `good_mny: the form says ${JSON.stringify(form.good_mny)} but order ${ordrIdxx} costs ${expected}; the form was ` +
        `changed in the browser. Nothing was sent to KCP (it would refuse with 8059 결제금액 불일치)`,
      { field: 'good_mny' },
    );
  }

  if (!(await journal.lock(ordrIdxx))) {
    throw new KcpError('duplicate_order', `ordr_idxx: order ${ordrIdxx} is being approved by another request right now`, {
      field: 'ordr_idxx',
    });
  }
  try {
    const blocking = blockingState(foldJournal(await journal.entries()), ordrIdxx);
    if (blocking) {
      throw new KcpError('duplicate_order', `ordr_idxx: order ${ordrIdxx} cannot be approved again: ${blocking.why}`, {
        field: 'ordr_idxx',
      });
    }
    return await approveAndCommit(ctx, form, options, { tranCd, expected, ordrIdxx });
  } finally {
    await journal.unlock(ordrIdxx);
  }
}

async function approveAndCommit<C>(
  ctx: PaymentContext,
  form: PaymentForm,
  options: ProcessPaymentOptions<C>,
  p: { tranCd: string; expected: string; ordrIdxx: string },
): Promise<PaymentOutcome<C>> {
  const { payplus, journal, logger } = ctx;
  const id = randomUUID();
  await journal.append({ type: 'intent', id, at: now(), ordrIdxx: p.ordrIdxx, amount: p.expected, pid: process.pid });

  let approval: Approval;
  try {
    approval = await payplus.approve({
      tranCd: p.tranCd,
      encData: form.enc_data ?? '',
      encInfo: form.enc_info ?? '',
      traceNo: form.trace_no ?? '',
      ordrIdxx: p.ordrIdxx,
      amount: p.expected,
      custIp: options.custIp,
      usePayMethod: form.use_pay_method || undefined,
    });
  } catch (err) {
    const error = asKcpError(err);
    const outcome = error.outcomeKnown ? 'declined' : 'unknown';
    await noteStep(ctx, { type: 'result', id, at: now(), outcome, resCd: error.resCd });
    if (error.code === 'input_invalid') throw error;
    if (outcome === 'unknown') {
      logger.log({ level: 0, event: 'payment.unknown', ordrIdxx: p.ordrIdxx, fields: { id, message: error.message } });
      return { status: 'unknown', error };
    }
    return { status: 'declined', error };
  }

  const resultError = await noteStep(ctx, {
    type: 'result',
    id,
    at: now(),
    outcome: 'approved',
    tno: approval.tno,
    resCd: approval.resCd,
    amount: approval.amount === undefined ? undefined : String(approval.amount),
    method: approval.method,
    escrow: approval.escrow,
  });

  const total = approvedTotal(approval);
  if (total === undefined || String(total) !== p.expected) {
    const cause = new KcpError(
      'amount_mismatch',
      `amount: KCP approved ${total === undefined ? 'no readable amount' : total} but order ` +
        `${p.ordrIdxx} costs ${p.expected}`,
      { field: 'amount', raw: approval.raw },
    );
    return autoCancel(ctx, id, approval, 'amount_mismatch', cause, options.custIp);
  }

  let committed: C;
  try {
    committed = await options.commit(approval);
  } catch (cause) {
    return autoCancel(ctx, id, approval, 'commit_failed', cause, options.custIp);
  }
  // The money and the merchant's record agree; if only our bookkeeping is behind, say so — never undo a commit.
  const journalError = (await noteStep(ctx, { type: 'commit', id, at: now() })) ?? resultError;
  logger.log({ level: 1, event: 'payment.committed', ordrIdxx: p.ordrIdxx, fields: { id, tno: approval.tno } });
  return journalError === undefined
    ? { status: 'approved', approval, committed }
    : { status: 'approved', approval, committed, journalError };
}

/** The mod_type KCP's pages use to undo an approval. */
export function autoCancelModType(approval: Pick<Approval, 'escrow' | 'method'>): 'STSC' | 'STE2' | 'STE5' {
  if (!approval.escrow) return 'STSC';
  return approval.method === 'vbank' ? 'STE5' : 'STE2';
}

/** Cancel an approval, journalling intent and result; never throws for a gateway refusal. */
export async function autoCancel(
  ctx: PaymentContext,
  id: string,
  approval: Approval,
  reason: AutoCancelReason,
  cause: unknown,
  custIp: string,
): Promise<Extract<PaymentOutcome, { status: 'cancelled' | 'cancel_failed' }>> {
  const { payplus, logger } = ctx;
  const modType = autoCancelModType(approval);
  await noteStep(ctx, { type: 'cancel-intent', id, at: now(), tno: approval.tno, modType, reason });
  try {
    const request = { tno: approval.tno, custIp, reason: AUTO_CANCEL_DESC, traceNo: approval.tno };
    const cancel =
      modType === 'STSC' ? await payplus.cancel(request) : await payplus.escrow({ ...request, modType });
    await noteStep(ctx, { type: 'cancel-result', id, at: now(), tno: approval.tno, outcome: 'cancelled', resCd: cancel.resCd });
    logger.log({ level: 0, event: 'payment.auto_cancelled', ordrIdxx: approval.orderNo, fields: { id, tno: approval.tno, reason, mod_type: modType } });
    return { status: 'cancelled', approval, reason, cause, cancel };
  } catch (err) {
    const cancelError = asKcpError(err);
    const outcome = cancelError.outcomeKnown ? 'failed' : 'unknown';
    await noteStep(ctx, {
      type: 'cancel-result',
      id,
      at: now(),
      tno: approval.tno,
      outcome,
      resCd: cancelError.resCd,
      message: cancelError.message,
    });
    logger.log({
      level: 0,
      event: 'payment.auto_cancel_failed',
      ordrIdxx: approval.orderNo,
      fields: {
        id,
        tno: approval.tno,
        reason,
        mod_type: modType,
        message: `APPROVED BUT NOT RECORDED AND NOT CANCELLED: ${cancelError.message}`,
      },
    });
    return { status: 'cancel_failed', approval, reason, cause, cancelError };
  }
}

/** What recover() did with each unsettled payment. */
export interface RecoveryReport {
  /** Approvals never committed, now cancelled. */
  cancelled: Array<{ id: string; ordrIdxx: string; tno: string }>;
  /** Approvals the merchant's callback chose to keep. */
  kept: Array<{ id: string; ordrIdxx: string; tno: string }>;
  /** Cancels that failed again (retry later, or cancel in KCP's admin). */
  failed: Array<{ id: string; ordrIdxx: string; tno: string; error: KcpError }>;
  /** Approvals or cancels whose outcome is unknown: check KCP's admin; never retried automatically. */
  unknown: Array<{ id: string; ordrIdxx: string; tno?: string; step: 'approval' | 'cancel' }>;
  /** With dryRun: uncommitted approvals that would be cancelled (or handed to onUncommitted). */
  pending: Array<{ id: string; ordrIdxx: string; tno: string }>;
}

export interface RecoverOptions {
  /**
   * Called for each approval that was never committed. Return 'keep' when your database has the order after all
   * (the process died after your commit but before the journal saw it); default 'cancel'.
   */
  onUncommitted?: (state: PaymentState) => Promise<'cancel' | 'keep'> | 'cancel' | 'keep';
  /** mod_ip for the cancels (this server's IP). */
  custIp?: string;
  /** Skip payments younger than this (ms) — they may still be in flight in another process. Default 0. */
  minAgeMs?: number;
  /** Only report: no cancel is sent and nothing is written to the journal. */
  dryRun?: boolean;
}

export async function recover(ctx: PaymentContext, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const report: RecoveryReport = { cancelled: [], kept: [], failed: [], unknown: [], pending: [] };
  const minAge = options.minAgeMs ?? 0;
  const nowMs = Date.now();
  for (const state of foldJournal(await ctx.journal.entries())) {
    if (state.resolved || state.committed) continue;
    if (nowMs - Date.parse(state.intentAt) < minAge) continue;
    const result = state.result;
    if (!result || result.outcome === 'unknown') {
      report.unknown.push({ id: state.id, ordrIdxx: state.ordrIdxx, step: 'approval' });
      continue;
    }
    if (result.outcome !== 'approved' || !result.tno) continue;
    if (state.cancelResult?.outcome === 'cancelled') continue;
    if (state.cancelIntent && (!state.cancelResult || state.cancelResult.outcome === 'unknown')) {
      report.unknown.push({ id: state.id, ordrIdxx: state.ordrIdxx, tno: result.tno, step: 'cancel' });
      continue;
    }
    const ref = { id: state.id, ordrIdxx: state.ordrIdxx, tno: result.tno };
    if (options.dryRun) {
      report.pending.push(ref);
      continue;
    }
    const decision = (await options.onUncommitted?.(state)) ?? 'cancel';
    if (decision === 'keep') {
      await ctx.journal.append({ type: 'resolved', id: state.id, at: now(), how: 'kept by merchant' });
      report.kept.push(ref);
      continue;
    }
    const approval = {
      tno: result.tno,
      escrow: result.escrow ?? false,
      method: result.method ?? 'unknown',
      orderNo: state.ordrIdxx,
    } as unknown as Approval;
    const outcome = await autoCancel(ctx, state.id, approval, 'recovered', undefined, options.custIp ?? '127.0.0.1');
    if (outcome.status === 'cancelled') report.cancelled.push(ref);
    else report.failed.push({ ...ref, error: outcome.cancelError });
  }
  return report;
}

