/**
 * processPayment: KCP's pp_ax_hub page (sections 01–08) done once, with the parts the samples leave to the merchant:
 * the form amount is checked against the merchant's own amount before anything runs, the approved amount after, the
 * merchant's commit runs next, and any failure in between cancels the approval automatically (STSC; STE2, or STE5 for
 * an escrow virtual account), passing the approval tno as trace_no as KCP's pages do.
 *
 * Written once over the gateway seam (ctx.gateway: pp_cli or KCP's REST API, lib/gateway/types.ts). Every step is a
 * state of the attempt in the payment store (lib/store; transitions in attempts.ts), written before the step's effect
 * can be lost: the attempt (and with it the order id) is taken before the gateway is called, pp_cli's stdout goes to a
 * per-attempt file (so its answer survives a crash of this process; REST answers are settled by KCP's inquiry), and the
 * merchant's commit is recorded with the attempt — in the same database transaction with `commitInStore`. Whatever a
 * crash leaves is settled by settleAttempt() (recovery.ts). Imports go downward only: never the facade.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  KcpAmountMismatchError,
  KcpDuplicateOrderError,
  KcpError,
  KcpInputError,
  KcpOutcomeUnknownError,
  toKcpError,
} from '../errors.js';
import { assertAmount, assertOrderId, isTno } from '../protocol/validate.js';
import { writerFolder } from '../runner/answer-file.js';
import { AnswerSpaceError } from '../runner/stdout-file.js';
import { commitUnknown, toStoreError } from '../store/errors.js';
import { currentOwner, mayTakeOver } from '../store/owner.js';
import {
  FINAL_STATES,
  RELEASING_STATES,
  type Attempt,
  type BeginResult,
  type Owner,
  type PaymentStore,
  type StoreTransaction,
} from '../store/types.js';
import type { ApproveRun } from '../gateway/types.js';
import {
  approvedState,
  autoCancel,
  discardAnswer,
  note,
  OVERDUE_NOTE,
  type AutoCancelReason,
  type CancelOutcome,
  type PaymentContext,
} from './attempts.js';
import type { CommitInfo, FenceOutcome } from './fence.js';
import { checkAnswer } from './answer-checks.js';
import { settleAttempt } from './recovery.js';
import { detectMethod, type Approval, type ModifyResult, type PaymentMethod } from './results.js';

// The attempts' ground floor (attempts.ts), re-exported where merchants and tests found it before.
export {
  AUTO_CANCEL_DESC,
  DEFAULT_COMMIT_TIMEOUT_MS,
  OVERDUE_NOTE,
  approvedState,
  autoCancel,
  autoCancelModType,
  discardAnswer,
  note,
  type AutoCancelReason,
  type IsCommittedHook,
  type PaymentContext,
} from './attempts.js';

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
   * Without it, make the commit conditional on the commit fence (fence.ts): insert the fence row keyed by
   * `info.attemptId` first, in the same transaction as your order update, and pass PayPlusOptions.fence. A worker
   * paused past its lease then finds its late commit refused instead of committing money recovery already cancelled.
   * A commit that has not finished within PayPlusOptions.commitTimeoutMs is reported overdue (see status()).
   */
  commit: (approval: Approval, tx: StoreTransaction | undefined, info: CommitInfo) => Promise<C> | C;
  /**
   * True when `commit` writes your order through `tx` (the store is your own database). Recovery then knows for
   * certain that an approval without the mark was not committed. Otherwise recovery asks PayPlusOptions.isCommitted.
   */
  commitInStore?: boolean;
  /**
   * The methods this order may be paid with. KCP's answer decides what was paid; an approval of another method — or
   * for another order number — is cancelled automatically (`cancelled`, reason 'tampering', cause KcpTamperingError).
   * Default: PayPlusOptions.allowedMethods, else any method (then check `approval.method` in `commit`).
   */
  allowedMethods?: readonly PaymentMethod[];
}

export type PaymentOutcome<C = unknown> =
  /**
   * Approved and committed. `storeError` is set when the store could not record the commit (database down): the
   * payment is fine — your commit succeeded, so your fence (or isCommitted) answers "committed" when recovery asks.
   * With commitInStore it is the store's error when the transaction's COMMIT lost its answer (a database restart) and
   * the attempt, read back, showed that it had landed: your rows and the payment's mark are written.
   * `commitError` is set when your commit threw after its fence row was committed: the order is recorded all the
   * same (the fence said so), and nothing was cancelled; `committed` is then undefined.
   */
  | { status: 'approved'; approval: Approval; committed: C; attemptId: string; storeError?: unknown; commitError?: unknown }
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
   * stays taken; recovery reads the module's answer from its stdout file or log and settles it. Also: your commit
   * has not finished within commitTimeoutMs (overdue), or it failed and the fence could not be asked. Show the buyer
   * `buyerMessage` (the payment is being verified).
   */
  | { status: 'unknown'; error: KcpError; attemptId: string; buyerMessage: BuyerMessage };

/** A message for the buyer, in Korean and English. */
export interface BuyerMessage {
  ko: string;
  en: string;
}

/** What the buyer of a payment whose outcome is not settled yet is told. */
export const BEING_VERIFIED: BuyerMessage = Object.freeze({
  ko: '결제 확인 중입니다. 잠시 후 주문 내역을 확인해 주세요. 확인이 끝날 때까지 다시 결제하지 마세요.',
  en: 'Your payment is being verified. Please check your order again in a few minutes, and do not pay again until then.',
});

/**
 * The order cannot be paid now because an earlier payment of it is being verified (its outcome is unknown, its commit
 * is running or overdue, or it waits for recovery). Show the buyer `buyerMessage`; the merchant's `message` says why.
 */
export class KcpPaymentPendingError extends KcpDuplicateOrderError {
  readonly buyerMessage: BuyerMessage = BEING_VERIFIED;
  /** The attempt that holds the order. */
  readonly blockingAttemptId: string;

  constructor(message: string, blockingAttemptId: string) {
    super(message, { field: 'ordr_idxx' });
    this.blockingAttemptId = blockingAttemptId;
  }

  override get name(): string {
    return 'KcpPaymentPendingError';
  }
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

function describeBlocking(b: Attempt): string {
  if (!FINAL_STATES.has(b.state) && mayTakeOver(b.owner, b.leaseUntil) && b.state !== 'unknown') {
    const age = Math.round((Date.now() - b.createdAt) / 1000);
    return (
      `an earlier attempt (${b.id}, ${b.state} for ${age} s, worker on host ${b.owner.host}) waits for recovery; run ` +
      `kcp-payplus recover (on another host: recover --host ${b.owner.host} --assume-dead once that host is known to be down)`
    );
  }
  if (b.state === 'unknown' && !mayTakeOver(b.owner, b.leaseUntil)) {
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
  const { gateway, logger } = ctx;
  const tranCd = form.tran_cd ?? '';
  if (tranCd === '') logger.log({ level: 0, event: 'payment.refused', ordrIdxx: form.ordr_idxx, fields: { reason: 'missing_tran_cd', res_cd: '9562' } });
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
    logger.log({ level: 0, event: 'payment.refused', ordrIdxx, fields: { reason: 'amount_mismatch', form_amount: form.good_mny, amount: expected } });
    throw new KcpAmountMismatchError(
      `good_mny: the form says ${JSON.stringify(form.good_mny)} but order ${ordrIdxx} costs ${expected}; the form was ` +
        `changed in the browser. Nothing was sent to KCP (it would refuse with 8059 결제금액 불일치)`,
      { field: 'good_mny' },
    );
  }

  const begun = await takeOrder(ctx, { ordrIdxx, amount: expected, commitInStore: options.commitInStore, traceNo: form.trace_no || undefined, custIp: options.custIp });
  if (!begun.ok) {
    const { message, paid } = refuseTaken(ctx, ordrIdxx, begun.blocking);
    // Paid is paid; anything else still open is a payment being verified, and the buyer is told so.
    if (paid) throw new KcpDuplicateOrderError(message, { field: 'ordr_idxx' });
    throw new KcpPaymentPendingError(message, begun.blocking.id);
  }
  const approve = (run: ApproveRun) =>
    gateway.approve(
      {
        tranCd,
        encData: form.enc_data ?? '',
        encInfo: form.enc_info ?? '',
        traceNo: form.trace_no ?? '',
        orderId: ordrIdxx,
        amount: Number(expected),
        custIp: options.custIp,
        usePayMethod: form.use_pay_method || undefined,
      },
      run,
    );
  return runAttempt(ctx, begun.attempt, approve, options);
}

/** What a new attempt needs to take its order id. */
export interface OrderClaim {
  ordrIdxx: string;
  /** The merchant's amount, already validated (assertAmount). */
  amount: string;
  commitInStore: boolean | undefined;
  traceNo?: string | undefined;
  custIp: string;
}

/**
 * Takes the order id for a new attempt — the store's per-order compare-and-set — before anything is sent. A dead
 * worker's leftover holding it is settled first (this may cancel its uncommitted approval), then the order is tried
 * once more. Returns the attempt, or the attempt that still holds the order.
 */
export async function takeOrder(ctx: PaymentContext, claim: OrderClaim): Promise<BeginResult> {
  const { store, gateway } = ctx;
  // pp_cli's runners, and REST's exchange child (durable mode), write the answer to a per-attempt file that exists iff
  // the exchange started, in this process's writer folder (made before the attempt is recorded: runner/answer-file.ts);
  // REST without it has none.
  const durableOutput = await gateway.durableAnswers();
  const id = randomUUID();
  const outputPath = gateway.transport === 'pp_cli' || durableOutput ? path.join(writerFolder(ctx.answersDir), `${id}.out`) : undefined;
  const fresh = {
    id,
    ordrIdxx: claim.ordrIdxx,
    amount: claim.amount,
    owner: currentOwner(),
    commitMode: claim.commitInStore ? ('store' as const) : ('external' as const),
    outputPath,
    durableOutput,
    traceNo: claim.traceNo,
  };
  const begin = () =>
    store.begin({ ...fresh, leaseUntil: Date.now() + ctx.leaseMs }).catch((err: unknown) => {
      // A store outage is the store's (KcpStoreError, retryable when it passes), not "fix the install"; nothing was sent.
      throw toStoreError(err, store.kind, 'begin');
    });
  const begun = await begin();
  if (!begun.ok && !FINAL_STATES.has(begun.blocking.state) && mayTakeOver(begun.blocking.owner, begun.blocking.leaseUntil)) {
    await settleAttempt(ctx, begun.blocking, { custIp: claim.custIp });
    return begin();
  }
  return begun;
}

/**
 * Logs that an order could not be taken and says why; `paid` is true when the blocking attempt holds money the merchant
 * keeps (committed, kept) or is settled, false while its outcome is still being verified.
 */
export function refuseTaken(ctx: PaymentContext, ordrIdxx: string, b: Attempt): { message: string; paid: boolean } {
  const message = `ordr_idxx: order ${ordrIdxx} cannot be approved now: ${describeBlocking(b)}`;
  ctx.logger.log({ level: 1, event: 'payment.duplicate', ordrIdxx, fields: { blocking: b.id, state: b.state, ...(b.tno ? { tno: b.tno } : {}) } });
  return { message, paid: b.state === 'committed' || b.state === 'kept' || RELEASING_STATES.has(b.state) };
}

/**
 * Runs an attempt that holds its order: `send` asks KCP (an approval after the window, or a batch charge), then the
 * answer is checked, recorded and committed as processPayment does — one flow for every way money is taken.
 */
export async function runAttempt<C>(
  ctx: PaymentContext,
  attempt: Attempt,
  send: (run: ApproveRun) => Promise<Approval>,
  options: ProcessPaymentOptions<C>,
): Promise<PaymentOutcome<C>> {
  const lease = holdLease(ctx, attempt.id, attempt.owner);
  try {
    return await approveAndCommit(ctx, attempt, attempt.owner, send, options, lease);
  } finally {
    lease.stop();
    ctx.logger.log({ level: 2, event: 'payment.attempt_done', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id } });
  }
}

async function approveAndCommit<C>(
  ctx: PaymentContext,
  attempt: Attempt,
  owner: Owner,
  send: (run: ApproveRun) => Promise<Approval>,
  options: ProcessPaymentOptions<C>,
  lease: { stop(): void },
): Promise<PaymentOutcome<C>> {
  const { logger } = ctx;
  const { id, ordrIdxx } = attempt;
  let approval: Approval;
  const waitMs = ctx.conf.timeoutMs;
  // The module is never killed at the page's timeout: killed mid-exchange, nobody could ever tell what KCP did.
  const approving = send({ answerFile: attempt.outputPath, timeoutMs: lateAnswerLimitMs(waitMs) });
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
      // Refused here before anything ran (a bad value, or no disk space for the answer): the caller's problem, thrown.
      // An input-class refusal answered by KCP itself (8105) is a decline.
      const refusedHere = (error instanceof KcpInputError && error.raw.res_cd === undefined) || error instanceof AnswerSpaceError;
      if (refusedHere) logger.log({ level: 0, event: 'payment.refused', ordrIdxx, fields: { id, reason: error instanceof AnswerSpaceError ? 'answer_space' : 'invalid_input', field: error.field ?? '', message: error.message } });
      if (refusedHere) throw error;
      logger.log({ level: 1, event: 'payment.declined', ordrIdxx, fields: { id, res_cd: error.resCd ?? '', message: error.message } });
      return { status: 'declined', error, attemptId: id };
    }
    logger.log({ level: 0, event: 'payment.unknown', ordrIdxx, fields: { id, message: error.message } });
    // KCP's tno, when its answer carried one, is what a gateway that can be asked (REST inquiry) settles this by.
    const answeredTno = isTno(error.raw.tno ?? '') ? { tno: error.raw.tno, method: detectMethod(error.raw) } : {};
    await note(ctx, attempt, ['started'], { state: 'unknown', resCd: error.resCd, note: error.message.slice(0, 300), leaseUntil: 0, ...answeredTno }, owner);
    // Unknown is resolved, not parked: the answer may already be in the stdout file (a failure after pp_cli answered),
    // or KCP can be asked about the tno.
    const latest = await ctx.store.get(id).catch(() => undefined);
    if (latest) await settleAttempt(ctx, latest, { custIp: options.custIp }).catch(() => undefined);
    return { status: 'unknown', error, attemptId: id, buyerMessage: BEING_VERIFIED };
  }

  const approvedPatch = approvedState(approval);
  const recorded = await note(ctx, attempt, ['started'], approvedPatch, owner);
  if (recorded) discardAnswer(attempt); // the store has the answer now; the file holds buyer data
  const approved: Attempt = { ...attempt, ...approvedPatch };

  // KCP's answer against the order: its order number, method and amount (answer-checks.ts); any difference cancels.
  const problem = checkAnswer(approval, { ordrIdxx, amount: attempt.amount, allowedMethods: options.allowedMethods });
  if (problem) {
    return withApproval(await autoCancel(ctx, approved, owner, problem.reason, problem.error, options.custIp), approval);
  }
  if (!recorded) {
    // Without the approved state in the store (it failed, or recovery took the attempt over while this worker was
    // paused) nothing may be committed. autoCancel cancels only if it can still record `cancelling` as this attempt's
    // owner; otherwise the answer file is kept and recovery cancels the approval exactly once.
    const cause = new Error('the payment store could not record the approval');
    return withApproval(await autoCancel(ctx, approved, owner, 'commit_failed', cause, options.custIp), approval);
  }

  return commitApproval(ctx, approved, owner, approval, options, lease);
}

/**
 * Runs the merchant's commit of an approved attempt and settles the attempt by its result — every step a
 * compare-and-set on the attempt held by `owner`, so that a worker that lost its attempt (recovery took it over while
 * it was paused) never cancels or marks what is no longer its own:
 * - commitInStore: the commit runs in the store's transaction, which re-checks that `owner` still holds the attempt
 *   `approved` and records `committed` with the merchant's rows.
 * - outside the store: a commit that fails is fenced before it is cancelled (when the merchant gave a fence): a commit
 *   whose fence row was committed stands, whatever it threw afterwards; otherwise it is cancelled, and only if this
 *   worker still holds the attempt.
 * A commit that outlives commitTimeoutMs is overdue: the buyer is told the payment is being verified, this worker
 * stops renewing its lease (recovery may then look, and the fence decides), and the commit's result is still settled
 * when it comes.
 */
async function commitApproval<C>(
  ctx: PaymentContext,
  approved: Attempt,
  owner: Owner,
  approval: Approval,
  options: ProcessPaymentOptions<C>,
  lease: { stop(): void },
): Promise<PaymentOutcome<C>> {
  const { id, ordrIdxx } = approved;
  const info: CommitInfo = { attemptId: id };
  // With commitInStore: what the merchant's commit returned, for a store transaction that failed after it (landedCommit).
  let returned: { value: C } | undefined;
  const committing = (async () =>
    options.commitInStore
      ? ctx.store.commitWith(id, owner, async (tx) => {
          const value = await options.commit(approval, tx, info);
          returned = { value };
          return value;
        })
      : options.commit(approval, undefined, info))();
  const settled = committing.then(
    (committed) => afterCommit(ctx, approved, owner, approval, committed, options),
    async (cause: unknown) =>
      (returned && (await landedCommit(ctx, approved, owner, approval, returned.value, cause, options))) ??
      afterFailedCommit<C>(ctx, approved, owner, approval, cause, options),
  );
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), ctx.commitTimeoutMs)));
  const first = await Promise.race([settled, overdue]);
  clearTimeout(timer);
  if (first !== 'overdue') return first;
  lease.stop();
  // Recorded on the attempt too, so that status() in any process (the CLI knows no commitTimeoutMs) sees it overdue.
  // Not for a commit inside the store's transaction, which holds the row (and its connection) until it ends: there
  // status() goes by the attempt's age alone.
  if (!options.commitInStore) {
    void note(ctx, approved, ['approved'], { note: `${OVERDUE_NOTE} the commit outlived its ${ctx.commitTimeoutMs} ms limit` }, owner);
  }
  const message =
    `the commit of order ${ordrIdxx} (attempt ${id}) has not finished after ${ctx.commitTimeoutMs} ms: the attempt is ` +
    `overdue. Its result is still settled when it comes; recovery lists it (kcp-payplus recover, payplus.status())`;
  ctx.logger.log({ level: 0, event: 'payment.commit_overdue', ordrIdxx, fields: { id, tno: approval.tno, message } });
  void settled.then(
    (late) => ctx.logger.log({ level: 0, event: 'payment.commit_late', ordrIdxx, fields: { id, status: late.status } }),
    (err: unknown) => ctx.logger.log({ level: 0, event: 'payment.commit_late_failed', ordrIdxx, fields: { id, message: String(err) } }),
  );
  return { status: 'unknown', error: new KcpOutcomeUnknownError(message), attemptId: id, buyerMessage: BEING_VERIFIED };
}

async function afterCommit<C>(
  ctx: PaymentContext,
  approved: Attempt,
  owner: Owner,
  approval: Approval,
  committed: C,
  options: ProcessPaymentOptions<C>,
  { commitError, storeError: lost }: { commitError?: unknown; storeError?: unknown } = {},
): Promise<PaymentOutcome<C>> {
  const { id, ordrIdxx } = approved;
  let storeError: unknown = lost;
  if (!options.commitInStore) {
    // The merchant's record and the money agree; if only our mark is behind, say so — never undo a commit.
    let marked: boolean;
    try {
      marked = await ctx.store.update(id, ['approved'], { state: 'committed' }, owner);
    } catch (err) {
      ctx.logger.log({ level: 0, event: 'payment.store_failed', ordrIdxx, fields: { id, step: 'committed', message: String(err) } });
      marked = true; // nothing else was recorded either; the fence (or isCommitted) answers "committed" to recovery
      storeError = new Error('the payment store could not record the commit; recovery will ask isCommitted');
    }
    if (!marked) {
      const now = await ctx.store.get(id).catch(() => undefined);
      if (now && now.state !== 'committed' && now.state !== 'approved') {
        // Recovery settled the attempt otherwise while this commit ran: possible only without a fence (an operator's
        // --assume-dead, or isCommitted asked about a worker that was in fact alive). Say so loudly; never "approved".
        const message =
          `your commit of order ${ordrIdxx} succeeded, but recovery had already settled attempt ${id} as ${now.state} ` +
          `(tno ${approval.tno}): the approval is being cancelled or was cancelled. Undo the order, or check KCP's admin`;
        ctx.logger.log({ level: 0, event: 'payment.commit_after_settle', ordrIdxx, fields: { id, tno: approval.tno, message } });
        return { status: 'unknown', error: new KcpOutcomeUnknownError(message), attemptId: id, buyerMessage: BEING_VERIFIED };
      }
    }
  }
  ctx.logger.log({ level: 1, event: 'payment.committed', ordrIdxx, fields: { id, tno: approval.tno } });
  const out: PaymentOutcome<C> = { status: 'approved', approval, committed, attemptId: id };
  if (storeError !== undefined) out.storeError = storeError;
  if (commitError !== undefined) out.commitError = commitError;
  return out;
}

/**
 * commitInStore: the merchant's commit returned, and the store's transaction failed after it — at the `committed` mark
 * or at COMMIT itself, whose answer a database restart or a cut connection can take with it. Whether the order and the
 * mark were written is read back from the attempt (the mark is written in that same transaction):
 * - `committed`: the transaction landed — approved, with the lost answer as `storeError`; nothing is cancelled.
 * - unreadable after a COMMIT without an answer: unknown (being verified). Recovery settles it once the store answers:
 *   a landed commit has left `approved`, so its cancel (a compare-and-set on `approved`) can only undo one that did not.
 * - anything else: undefined — the transaction did not land, and the approval is cancelled (afterFailedCommit).
 */
async function landedCommit<C>(
  ctx: PaymentContext,
  approved: Attempt,
  owner: Owner,
  approval: Approval,
  committed: C,
  cause: unknown,
  options: ProcessPaymentOptions<C>,
): Promise<PaymentOutcome<C> | undefined> {
  const { id, ordrIdxx } = approved;
  const now = await ctx.store.get(id).then((a) => a ?? null, () => undefined);
  if (now?.state === 'committed') {
    ctx.logger.log({ level: 0, event: 'payment.store_failed', ordrIdxx, fields: { id, step: 'committed', message: `the commit landed; its answer was lost: ${String(cause)}` } });
    return afterCommit(ctx, approved, owner, approval, committed, options, { storeError: cause });
  }
  if (now !== undefined || !commitUnknown(cause)) return undefined;
  const message =
    `the store's transaction of order ${ordrIdxx} (attempt ${id}) lost its connection while committing, and the store ` +
    `cannot be read yet: whether the order was recorded is unknown. Nothing is cancelled on a guess; recovery settles it`;
  ctx.logger.log({ level: 0, event: 'payment.commit_unknown', ordrIdxx, fields: { id, tno: approval.tno, message } });
  return { status: 'unknown', error: new KcpOutcomeUnknownError(message, { cause }), attemptId: id, buyerMessage: BEING_VERIFIED };
}

async function afterFailedCommit<C>(
  ctx: PaymentContext,
  approved: Attempt,
  owner: Owner,
  approval: Approval,
  cause: unknown,
  options: ProcessPaymentOptions<C>,
): Promise<PaymentOutcome<C>> {
  if (!options.commitInStore && ctx.fence) {
    let fenced: FenceOutcome;
    try {
      fenced = await ctx.fence(approved);
    } catch (err) {
      const message =
        `the commit of order ${approved.ordrIdxx} failed (${String((cause as Error)?.message ?? cause)}) and the commit fence ` +
        `could not be asked (${String((err as Error)?.message ?? err)}): nothing is cancelled on a guess; recovery settles it`;
      ctx.logger.log({ level: 0, event: 'payment.fence_failed', ordrIdxx: approved.ordrIdxx, fields: { id: approved.id, message } });
      return { status: 'unknown', error: new KcpOutcomeUnknownError(message, { cause }), attemptId: approved.id, buyerMessage: BEING_VERIFIED };
    }
    if (fenced === 'committed') return afterCommit(ctx, approved, owner, approval, undefined as C, options, { commitError: cause });
  }
  return withApproval(await autoCancel(ctx, approved, owner, 'commit_failed', cause, options.custIp), approval);
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
  const who = ctx.gateway.transport === 'pp_cli' ? 'pp_cli' : "KCP's REST API";
  const late = `${who} had not answered after ${waitMs} ms; it is still running, and its answer will be settled when it comes`;
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
  return { status: 'unknown', error, attemptId: attempt.id, buyerMessage: BEING_VERIFIED };
}

function withApproval<C>(outcome: CancelOutcome, approval: Approval): PaymentOutcome<C> {
  return { ...outcome, approval };
}
