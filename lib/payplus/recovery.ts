/**
 * Recovery: settle what crashes, timeouts and failed cancels left in the payment store — never touching an attempt
 * another live worker holds, and never cancelling what the merchant committed.
 *
 * For each open attempt whose owner is gone (the process died, or let go):
 * - take it over with a compare-and-set on its owner (two recoverers never both act);
 * - `started` / `unknown`: ask the gateway what happened (ctx.gateway.resolve: pp_cli reads the module's real answer,
 *   its stdout file, then its own log; REST asks KCP's inquiry about the attempt's tno). Approved → continue as
 *   approved; refused → declined (the order is payable again); never started → declined; still running → leave it;
 *   no answer anywhere → stays unknown, for a person (KCP's admin), with the reason; the tno they find there is given
 *   back by settleWithTno (checked by KCP's inquiry on REST), and the attempt is then settled by these same rules;
 * - `approved`: committed? With commitInStore the store's mark is the truth (written in one transaction with the
 *   merchant's order), so no mark means not committed. Otherwise the merchant's isCommitted hook decides; without a
 *   hook the attempt is listed as undecided and nothing is cancelled. Not committed → cancel (or keep, if
 *   onUncommitted says so: kept blocks re-approval);
 * - `cancelling` / `cancel_failed`: cancel again until KCP answers definitively (already-cancelled counts).
 * Imports: attempts.ts, the gateway interface, the store, the errors; never process-payment.ts or the facade.
 */
import { methodOfPayType } from '../codes/pay-methods.js';
import { isSuccessCode } from '../codes/results.js';
import { KcpInputError, type KcpError } from '../errors.js';
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

/** How settleWithTno's note begins. */
const PERSON_NOTE = 'tno given by a person';

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
    // A person's word on the tno (settleWithTno) stays in the note next to the proof.
    const how = `answer read from the ${answer.source}`;
    const patch = { ...approvedState(approval, a.note?.startsWith(PERSON_NOTE) ? `${a.note}; ${how}` : how), resCd };
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

/** PayPlus#settleWithTno's options: recovery's own, and what a person states on the pp_cli transport. */
export interface SettleWithTnoOptions extends Omit<SettleOptions, 'assumeDead'> {
  /**
   * pp_cli only (it cannot ask KCP about a tno): the order id and amount the person read next to the tno in KCP's
   * admin. Both must be this attempt's; they are recorded in its note. REST ignores it: KCP's inquiry is asked.
   */
  confirmOrder?: { orderId: string; amount: number | string };
  /** KCP's four-letter pay_type for the inquiry (REST; PACA card, PABK, PAVC, PAMC): default PACA, as recovery's. */
  payType?: string;
}

/**
 * A person's step for an attempt left unknown without a tno (docs/kcp-rest-api.md §10): the tno they found for the
 * order in KCP's admin. REST: accepted only when KCP's inquiry says that tno is an approval of this attempt's order and
 * amount; pp_cli: only with the person's own statement of both (confirmOrder). The tno is then written by a
 * compare-and-set (the attempt taken over from its gone worker, still started/unknown and without a tno), and the
 * attempt is settled as recovery settles any other (cancelled unless committed or kept). Nothing is ever freed or
 * declined here. A wrong or unusable tno is a KcpInputError naming the field, with nothing changed.
 */
export async function settleWithTno(ctx: PaymentContext, attemptId: string, tno: string, options: SettleWithTnoOptions = {}): Promise<SettleResult> {
  const refuse = (field: string, message: string) => new KcpInputError(`${field}: ${message}`, { field });
  if (!isTno(tno)) throw refuse('tno', `'${tno}' is not KCP's 14-digit transaction number. Fix: copy the tno (거래번호) from KCP's admin`);
  const attempt = await ctx.store.get(attemptId);
  if (!attempt) throw refuse('attemptId', `no attempt ${attemptId} in this store. Fix: take the id from recover's UNKNOWN line`);
  if ((attempt.state !== 'started' && attempt.state !== 'unknown') || attempt.tno) {
    throw refuse('attemptId', `attempt ${attemptId} is ${attempt.state}${attempt.tno ? ` with tno ${attempt.tno}` : ''}: only an attempt left unknown without a tno takes a tno from a person. Fix: run recover`);
  }
  if (!mayTakeOver(attempt.owner, attempt.leaseUntil)) return { kind: 'in_progress' };
  let patch: { state?: 'approved'; tno: string; approvedAmount?: string; method?: string; note: string };
  const by = `host ${currentOwner().host} at ${new Date().toISOString()}`;
  const proof = await ctx.gateway.inquire({ tno, payType: options.payType ?? 'PACA' });
  if (proof.kind === 'proof') {
    const amount = Number(attempt.amount);
    if (proof.orderNo !== attempt.ordrIdxx || proof.amount !== amount) {
      throw refuse('tno', `KCP's inquiry says tno ${tno} is order ${proof.orderNo || '(none)'} of ${proof.amount ?? '(no amount)'}, not this attempt's order ${attempt.ordrIdxx} of ${amount}. Fix: look the order up again in KCP's admin`);
    }
    if (proof.state !== 'approved' && proof.state !== 'partially_cancelled') {
      throw refuse('tno', `KCP's inquiry says tno ${tno} is ${proof.statusCode || proof.state}: not an approval to keep or cancel, and this step never frees an order. Fix: check the order in KCP's admin`);
    }
    // KCP's method, so that recovery's own inquiry about the tno signs the same pay_type.
    const method = methodOfPayType(proof.payMethod);
    patch = { tno, ...(method ? { method } : {}), note: `${PERSON_NOTE} (${by}); KCP's inquiry confirmed order ${attempt.ordrIdxx} and amount ${amount}` };
  } else if (ctx.gateway.transport === 'pp_cli') {
    const seen = options.confirmOrder;
    if (!seen) {
      throw refuse('confirmOrder', `the pp_cli transport cannot ask KCP whether tno ${tno} is order ${attempt.ordrIdxx}. Fix: state the order id and amount you saw next to it in KCP's admin (confirmOrder; CLI --order and --amount)`);
    }
    if (seen.orderId !== attempt.ordrIdxx || String(seen.amount) !== attempt.amount) {
      throw refuse('confirmOrder', `order ${seen.orderId} of ${seen.amount} is not this attempt's order ${attempt.ordrIdxx} of ${attempt.amount}: the tno is of another order. Fix: look the order up again in KCP's admin`);
    }
    patch = {
      state: 'approved',
      tno,
      approvedAmount: attempt.amount,
      note: `${PERSON_NOTE} (${by}), who stated order ${seen.orderId} and amount ${seen.amount} from KCP's admin (pp_cli cannot ask KCP)`,
    };
  } else {
    return { kind: 'unknown', why: `KCP's inquiry about tno ${tno} did not answer (${proof.reason}): nothing changed; try again` };
  }
  // The compare-and-set: taken over from its (gone) worker, then still started/unknown without a tno, then written.
  const me = currentOwner();
  if (!(await ctx.store.claim(attempt.id, attempt.owner, me, Date.now() + ctx.leaseMs))) return { kind: 'in_progress' };
  const held = await ctx.store.get(attempt.id);
  const written = held !== undefined && !held.tno && (await note(ctx, attempt, ['started', 'unknown'], patch, me));
  await ctx.store.update(attempt.id, OPEN, { leaseUntil: 0 }, me).catch(() => undefined);
  if (!written) return { kind: 'in_progress' };
  const now = await ctx.store.get(attempt.id);
  const result = now ? await settleAttempt(ctx, now, options) : { kind: 'in_progress' as const };
  logRecovered(ctx, { ...attempt, tno }, result, { tnoFrom: 'person' });
  return result;
}

/** The `recovered` event (payment.recovered) for an attempt recovery settled for good. */
function logRecovered(ctx: PaymentContext, attempt: Attempt, result: SettleResult, extra: Record<string, string> = {}): void {
  if (!['cancelled', 'committed', 'kept', 'declined'].includes(result.kind)) return;
  const fields = { id: attempt.id, result: result.kind, ...(attempt.tno ? { tno: attempt.tno } : {}), ...extra };
  ctx.logger.log({ level: 1, event: 'payment.recovered', ordrIdxx: attempt.ordrIdxx, fields });
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
    logRecovered(ctx, attempt, result);
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
