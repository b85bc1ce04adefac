/**
 * Recovery: settle what crashes, timeouts and failed cancels left in the payment store — never touching an attempt
 * another live worker holds, and never cancelling what the merchant committed.
 *
 * For each open attempt whose owner is gone (the process died, or let go):
 * - take it over with a compare-and-set on its owner (two recoverers never both act);
 * - `started` / `unknown`: read the module's real answer (its stdout file, then its own log). Approved → continue as
 *   approved; refused → declined (the order is payable again); never started → declined; still running → leave it;
 *   no answer anywhere → stays unknown, for a person (KCP's admin), with the reason;
 * - `approved`: committed? With commitInStore the store's mark is the truth (written in one transaction with the
 *   merchant's order), so no mark means not committed. Otherwise the merchant's isCommitted hook decides; without a
 *   hook the attempt is listed as undecided and nothing is cancelled. Not committed → cancel (or keep, if
 *   onUncommitted says so: kept blocks re-approval);
 * - `cancelling` / `cancel_failed`: cancel again until KCP answers definitively (already-cancelled counts).
 */
import { isSuccessCode } from '../codes/results.js';
import type { KcpError } from '../errors.js';
import { answerError } from '../protocol/result.js';
import { currentOwner, ownerGone, sameOwner } from '../store/owner.js';
import type { Attempt, AttemptState, Owner } from '../store/types.js';
import { moduleAnswer } from './module-answer.js';
import { approvedState, autoCancel, discardAnswer, note, type IsCommittedHook, type PaymentContext } from './process-payment.js';
import { toApproval } from './results.js';

export interface AttemptRef {
  id: string;
  ordrIdxx: string;
  tno?: string;
}

/** What recover() did with each open attempt. */
export interface RecoveryReport {
  /** Uncommitted approvals, now cancelled (also cancels retried until KCP answered). */
  cancelled: AttemptRef[];
  /** Approvals your isCommitted hook confirmed: marked committed. */
  committed: AttemptRef[];
  /** Uncommitted approvals your onUncommitted kept (their order ids stay taken). */
  kept: AttemptRef[];
  /** Attempts whose module answer turned out to be a refusal, or that never reached the module: the order is payable. */
  declined: AttemptRef[];
  /** Cancels KCP refused, or that got no definitive answer again: retried on the next run. Alert someone. */
  failed: Array<AttemptRef & { error: KcpError }>;
  /** No answer anywhere (the module was killed mid-exchange), or it ran on another host: a person checks KCP's admin. */
  unknown: Array<AttemptRef & { why: string }>;
  /** Uncommitted approvals whose commit happened outside the store, with no isCommitted hook to ask: listed only. */
  undecided: AttemptRef[];
  /** Held by a live worker, or the module is still running: left alone. */
  inProgress: AttemptRef[];
  /** Younger than minAgeMs: left for a later run. */
  skipped: Array<AttemptRef & { why: string }>;
  /** dryRun: what a real run would look at, and in which state. Nothing was changed. */
  pending: Array<AttemptRef & { state: AttemptState }>;
}

export interface RecoverOptions {
  /** Asked about approvals whose commit was not recorded in the store (commits outside the store). */
  isCommitted?: IsCommittedHook;
  /** For approvals known to be uncommitted: 'keep' marks them kept (the order id stays taken); default 'cancel'. */
  onUncommitted?: (attempt: Attempt) => Promise<'cancel' | 'keep'> | 'cancel' | 'keep';
  /** mod_ip for the cancels (this server's IP). */
  custIp?: string;
  /** Leave attempts younger than this (ms) alone. Default 0: ownership already protects live work. */
  minAgeMs?: number;
  /** Only report: nothing is claimed, sent or written. */
  dryRun?: boolean;
  /** At most this many open attempts per run (oldest first). Default 1,000. */
  limit?: number;
}

export type SettleResult =
  | { kind: 'cancelled' | 'committed' | 'kept' | 'declined' | 'undecided' | 'in_progress' }
  | { kind: 'failed'; error: KcpError }
  | { kind: 'unknown'; why: string };

const OPEN: readonly AttemptState[] = ['started', 'approved', 'unknown', 'cancelling', 'cancel_failed'];

function ref(a: Attempt): AttemptRef {
  return a.tno ? { id: a.id, ordrIdxx: a.ordrIdxx, tno: a.tno } : { id: a.id, ordrIdxx: a.ordrIdxx };
}

/** Reads the module's answer into the attempt: approved (returned with its fields), or settled/left as it says. */
async function resolveAnswer(ctx: PaymentContext, a: Attempt, me: Owner): Promise<Attempt | SettleResult> {
  const answer = await moduleAnswer(ctx.payplus.conf, a);
  if (answer.kind === 'running') return { kind: 'in_progress' };
  if (answer.kind === 'not_started') {
    if (await note(ctx, a, ['started', 'unknown'], { state: 'declined', note: 'pp_cli never ran for this attempt' }, me)) {
      discardAnswer(a);
    }
    return { kind: 'declined' };
  }
  if (answer.kind === 'none') {
    await note(ctx, a, ['started', 'unknown'], { state: 'unknown', note: answer.why }, me);
    return { kind: 'unknown', why: answer.why };
  }
  const fields = answer.fields;
  const approval = toApproval(fields);
  const resCd = fields.res_cd ?? '';
  if (isSuccessCode(resCd, { vbankApproval: approval.method === 'vbank' }) && /^[0-9]{14}$/.test(fields.tno ?? '')) {
    const patch = { ...approvedState(approval, `answer read from the ${answer.source}`), resCd };
    if (!(await note(ctx, a, ['started', 'unknown'], patch, me))) return { kind: 'in_progress' };
    discardAnswer(a);
    return { ...a, ...patch };
  }
  const error = answerError(fields, 'approval', `${ctx.payplus.conf.gwUrl}:${ctx.payplus.conf.gwPort}`);
  if (!error.outcomeKnown) {
    await note(ctx, a, ['started', 'unknown'], { state: 'unknown', resCd, note: error.message.slice(0, 300) }, me);
    return { kind: 'unknown', why: error.message };
  }
  if (await note(ctx, a, ['started', 'unknown'], { state: 'declined', resCd, note: `refused (${answer.source}): ${resCd}` }, me)) {
    discardAnswer(a);
  }
  return { kind: 'declined' };
}

/** Takes one attempt over (if its owner is gone) and settles it as far as it can be settled now. */
export async function settleAttempt(
  ctx: PaymentContext,
  attempt: Attempt,
  options: Pick<RecoverOptions, 'isCommitted' | 'onUncommitted' | 'custIp'> = {},
): Promise<SettleResult> {
  const me = currentOwner();
  if (!ownerGone(attempt.owner, attempt.leaseUntil)) return { kind: 'in_progress' };
  const needsModuleHost = attempt.state === 'started' || attempt.state === 'unknown';
  if (needsModuleHost && attempt.owner.host !== me.host) {
    return { kind: 'unknown', why: `its pp_cli ran on host ${attempt.owner.host}; run recover there to read its answer` };
  }
  if (!(await ctx.store.claim(attempt.id, attempt.owner, me, Date.now() + ctx.leaseMs))) return { kind: 'in_progress' };
  let current: Attempt = { ...attempt, owner: me };
  try {
    if (needsModuleHost) {
      const resolved = await resolveAnswer(ctx, current, me);
      if (!('id' in resolved)) return resolved;
      current = resolved;
    }
    const custIp = options.custIp ?? '127.0.0.1';
    if (current.state === 'approved') {
      let committed = false;
      if (current.commitMode === 'external') {
        const hook = options.isCommitted ?? ctx.isCommitted;
        if (!hook) return { kind: 'undecided' };
        try {
          committed = await hook(current);
        } catch (err) {
          // Your database did not answer: nothing is cancelled on a guess.
          ctx.logger.log({ level: 0, event: 'payment.is_committed_failed', ordrIdxx: current.ordrIdxx, fields: { id: current.id, message: String(err) } });
          return { kind: 'undecided' };
        }
      }
      if (committed) {
        await note(ctx, current, ['approved'], { state: 'committed', note: 'confirmed by isCommitted' }, me);
        return { kind: 'committed' };
      }
      if ((await options.onUncommitted?.(current)) === 'keep') {
        await note(ctx, current, ['approved'], { state: 'kept', note: 'kept by onUncommitted' }, me);
        return { kind: 'kept' };
      }
    }
    if (current.state === 'approved' || current.state === 'cancelling' || current.state === 'cancel_failed') {
      const outcome = await autoCancel(ctx, current, me, 'recovered', undefined, custIp);
      return outcome.status === 'cancelled' ? { kind: 'cancelled' } : { kind: 'failed', error: outcome.cancelError };
    }
    return { kind: 'in_progress' };
  } finally {
    // Let go of whatever is still open, so the next run (or the next buyer) can act on it at once.
    const now = await ctx.store.get(attempt.id).catch(() => undefined);
    if (now && OPEN.includes(now.state) && sameOwner(now.owner, me)) {
      await ctx.store.update(attempt.id, OPEN, { leaseUntil: 0 }, me).catch(() => undefined);
    }
  }
}

export async function recover(ctx: PaymentContext, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    cancelled: [], committed: [], kept: [], declined: [], failed: [], unknown: [], undecided: [], inProgress: [], skipped: [], pending: [],
  };
  const minAge = options.minAgeMs ?? 0;
  for (const attempt of await ctx.store.listOpen(options.limit ?? 1000)) {
    const r = ref(attempt);
    const age = Date.now() - attempt.createdAt;
    if (age < minAge) {
      report.skipped.push({ ...r, why: `younger than ${Math.round(minAge / 1000)} s (${Math.round(age / 1000)} s old)` });
      continue;
    }
    if (!ownerGone(attempt.owner, attempt.leaseUntil)) {
      report.inProgress.push(r);
      continue;
    }
    if (options.dryRun) {
      report.pending.push({ ...r, state: attempt.state });
      continue;
    }
    let result: SettleResult;
    try {
      result = await settleAttempt(ctx, attempt, options);
    } catch (err) {
      // One attempt that cannot be settled now (the store or a hook failed) must not stop the others.
      result = { kind: 'unknown', why: `could not be settled this run: ${String((err as Error)?.message ?? err)}` };
    }
    const latest = ref((await ctx.store.get(attempt.id).catch(() => undefined)) ?? attempt);
    switch (result.kind) {
      case 'failed':
        report.failed.push({ ...latest, error: result.error });
        break;
      case 'unknown':
        report.unknown.push({ ...latest, why: result.why });
        break;
      case 'in_progress':
        report.inProgress.push(latest);
        break;
      default:
        report[result.kind].push(latest);
    }
  }
  return report;
}
