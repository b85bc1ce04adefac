/**
 * processPayment: KCP's pp_ax_hub page (sections 01–08) done once, with the parts the samples leave to the merchant:
 * the form amount is checked against the merchant's own amount before anything runs, the approved amount after, the
 * merchant's commit runs next, and any failure in between cancels the approval automatically (STSC; STE2, or STE5 for
 * an escrow virtual account), passing the approval tno as trace_no as KCP's pages do.
 *
 * Every step is a state of the attempt in the payment store (lib/store), written before the step's effect can be
 * lost: the attempt (and with it the order id) is taken before pp_cli runs, pp_cli's stdout goes to a per-attempt file
 * (so its answer survives a crash of this process), and the merchant's commit is recorded with the attempt — in the
 * same database transaction with `commitInStore`. Whatever a crash leaves is settled by settleAttempt() (recovery.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { isAlreadyCancelledCode } from '../codes/results.js';
import {
  KcpAmountMismatchError,
  KcpDuplicateOrderError,
  KcpError,
  KcpInputError,
  KcpOutcomeUnknownError,
  toKcpError,
} from '../errors.js';
import { maskText } from '../log/mask.js';
import type { PayplusLogger } from '../log/types.js';
import { assertAmount, assertOrderId } from '../protocol/validate.js';
import { toStoreError } from '../store/errors.js';
import { currentOwner, ownerGone, sameOwner } from '../store/owner.js';
import { FINAL_STATES, type Attempt, type AttemptState, type Owner, type PaymentStore, type StoreTransaction } from '../store/types.js';
import type { PayPlus } from './payplus.js';
import { approvedTotal, toModifyResult, type Approval, type ModifyResult } from './results.js';

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
  /**
   * Record the approval in your database. Throw to have the approval cancelled automatically.
   * With `commitInStore`, `tx` runs your SQL inside the payment store's transaction: your order row and the payment's
   * `committed` mark are written together, so a crash can never leave one without the other.
   */
  commit: (approval: Approval, tx?: StoreTransaction) => Promise<C> | C;
  /**
   * True when `commit` writes your order through `tx` (the store is your own database). Recovery then knows for
   * certain that an approval without the mark was not committed. Otherwise recovery asks PayPlusOptions.isCommitted.
   */
  commitInStore?: boolean;
}

export const AUTO_CANCEL_DESC = '결과 처리 오류 - 자동 취소';

export type AutoCancelReason = 'amount_mismatch' | 'commit_failed' | 'recovered' | 'timeout';

export type PaymentOutcome<C = unknown> =
  /**
   * Approved and committed. `storeError` is set when the store could not record the commit (database down): the
   * payment is fine; recovery will ask your isCommitted hook about it.
   */
  | { status: 'approved'; approval: Approval; committed: C; attemptId: string; storeError?: unknown }
  /** KCP refused (or nothing was sent). Nothing to undo; the order can be paid again. */
  | { status: 'declined'; error: KcpError; attemptId: string }
  /** Approved, then cancelled automatically because of `reason`. The order can be paid again. */
  | { status: 'cancelled'; approval: Approval; reason: AutoCancelReason; cause?: unknown; cancel: ModifyResult; attemptId: string }
  /**
   * Approved, and the automatic cancel did not get a definitive answer or was refused: the buyer is charged for an
   * order you did not record. Recovery retries the cancel until KCP answers. Alert someone.
   */
  | { status: 'cancel_failed'; approval: Approval; reason: AutoCancelReason; cause?: unknown; cancelError: KcpError; attemptId: string }
  /**
   * pp_cli started and no complete answer was read (killed, timed out, cut output): KCP may have approved. The order
   * stays taken; recovery reads the module's answer from its stdout file or log and settles it.
   */
  | { status: 'unknown'; error: KcpError; attemptId: string };

/** Asked by recovery about an approval whose commit was not recorded with it (commits outside the store). */
export type IsCommittedHook = (attempt: Attempt) => Promise<boolean> | boolean;

export interface PaymentContext {
  payplus: PayPlus;
  store: PaymentStore;
  logger: PayplusLogger;
  /** Where each attempt's pp_cli stdout file goes. */
  answersDir: string;
  /** How long an owner's claim on an attempt lasts without renewal (ms). */
  leaseMs: number;
  isCommitted?: IsCommittedHook;
}

/**
 * Removes an attempt's stdout file once the store holds what it said: it holds the module's whole answer, buyer data
 * included, and is needed only until then. A failure to remove it is harmless (recovery reads it again at worst).
 */
export function discardAnswer(attempt: Pick<Attempt, 'outputPath' | 'durableOutput'>): void {
  if (attempt.outputPath === undefined || !attempt.durableOutput) return; // only runners that honour stdoutFile make one
  unlink(attempt.outputPath).catch(() => undefined);
}

/** Renews this process's lease on an attempt while it works on it; stop() ends the renewals. */
function holdLease(ctx: PaymentContext, id: string, owner: Owner): { stop(): void } {
  let keeper = leaseKeepers.get(ctx.store);
  if (!keeper) leaseKeepers.set(ctx.store, (keeper = new LeaseKeeper()));
  return keeper.hold(ctx, id, owner);
}

/**
 * One timer per store renews the leases of every attempt this process is working on (a timer per payment cost more
 * than the payment's own work at 8 concurrent payments). It runs only while something is held, and never keeps the
 * process alive.
 */
class LeaseKeeper {
  /** Held attempts; `holds` counts who holds one (the payment, and a late answer it waits for). */
  readonly #held = new Map<string, { ctx: PaymentContext; owner: Owner; holds: number }>();
  #timer: NodeJS.Timeout | undefined;

  hold(ctx: PaymentContext, id: string, owner: Owner): { stop(): void } {
    const entry = this.#held.get(id) ?? { ctx, owner, holds: 0 };
    entry.holds += 1;
    this.#held.set(id, entry);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#renew(), Math.max(1000, Math.floor(ctx.leaseMs / 3)));
      this.#timer.unref();
    }
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        entry.holds -= 1;
        if (entry.holds === 0) this.#held.delete(id);
        if (this.#held.size === 0 && this.#timer) {
          clearInterval(this.#timer);
          this.#timer = undefined;
        }
      },
    };
  }

  #renew(): void {
    for (const [id, { ctx, owner }] of this.#held) {
      ctx.store.claim(id, owner, owner, Date.now() + ctx.leaseMs).catch((err: unknown) =>
        ctx.logger.log({ level: 0, event: 'payment.lease_failed', fields: { id, message: String(err) } }),
      );
    }
  }
}

const leaseKeepers = new WeakMap<PaymentStore, LeaseKeeper>();

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

function describeBlocking(b: Attempt): string {
  if (b.state === 'unknown' && !ownerGone(b.owner, b.leaseUntil)) {
    return `an earlier attempt (${b.id}) is still waiting for pp_cli's answer; try again in a minute`;
  }
  switch (b.state) {
    case 'committed':
    case 'kept':
      return `it was already paid (tno ${b.tno ?? '?'})`;
    case 'started':
      return 'it is being approved by another request right now';
    case 'approved':
      return `it was approved (tno ${b.tno ?? '?'}) and is being recorded right now`;
    case 'unknown':
      return `an earlier attempt (${b.id}) has an unknown outcome that recovery could not settle yet; run recover() or check KCP's admin`;
    default:
      return `an earlier attempt (${b.id}, ${b.state}) is being settled; try again shortly`;
  }
}

export async function processPayment<C>(
  ctx: PaymentContext,
  form: PaymentForm,
  options: ProcessPaymentOptions<C>,
): Promise<PaymentOutcome<C>> {
  const { store, payplus, logger } = ctx;
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
    throw new KcpAmountMismatchError(
      `good_mny: the form says ${JSON.stringify(form.good_mny)} but order ${ordrIdxx} costs ${expected}; the form was ` +
        `changed in the browser. Nothing was sent to KCP (it would refuse with 8059 결제금액 불일치)`,
      { field: 'good_mny' },
    );
  }

  const owner = currentOwner();
  const runner = await payplus.runner();
  const id = randomUUID();
  const outputPath = path.join(ctx.answersDir, `${id}.out`);
  const fresh = {
    id,
    ordrIdxx,
    amount: expected,
    owner,
    commitMode: options.commitInStore ? ('store' as const) : ('external' as const),
    outputPath,
    durableOutput: runner.durableOutput === true,
    traceNo: form.trace_no || undefined,
  };
  const begin = () =>
    store.begin({ ...fresh, leaseUntil: Date.now() + ctx.leaseMs }).catch((err: unknown) => {
      // A store outage is the store's (KcpStoreError, retryable when it passes), not "fix the install"; nothing was sent.
      throw toStoreError(err, store.kind, 'begin');
    });
  let begun = await begin();
  if (!begun.ok && !FINAL_STATES.has(begun.blocking.state) && ownerGone(begun.blocking.owner, begun.blocking.leaseUntil)) {
    // A dead worker's leftovers: settle them first (this may cancel its uncommitted approval), then try once more.
    const { settleAttempt } = await import('./recovery.js');
    await settleAttempt(ctx, begun.blocking, { custIp: options.custIp });
    begun = await begin();
  }
  if (!begun.ok) {
    throw new KcpDuplicateOrderError(`ordr_idxx: order ${ordrIdxx} cannot be approved now: ${describeBlocking(begun.blocking)}`, {
      field: 'ordr_idxx',
    });
  }
  const attempt = begun.attempt;
  const lease = holdLease(ctx, id, owner);
  try {
    return await approveAndCommit(ctx, attempt, owner, form, options, tranCd);
  } finally {
    lease.stop();
    logger.log({ level: 2, event: 'payment.attempt_done', ordrIdxx, fields: { id } });
  }
}

async function approveAndCommit<C>(
  ctx: PaymentContext,
  attempt: Attempt,
  owner: Owner,
  form: PaymentForm,
  options: ProcessPaymentOptions<C>,
  tranCd: string,
): Promise<PaymentOutcome<C>> {
  const { payplus, logger } = ctx;
  const { id, ordrIdxx } = attempt;
  let approval: Approval;
  const waitMs = payplus.conf.timeoutMs;
  const approving = payplus.approve(
    {
      tranCd,
      encData: form.enc_data ?? '',
      encInfo: form.enc_info ?? '',
      traceNo: form.trace_no ?? '',
      ordrIdxx,
      amount: attempt.amount,
      custIp: options.custIp,
      usePayMethod: form.use_pay_method || undefined,
    },
    // The module is never killed at the page's timeout: killed mid-exchange, nobody could ever tell what KCP did.
    { stdoutFile: attempt.outputPath, timeoutMs: lateAnswerLimitMs(waitMs) },
  );
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    approving.then(() => 'answered' as const, () => 'answered' as const),
    new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), waitMs))),
  ]);
  clearTimeout(timer);
  if (first === 'late') return awaitLateAnswer(ctx, attempt, owner, approving, options.custIp, waitMs);
  try {
    approval = await approving;
  } catch (err) {
    // Did the module start? The runner creates the stdout file just before it does (and removes it when it could not).
    const started = attempt.durableOutput
      ? existsSync(attempt.outputPath!)
      : !(err instanceof KcpError && err.outcomeKnown);
    const error = toKcpError(err, { moduleStarted: started });
    if (error.outcomeKnown) {
      if (await note(ctx, attempt, ['started'], { state: 'declined', resCd: error.resCd, note: error.message.slice(0, 300) }, owner)) {
        discardAnswer(attempt);
      }
      if (error instanceof KcpInputError) throw error;
      return { status: 'declined', error, attemptId: id };
    }
    logger.log({ level: 0, event: 'payment.unknown', ordrIdxx, fields: { id, message: error.message } });
    await note(ctx, attempt, ['started'], { state: 'unknown', resCd: error.resCd, note: error.message.slice(0, 300), leaseUntil: 0 }, owner);
    // Unknown is resolved, not parked: the answer may already be in the stdout file (a failure after pp_cli answered).
    const { settleAttempt } = await import('./recovery.js');
    const latest = await ctx.store.get(id).catch(() => undefined);
    if (latest) await settleAttempt(ctx, latest, { custIp: options.custIp }).catch(() => undefined);
    return { status: 'unknown', error, attemptId: id };
  }

  const approvedPatch = approvedState(approval);
  const recorded = await note(ctx, attempt, ['started'], approvedPatch, owner);
  if (recorded) discardAnswer(attempt); // the store has the answer now; the file holds buyer data
  const approved: Attempt = { ...attempt, ...approvedPatch };

  const total = approvedTotal(approval);
  if (total === undefined || String(total) !== attempt.amount) {
    const cause = new KcpAmountMismatchError(
      `amount: KCP approved ${total === undefined ? 'no readable amount' : total} but order ${ordrIdxx} costs ${attempt.amount}`,
      { field: 'amount', raw: approval.raw },
    );
    return withApproval(await autoCancel(ctx, approved, owner, 'amount_mismatch', cause, options.custIp), approval);
  }
  if (!recorded) {
    // Without the approved state in the store, neither a commit mark nor a cancel could be recorded: cancel now,
    // while we hold the answer, rather than leave an approval nobody can settle.
    const cause = new Error('the payment store could not record the approval');
    return withApproval(await autoCancel(ctx, approved, owner, 'commit_failed', cause, options.custIp), approval);
  }

  let committed: C;
  let storeError: unknown;
  try {
    if (options.commitInStore) {
      committed = await ctx.store.commitWith(id, owner, async (tx) => options.commit(approval, tx));
    } else {
      committed = await options.commit(approval);
    }
  } catch (cause) {
    return withApproval(await autoCancel(ctx, approved, owner, 'commit_failed', cause, options.custIp), approval);
  }
  if (!options.commitInStore) {
    // The merchant's record and the money agree; if only our mark is behind, say so — never undo a commit.
    if (!(await note(ctx, attempt, ['approved'], { state: 'committed' }, owner))) {
      storeError = new Error('the payment store could not record the commit; recovery will ask isCommitted');
    }
  }
  logger.log({ level: 1, event: 'payment.committed', ordrIdxx, fields: { id, tno: approval.tno } });
  return storeError === undefined
    ? { status: 'approved', approval, committed, attemptId: id }
    : { status: 'approved', approval, committed, attemptId: id, storeError };
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

/** How long a module that missed the page's timeout may still run before it is killed (its answer is still wanted). */
export function lateAnswerLimitMs(timeoutMs: number): number {
  return Math.max(timeoutMs * 10, 300_000);
}

/**
 * pp_cli has not answered within the timeout. The buyer's request gets `unknown` now; the module keeps running (this
 * process keeps the attempt and its lease), and its answer settles the attempt when it comes: an approval is
 * cancelled (nothing was committed), a refusal frees the order. Only a module that outlives lateAnswerLimitMs is
 * killed, and then the attempt stays unknown for a person.
 */
async function awaitLateAnswer<C>(
  ctx: PaymentContext,
  attempt: Attempt,
  owner: Owner,
  approving: Promise<Approval>,
  custIp: string,
  waitMs: number,
): Promise<PaymentOutcome<C>> {
  const lease = holdLease(ctx, attempt.id, owner);
  const late = `pp_cli had not answered after ${waitMs} ms; it is still running, and its answer will be settled when it comes`;
  await note(ctx, attempt, ['started'], { state: 'unknown', note: late }, owner);
  ctx.logger.log({ level: 0, event: 'payment.late', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id, message: late } });
  void approving
    .then(
      async (approval) => {
        const patch = approvedState(approval, 'approved after the page had been told unknown: never committed, so cancelled');
        if (await note(ctx, attempt, ['unknown'], patch, owner)) discardAnswer(attempt);
        await autoCancel(ctx, { ...attempt, ...patch }, owner, 'timeout', undefined, custIp);
      },
      async (err: unknown) => {
        const error = toKcpError(err, { moduleStarted: true });
        if (error.outcomeKnown) {
          if (await note(ctx, attempt, ['unknown'], { state: 'declined', resCd: error.resCd, note: error.message.slice(0, 300) }, owner)) {
            discardAnswer(attempt);
          }
        } else {
          await note(ctx, attempt, ['unknown'], { resCd: error.resCd, note: error.message.slice(0, 300), leaseUntil: 0 }, owner);
        }
      },
    )
    .catch((err: unknown) =>
      ctx.logger.log({ level: 0, event: 'payment.late_failed', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id, message: String(err) } }),
    )
    .finally(() => lease.stop());
  const error = new KcpOutcomeUnknownError(
    `${late}: an approval is cancelled (the order was not committed), a refusal frees the order. Tell the buyer to wait ` +
      `and check the order again; do not retry the payment before then`,
  );
  return { status: 'unknown', error, attemptId: attempt.id };
}

type CancelOutcome =
  | { status: 'cancelled'; reason: AutoCancelReason; cause?: unknown; cancel: ModifyResult; attemptId: string }
  | { status: 'cancel_failed'; reason: AutoCancelReason; cause?: unknown; cancelError: KcpError; attemptId: string };

function withApproval<C>(outcome: CancelOutcome, approval: Approval): PaymentOutcome<C> {
  return { ...outcome, approval };
}

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
  const { payplus, logger } = ctx;
  const modType = autoCancelModType(attempt);
  const tno = attempt.tno!;
  const marked = await note(
    ctx,
    attempt,
    ['approved', 'cancelling', 'cancel_failed'],
    { state: 'cancelling', cancelModType: modType, cancelReason: reason, cancelTries: attempt.cancelTries + 1 },
    owner,
  );
  const now = marked ? undefined : await ctx.store.get(attempt.id).catch(() => undefined);
  if (now && (!sameOwner(now.owner, owner) || FINAL_STATES.has(now.state))) {
    // Someone else holds the attempt now (recovery took it over), or it is settled: we must not cancel twice.
    const cancelError = new KcpDuplicateOrderError(`attempt ${attempt.id} is being settled by another process; not cancelled here`);
    return { status: 'cancel_failed', reason, cause, cancelError, attemptId: attempt.id };
  }
  const fields = { id: attempt.id, tno, reason, mod_type: modType };
  try {
    const request = { tno, custIp, reason: AUTO_CANCEL_DESC, traceNo: tno };
    let cancel: ModifyResult;
    try {
      cancel = modType === 'STSC' ? await payplus.cancel(request) : await payplus.escrow({ ...request, modType });
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
