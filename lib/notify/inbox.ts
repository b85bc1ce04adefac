/**
 * Processing of notifications once per noti_id on top of a NotificationStore, and the answer for KCP.
 *
 * What "once" means depends on where the handler's effect lives:
 * - With `handleInStore` (a store that runs transactions: payplus.notificationStore()), the handler gets `tx` and runs
 *   inside the store's transaction that also marks the noti_id done: its writes through `tx` and the completion
 *   commit together or not at all. A process killed inside the handler leaves neither, and the re-send runs it again:
 *   **exactly once** for everything the handler writes through `tx`. The transaction locks the claim for the whole
 *   run, so no other process can take it over however long the handler takes.
 * - Otherwise delivery is **at least once**: a process that dies after the handler's effect but before the completion
 *   is recorded runs it again on the re-send. Use `notification.id` (noti_id) as the idempotency key of what the
 *   handler writes. The claim is renewed every third of its lease while the handler runs, so a slow handler is not
 *   taken over (and run a second time concurrently) by another process while it is alive.
 *
 * Rules:
 * - 0000 only after the merchant's handler resolved (and, with handleInStore, its transaction committed); a handler
 *   failure releases the id and answers 9999, so KCP re-sends and the next delivery tries again.
 * - An id already completed answers 0000 without calling the handler.
 * - Concurrent deliveries of one id inside this process wait for the first and share its answer. A claim held
 *   elsewhere (another process on a shared store) is waited for, up to `waitMs`: when that process completes it, this
 *   delivery answers 0000 too; when it gives up or dies, this delivery takes the claim and runs the handler; when time
 *   runs out it answers 9999 and KCP comes back later.
 */
import type { PayplusLogger } from '../log/types.js';
import { silentLogger } from '../log/types.js';
import { NOTIFICATION_OK, NOTIFICATION_RETRY, notificationAnswer } from './answer.js';
import type { KcpNotification } from './parse.js';
import type { StoreTransaction } from '../store/types.js';
import { MemoryNotificationStore, type NotificationStore } from './store.js';

/**
 * The merchant's handler. With `handleInStore`, `tx` runs SQL inside the store's transaction that marks the noti_id
 * done (placeholders in the engine's style: `?` for SQLite and MariaDB/MySQL, `$1` for PostgreSQL); otherwise it is
 * undefined.
 */
export type NotificationHandler<N extends KcpNotification = KcpNotification> = (
  notification: N,
  tx?: StoreTransaction,
) => Promise<void> | void;

export type InboxStatus =
  /** The handler ran and succeeded. */
  | 'processed'
  /** Already processed (or processed by a concurrent delivery): the handler was not called again. */
  | 'duplicate'
  /** Another holder of the claim is still working on it: answered non-0000 so KCP re-sends. */
  | 'in_progress'
  /** The handler (or the store) failed: answered non-0000 so KCP re-sends. */
  | 'failed';

export interface InboxOutcome {
  readonly status: InboxStatus;
  /** The result code sent to KCP. */
  readonly resultCode: string;
  /** The page to send back to KCP. */
  readonly answer: string;
  /** Why it failed. */
  readonly error?: unknown;
  /** The store could not record completion (the answer is still 0000: the work is done). */
  readonly storeError?: unknown;
}

export interface NotificationInboxOptions {
  /** Default: in this process's memory. For several processes: payplus.notificationStore(). */
  store?: NotificationStore;
  logger?: PayplusLogger;
  /** How long a delivery waits for another process that holds the same noti_id (ms). Default 5,000. */
  waitMs?: number;
  /** How often it looks again while waiting (ms). Default 50. */
  pollMs?: number;
  /**
   * Run the handler inside the store's transaction (it gets `tx`), so its writes and the completion commit together:
   * exactly once for what it writes through `tx`. Needs a store that runs transactions (payplus.notificationStore()).
   * Keep such a handler short: on SQLite it holds the file's write lock while it runs. Inside it use `tx` only: another
   * call on the same store would wait for the transaction the handler itself runs in.
   */
  handleInStore?: boolean;
}

function outcome(status: InboxStatus, extra: { error?: unknown; storeError?: unknown } = {}): InboxOutcome {
  const resultCode = status === 'processed' || status === 'duplicate' ? NOTIFICATION_OK : NOTIFICATION_RETRY;
  return Object.freeze({ status, resultCode, answer: notificationAnswer(resultCode), ...extra });
}

export class NotificationInbox {
  readonly store: NotificationStore;
  readonly #logger: PayplusLogger;
  readonly #inFlight = new Map<string, Promise<InboxOutcome>>();
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #inStore: boolean;

  constructor(options: NotificationInboxOptions = {}) {
    this.store = options.store ?? new MemoryNotificationStore();
    this.#logger = options.logger ?? silentLogger;
    this.#waitMs = options.waitMs ?? 5000;
    this.#pollMs = options.pollMs ?? 50;
    this.#inStore = options.handleInStore === true;
    if (this.#inStore && typeof this.store.completeWith !== 'function') {
      throw new TypeError(
        'NotificationInbox: handleInStore needs a store that runs the handler in its transaction; pass ' +
          'store: payplus.notificationStore() (or a NotificationStore with completeWith)',
      );
    }
  }

  /**
   * Renews the claim every third of its lease until stopped (a store without renew keeps its claim anyway). A failed
   * renewal is logged: another process may then run the handler too, which is why without handleInStore delivery is
   * at least once.
   */
  #holdClaim(notification: KcpNotification): { stop(): void } {
    const renew = this.store.renew?.bind(this.store);
    if (!renew) return { stop: () => undefined };
    const every = Math.max(10, Math.floor((this.store.leaseMs ?? 60_000) / 3));
    const timer = setInterval(() => {
      renew(notification.id).then(
        (held) => {
          if (!held) this.#logger.log({ level: 0, event: 'notify.claim_lost', ordrIdxx: notification.orderNo, fields: { id: notification.id } });
        },
        (error: unknown) =>
          this.#logger.log({
            level: 0,
            event: 'notify.renew_failed',
            ordrIdxx: notification.orderNo,
            fields: { id: notification.id, error: String((error as Error)?.message ?? error) },
          }),
      );
    }, every);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** Claims the id, waiting (bounded) while another process holds it: 'claimed', 'done', or 'busy' at the deadline. */
  async #claim(id: string): Promise<'claimed' | 'done' | 'busy'> {
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      if (await this.store.claim(id)) return 'claimed';
      if (await this.store.isCompleted(id)) return 'done';
      if (Date.now() >= deadline) return 'busy';
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  /** Runs `handler` for this notification unless its id was (or is being) processed; never throws. */
  async handle<N extends KcpNotification>(notification: N, handler: NotificationHandler<N>): Promise<InboxOutcome> {
    const running = this.#inFlight.get(notification.id);
    if (running) {
      // Share the first delivery's answer; a success is a duplicate from this delivery's point of view.
      const first = await running;
      return first.status === 'processed' ? outcome('duplicate') : first;
    }
    const work = this.#process(notification, handler);
    this.#inFlight.set(notification.id, work);
    try {
      return await work;
    } finally {
      this.#inFlight.delete(notification.id);
    }
  }

  async #process<N extends KcpNotification>(notification: N, handler: NotificationHandler<N>): Promise<InboxOutcome> {
    const { id } = notification;
    try {
      const claim = await this.#claim(id);
      if (claim !== 'claimed') return this.#log(notification, outcome(claim === 'done' ? 'duplicate' : 'in_progress'));
    } catch (error) {
      return this.#log(notification, outcome('failed', { error }));
    }
    if (this.#inStore) return this.#processInStore(notification, handler);
    const claim = this.#holdClaim(notification);
    try {
      await handler(notification);
    } catch (error) {
      claim.stop();
      await this.store.release(id).catch(() => undefined);
      return this.#log(notification, outcome('failed', { error }));
    }
    claim.stop();
    try {
      await this.store.complete(id);
    } catch (storeError) {
      return this.#log(notification, outcome('processed', { storeError }));
    }
    return this.#log(notification, outcome('processed'));
  }

  /**
   * The handler inside the store's transaction, which first checks (and locks) this process's claim and finally marks
   * the id done. Any failure rolls the handler's writes back with it; the claim is then given back (a no-op when the
   * commit did land, since the id is done) and KCP's re-send decides.
   */
  async #processInStore<N extends KcpNotification>(notification: N, handler: NotificationHandler<N>): Promise<InboxOutcome> {
    const { id } = notification;
    try {
      await this.store.completeWith!(id, async (tx) => {
        await handler(notification, tx);
      });
    } catch (error) {
      await this.store.release(id).catch(() => undefined);
      return this.#log(notification, outcome('failed', { error }));
    }
    return this.#log(notification, outcome('processed'));
  }

  #log(notification: KcpNotification, result: InboxOutcome): InboxOutcome {
    const failed = result.status === 'failed' || result.storeError !== undefined;
    this.#logger.log({
      level: failed ? 0 : 1,
      event: `notify.${result.status}`,
      ordrIdxx: notification.orderNo,
      fields: {
        txCd: notification.txCd,
        tno: notification.tno,
        noti_id: notification.id,
        resultCode: result.resultCode,
        ...(result.error !== undefined ? { error: String((result.error as Error)?.message ?? result.error) } : {}),
        ...(result.storeError !== undefined ? { storeError: String((result.storeError as Error)?.message ?? result.storeError) } : {}),
      },
    });
    return result;
  }
}
