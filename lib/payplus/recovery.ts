/**
 * Recovery: settle what crashes, timeouts and failed cancels left in the payment store — never touching an attempt
 * another live worker holds, and never cancelling what the merchant committed.
 *
 * For each open attempt whose owner is gone (the process died, or let go):
 * - take it over with a compare-and-set on its owner (two recoverers never both act);
 * - `started` / `unknown`: ask the gateway what happened (ctx.gateway.resolve: pp_cli reads the module's real answer,
 *   its stdout file, then its own log; REST asks KCP's inquiry about the attempt's tno). Approved → continue as
 *   approved; refused → declined (the order is payable again); never started → declined; still running → leave it;
 *   no answer anywhere → stays unknown, for a person (KCP's admin), with the reason;
 * - `approved`: committed? With commitInStore the store's mark is the truth (written in one transaction with the
 *   merchant's order), so no mark means not committed. Otherwise the merchant's isCommitted hook decides; without a
 *   hook the attempt is listed as undecided and nothing is cancelled. Not committed → cancel (or keep, if
 *   onUncommitted says so: kept blocks re-approval);
 * - `cancelling` / `cancel_failed`: cancel again until KCP answers definitively (already-cancelled counts).
 * Imports: attempts.ts, the gateway interface, the store, the errors; never process-payment.ts or the facade.
 */
import { isSuccessCode } from '../codes/results.js';
import type { KcpError } from '../errors.js';
import { answerError } from '../protocol/result.js';
import { isTno } from '../protocol/validate.js';
import { currentOwner, mayTakeOver, ownerProvablyDead, sameOwner, sharesPidNamespace } from '../store/owner.js';
import type { Attempt, AttemptState, Owner } from '../store/types.js';
import type { FenceHook } from './fence.js';
import type { AttemptAnswer } from '../gateway/types.js';
import { approvedState, autoCancel, discardAnswer, note, OVERDUE_NOTE, type IsCommittedHook, type PaymentContext } from './attempts.js';
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
  /**
   * The commit fence (fence.ts) for approvals whose commit ran outside the store: it answers "committed" or makes a
   * late commit fail, so such approvals are settled whatever became of their worker. Default PayPlusOptions.fence.
   */
  fence?: FenceHook;
  /**
   * Asked about approvals whose commit ran outside the store when there is no fence — and then only when their worker
   * is provably gone (it ran in this boot and PID namespace and no longer runs) or `assumeDead` says so: a worker
   * whose lease merely ran out may be paused, and could still commit after a cancel.
   */
  isCommitted?: IsCommittedHook;
  /**
   * An operator's word that the workers of host `assumeDead.host` are gone for good (the machine or container was
   * destroyed): their attempts are taken over (by compare-and-set, as always) whatever their lease says, and
   * isCommitted may be asked about them. Their module answers are read from the files and logs this process can see;
   * an answer file seen here empty, with no run in pp_cli's log, never reached KCP (declined: module-answer.ts); what
   * cannot be read stays unknown. Attempts of that host that provably still run here are left alone.
   */
  assumeDead?: { host: string };
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

/** The settle options a single attempt needs (recover() passes its own through). */
export type SettleOptions = Pick<RecoverOptions, 'fence' | 'isCommitted' | 'onUncommitted' | 'custIp'> & { assumeDead?: boolean };

const OPEN: readonly AttemptState[] = ['started', 'approved', 'unknown', 'cancelling', 'cancel_failed'];

/** How errors name the gateway that answered: pp_cli's host:port, or KCP's REST API. */
function gatewayName(ctx: PaymentContext): string {
  return ctx.gateway.transport === 'pp_cli' ? `${ctx.conf.gwUrl}:${ctx.conf.gwPort}` : `KCP PG-API (${ctx.conf.restUrl ?? 'by site code'})`;
}

function ref(a: Attempt): AttemptRef {
  return a.tno ? { id: a.id, ordrIdxx: a.ordrIdxx, tno: a.tno } : { id: a.id, ordrIdxx: a.ordrIdxx };
}

/**
 * Applies the module's answer to the attempt (held by `me`): approved (returned with its fields), or settled / left as
 * it says. A success code without a 14-digit tno is not an approval anyone can act on: unknown, never a refusal.
 */
async function applyAnswer(ctx: PaymentContext, a: Attempt, me: Owner, answer: AttemptAnswer): Promise<Attempt | SettleResult> {
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
  const success = isSuccessCode(resCd, { vbankApproval: approval.method === 'vbank' });
  if (success && isTno(fields.tno ?? '')) {
    const patch = { ...approvedState(approval, `answer read from the ${answer.source}`), resCd };
    if (!(await note(ctx, a, ['started', 'unknown'], patch, me))) return { kind: 'in_progress' };
    discardAnswer(a);
    return { ...a, ...patch };
  }
  if (success) {
    const why = `the ${answer.source} says res_cd=${resCd} but holds no valid tno: an approval that cannot be read, not a refusal; check KCP's admin`;
    await note(ctx, a, ['started', 'unknown'], { state: 'unknown', resCd, note: why }, me);
    return { kind: 'unknown', why };
  }
  const error = answerError(fields, 'approval', gatewayName(ctx));
  if (!error.outcomeKnown) {
    await note(ctx, a, ['started', 'unknown'], { state: 'unknown', resCd, note: error.message.slice(0, 300) }, me);
    return { kind: 'unknown', why: error.message };
  }
  if (await note(ctx, a, ['started', 'unknown'], { state: 'declined', resCd, note: `refused (${answer.source}): ${resCd}` }, me)) {
    discardAnswer(a);
  }
  return { kind: 'declined' };
}

/**
 * Was the merchant's commit of this approved attempt made? Settled by a compare-and-set, never by a clock:
 * - commitInStore: the store's mark is the truth (the commit re-checks ownership in the transaction that writes it,
 *   and this process holds the attempt now), so no mark means not committed;
 * - outside the store, with a fence: the fence answers, atomically, "committed" or "abandoned" (a late commit fails);
 * - outside the store, without a fence: isCommitted, asked only about a worker provably gone (or one an operator
 *   declared dead); any other worker may be paused and commit later, so the approval stays undecided.
 * `knownUncommitted`: this recovery turned the attempt approved itself (its worker never recorded the approval under
 * its own ownership, so it never ran the commit).
 */
async function commitDecision(
  ctx: PaymentContext,
  a: Attempt,
  options: SettleOptions,
  workerGone: boolean,
  knownUncommitted: boolean,
): Promise<'committed' | 'uncommitted' | 'undecided'> {
  if (a.commitMode === 'store' || knownUncommitted) return 'uncommitted';
  const log = (event: string, err: unknown) =>
    ctx.logger.log({ level: 0, event, ordrIdxx: a.ordrIdxx, fields: { id: a.id, message: String(err) } });
  const fence = options.fence ?? ctx.fence;
  if (fence) {
    try {
      return (await fence(a)) === 'committed' ? 'committed' : 'uncommitted';
    } catch (err) {
      log('payment.fence_failed', err); // your database did not answer: nothing is cancelled on a guess
      return 'undecided';
    }
  }
  const hook = options.isCommitted ?? ctx.isCommitted;
  if (!hook || !workerGone) return 'undecided';
  try {
    return (await hook(a)) ? 'committed' : 'uncommitted';
  } catch (err) {
    log('payment.is_committed_failed', err);
    return 'undecided';
  }
}

/** Takes one attempt over (if its owner is gone) and settles it as far as it can be settled now. */
export async function settleAttempt(ctx: PaymentContext, attempt: Attempt, options: SettleOptions = {}): Promise<SettleResult> {
  const me = currentOwner();
  const local = sharesPidNamespace(attempt.owner);
  // An operator's "that host is dead" is never taken for a worker that provably still runs here.
  const assumedDead = options.assumeDead === true && !(local && !ownerProvablyDead(attempt.owner));
  if (!assumedDead && !mayTakeOver(attempt.owner, attempt.leaseUntil)) return { kind: 'in_progress' };
  const needsModule = attempt.state === 'started' || attempt.state === 'unknown';
  const unfenced = attempt.commitMode === 'external' && !(options.fence ?? ctx.fence);
  if (attempt.state === 'approved' && unfenced && !assumedDead && !ownerProvablyDead(attempt.owner) && attempt.leaseUntil !== 0) {
    // No fence, and its worker may be paused rather than dead: "committed" can be believed, "not committed" cannot (it
    // could commit later). Asked before any claim, so the attempt keeps its worker's identity for the next look.
    // (A lease of 0 on an approved attempt is a recovery's let-go: it was claimed from a worker provably gone.)
    const hook = options.isCommitted ?? ctx.isCommitted;
    const committed = hook
      ? await (async () => hook(attempt))().catch((err: unknown) => {
          ctx.logger.log({ level: 0, event: 'payment.is_committed_failed', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id, message: String(err) } });
          return false;
        })
      : false;
    if (committed && (await ctx.store.claim(attempt.id, attempt.owner, me, Date.now() + ctx.leaseMs))) {
      await note(ctx, attempt, ['approved'], { state: 'committed', note: 'confirmed by isCommitted' }, me);
      return { kind: 'committed' };
    }
    return { kind: 'undecided' };
  }
  let answer: AttemptAnswer | undefined;
  if (needsModule) {
    // The gateway answers "what happened to this attempt?": pp_cli from the attempt's answer file or its log line,
    // REST from its exchange child's answer file (here) or by asking KCP about the tno (proof on any host).
    answer = await ctx.gateway.resolve(attempt, { local, hostGone: assumedDead });
    if (!local && !assumedDead && answer.kind !== 'answer') {
      // It ran in another host, container or boot, and nothing here proves what KCP answered: leave the attempt with
      // its owner, so that recovery there (which can look at its processes and files) settles it.
      const what = ctx.gateway.transport === 'pp_cli' ? 'its pp_cli' : 'its approval';
      const why = `${what} ran on host ${attempt.owner.host} (another host, container or boot) and no answer of it is readable here: run recover there, or check KCP's admin`;
      return { kind: 'unknown', why: answer.kind === 'none' ? `${answer.why}; ${why}` : why };
    }
  }
  if (!(await ctx.store.claim(attempt.id, attempt.owner, me, Date.now() + ctx.leaseMs))) return { kind: 'in_progress' };
  let current: Attempt = { ...attempt, owner: me };
  try {
    if (needsModule) {
      const resolved = await applyAnswer(ctx, current, me, answer!);
      if (!('id' in resolved)) return resolved;
      current = resolved;
    }
    const custIp = options.custIp ?? '127.0.0.1';
    if (current.state === 'approved') {
      const workerGone = assumedDead || ownerProvablyDead(attempt.owner) || attempt.leaseUntil === 0;
      const decision = await commitDecision(ctx, current, options, workerGone, needsModule);
      if (decision === 'undecided') return { kind: 'undecided' };
      if (decision === 'committed') {
        await note(ctx, current, ['approved'], { state: 'committed', note: 'confirmed by the commit fence / isCommitted' }, me);
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
    const assumeDead = options.assumeDead !== undefined && attempt.owner.host === options.assumeDead.host;
    if (!assumeDead && !mayTakeOver(attempt.owner, attempt.leaseUntil)) {
      report.inProgress.push(r);
      continue;
    }
    if (options.dryRun) {
      report.pending.push({ ...r, state: attempt.state });
      continue;
    }
    let result: SettleResult;
    try {
      result = await settleAttempt(ctx, attempt, { ...options, assumeDead });
    } catch (err) {
      // One attempt that cannot be settled now (the store or a hook failed) must not stop the others.
      result = { kind: 'unknown', why: `could not be settled this run: ${String((err as Error)?.message ?? err)}` };
    }
    const latest = ref((await ctx.store.get(attempt.id).catch(() => undefined)) ?? attempt);
    if (['cancelled', 'committed', 'kept', 'declined'].includes(result.kind)) ctx.logger.log({ level: 1, event: 'payment.recovered', ordrIdxx: attempt.ordrIdxx, fields: { id: attempt.id, result: result.kind, ...(attempt.tno ? { tno: attempt.tno } : {}) } });
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

/** How an open attempt stands, for a person: see PayPlus#status(). */
export type AttemptStatusKind = 'overdue' | 'unknown' | 'undecided' | 'cancelling' | 'in_progress';

export interface AttemptStatus extends AttemptRef {
  state: AttemptState;
  kind: AttemptStatusKind;
  /** ms since the attempt began. */
  ageMs: number;
  /** ms since its last change of state (for an approved attempt: since the approval). */
  stateAgeMs: number;
  /** The host (and pid) of the process that holds it, or last held it. */
  host: string;
  pid: number;
  why: string;
}

export interface PaymentStatus {
  /** Open attempts, oldest first. */
  attempts: AttemptStatus[];
  /** True while any attempt is overdue, unknown, undecided or cancelling: something a person should look at. */
  attention: boolean;
}

export interface StatusOptions {
  /** At most this many open attempts (oldest first). Default 1,000. */
  limit?: number;
}

/** Classifies the open attempts without changing anything (no claim, no hook, no module). */
export async function paymentStatus(ctx: PaymentContext, options: StatusOptions = {}): Promise<PaymentStatus> {
  const now = Date.now();
  const attempts = (await ctx.store.listOpen(options.limit ?? 1000)).map((a): AttemptStatus => {
    const live = !mayTakeOver(a.owner, a.leaseUntil, now);
    const stateAgeMs = now - a.updatedAt;
    let kind: AttemptStatusKind;
    let why: string;
    if (a.state === 'unknown') {
      kind = 'unknown';
      why = a.note ?? 'no complete answer from pp_cli yet';
    } else if (a.state === 'cancelling' || a.state === 'cancel_failed') {
      kind = 'cancelling';
      why = `an approval being cancelled (${a.state}${a.cancelResCd ? `, KCP answered ${a.cancelResCd}` : ''}): the buyer is charged until KCP takes it`;
    } else if (a.state === 'approved' && (stateAgeMs > ctx.commitTimeoutMs || a.note?.startsWith(OVERDUE_NOTE))) {
      kind = 'overdue';
      why = a.note?.startsWith(OVERDUE_NOTE)
        ? `approved and not committed: ${a.note.slice(OVERDUE_NOTE.length).trim()}`
        : `approved ${Math.round(stateAgeMs / 1000)} s ago and not committed: the merchant's commit outlived its ${ctx.commitTimeoutMs} ms limit, or nobody settled it`;
    } else if (live) {
      kind = 'in_progress';
      why = a.state === 'started' ? 'pp_cli is running' : "the merchant's commit is running";
    } else {
      kind = 'undecided';
      why =
        a.state === 'started'
          ? 'its worker is gone; recovery reads what pp_cli answered'
          : 'approved, its worker is gone; recovery settles it (a fence, or isCommitted for a worker provably gone)';
    }
    return { ...ref(a), state: a.state, kind, ageMs: now - a.createdAt, stateAgeMs, host: a.owner.host, pid: a.owner.pid, why };
  });
  return { attempts, attention: attempts.some((a) => a.kind !== 'in_progress') };
}
