/**
 * The payment store contract: payment attempts, per-order exclusivity and the notification inbox, behind one
 * interface with implementations on real engines (SQLite embedded by default; PostgreSQL and MariaDB/MySQL for shops
 * with several servers). Principles (docs/design.md §7):
 * - "One open approval per order" is a unique key in the database (kcp_payplus_orders), never a lock file.
 * - State is read by key, never folded from history: the cost of a payment does not grow with the years.
 * - Every attempt has an owner (host, pid, boot, PID namespace, process start) and a lease; only the owner moves it on
 *   (every update names it), and recovery takes an attempt over only by a compare-and-set on its owner, once the lease
 *   ran out or the process is provably gone — a lease says when to look, the compare-and-set who may act (DESIGN §8).
 */

/** Who is working on an attempt or a notification: a process on a host. */
export interface Owner {
  host: string;
  pid: number;
  /**
   * Identifies this incarnation of the pid: `<boot id>:<PID namespace inode>:<start ticks>` (owner.ts). /proc is asked
   * about an owner only when boot and namespace are this process's own; any other owner is judged by its lease.
   */
  start: string;
}

/**
 * Where an attempt stands.
 * - started: written before pp_cli runs; the module may be running, or have run.
 * - approved: KCP approved; the merchant's commit has not been recorded yet.
 * - committed: the merchant recorded the order (final; the order stays taken).
 * - declined: KCP refused, or nothing was sent (final; the order is payable again).
 * - unknown: pp_cli started but no complete answer was read; recovery resolves it.
 * - cancelling: a cancel is due (or ran without a definitive answer); retried until KCP answers.
 * - cancel_failed: KCP refused the cancel; retried by recovery, and a person is told.
 * - cancelled: the approval was undone (final; the order is payable again).
 * - kept: an uncommitted approval the merchant chose to keep (final; the order stays taken).
 */
export type AttemptState =
  | 'started'
  | 'approved'
  | 'committed'
  | 'declined'
  | 'unknown'
  | 'cancelling'
  | 'cancel_failed'
  | 'cancelled'
  | 'kept';

/** States after which nothing more happens to an attempt. */
export const FINAL_STATES: ReadonlySet<AttemptState> = new Set(['committed', 'declined', 'cancelled', 'kept']);
/** Final states that give the order id back (nothing is approved under it any more). */
export const RELEASING_STATES: ReadonlySet<AttemptState> = new Set(['declined', 'cancelled']);

/**
 * How the merchant's commit is made durable:
 * - 'store': the commit ran inside the store's own transaction (commitInStore), so the attempt's `committed` state and
 *   the merchant's order row are written together: an approved attempt without it was not committed.
 * - 'external': the merchant's commit wrote elsewhere; after a crash between that write and ours only the merchant's
 *   `isCommitted` hook can tell, and recovery never cancels without asking it.
 */
export type CommitMode = 'store' | 'external';

export interface Attempt {
  id: string;
  ordrIdxx: string;
  /** The merchant's amount (ordr_mony). */
  amount: string;
  state: AttemptState;
  owner: Owner;
  /** ms since the epoch; 0 when nobody holds the attempt. */
  leaseUntil: number;
  createdAt: number;
  updatedAt: number;
  commitMode: CommitMode;
  /** The file pp_cli's stdout was sent to (see runner/stdout-file.ts). */
  outputPath?: string;
  /** Whether the runner honours stdoutFile (no file then means "never started"). */
  durableOutput: boolean;
  traceNo?: string;
  tno?: string;
  resCd?: string;
  approvedAmount?: string;
  method?: string;
  escrow?: boolean;
  cancelModType?: string;
  cancelReason?: string;
  cancelTries: number;
  cancelResCd?: string;
  /** A short human note: why unknown, how resolved, KCP's refusal text. Never secrets. */
  note?: string;
}

export type NewAttempt = Pick<Attempt, 'id' | 'ordrIdxx' | 'amount' | 'owner' | 'leaseUntil' | 'commitMode' | 'durableOutput'> &
  Partial<Pick<Attempt, 'outputPath' | 'traceNo'>>;

/** The fields an update may change. */
export type AttemptPatch = Partial<
  Omit<Attempt, 'id' | 'ordrIdxx' | 'amount' | 'createdAt' | 'updatedAt' | 'commitMode' | 'durableOutput'>
>;

export type BeginResult = { ok: true; attempt: Attempt } | { ok: false; blocking: Attempt };

/** What a merchant's commit gets inside the store's transaction (commitInStore). */
export interface StoreTransaction {
  /**
   * Runs SQL on the store's connection, inside the transaction that also records the commit. Placeholders in the
   * engine's own style: `?` for SQLite and MariaDB/MySQL, `$1` for PostgreSQL.
   */
  query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
}

export type NotificationClaim = 'claimed' | 'done' | 'busy';

export interface PaymentStore {
  /** 'sqlite', 'postgres', 'mysql', or a merchant's own. */
  readonly kind: string;
  /**
   * Starts an attempt and takes its order id, atomically. When another attempt holds the order id, nothing is written
   * and that attempt is returned.
   */
  begin(attempt: NewAttempt): Promise<BeginResult>;
  /**
   * Moves an attempt on: applies `patch` only if it is in one of `from` (and, with `owner`, still held by that owner).
   * A releasing state gives the order id back in the same transaction. False when the condition did not hold.
   */
  update(id: string, from: readonly AttemptState[], patch: AttemptPatch, owner?: Owner): Promise<boolean>;
  /**
   * Runs the merchant's commit inside the store's transaction and records `committed` with it; throws (and rolls
   * back) when `fn` throws or when the attempt is no longer `approved` and held by `owner`.
   */
  commitWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * Takes an attempt over from `expected` (its current owner) — the compare-and-set recovery relies on; also how an
   * owner renews its lease. Leaves updatedAt alone, and is false for an attempt whose row a commit holds locked.
   */
  claim(id: string, expected: Owner, next: Owner, leaseUntil: number): Promise<boolean>;
  get(id: string): Promise<Attempt | undefined>;
  /** Attempts not final yet, oldest first. */
  listOpen(limit: number): Promise<Attempt[]>;
  /** Moves final attempts last changed before `before` (ms) to the archive; their order ids stay taken. */
  archive(before: number): Promise<number>;

  /** The notification inbox: one processing per noti_id across every process that shares the store. */
  claimNotification(id: string, owner: Owner, leaseUntil: number): Promise<NotificationClaim>;
  completeNotification(id: string): Promise<void>;
  releaseNotification(id: string, owner: Owner): Promise<void>;
  notificationDone(id: string): Promise<boolean>;

  // --- The notification inbox, exactly once (notify/inbox.ts). Optional, so a merchant's own store still fits. ---
  /** Extends `owner`'s claim on a noti_id while its handler runs; false when the claim is no longer `owner`'s. */
  renewNotification?(id: string, owner: Owner, leaseUntil: number): Promise<boolean>;
  /**
   * Runs the merchant's notification handler inside the store's transaction and marks the noti_id done in it, so the
   * handler's writes and the completion commit together (or neither). Throws, running nothing, when the claim is no
   * longer `owner`'s; a handler that throws rolls everything back. The store never runs `fn` twice.
   */
  completeNotificationWith?<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}
