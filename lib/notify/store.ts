/**
 * Where the inbox remembers which notifications it has processed. KCP re-sends until it reads 0000 and
 * may deliver one notification twice at once (a slow answer overlapping a re-send), so "process each
 * noti_id at most once" needs a claim (taken before the merchant's handler runs), a completion (after it
 * succeeded) and a release (after it failed, so the re-send can try again).
 *
 * MemoryNotificationStore is for one process (tests, demos); PaymentStoreNotifications keeps the inbox in the payment
 * store (SQLite, PostgreSQL, MariaDB/MySQL), where a primary key on the id makes `claim` atomic across processes.
 */
import { currentOwner } from '../store/owner.js';
import type { PaymentStore, StoreTransaction } from '../store/types.js';

export interface NotificationStore {
  /** Takes the id for processing: true when the caller now owns it, false when it is done or in flight. */
  claim(id: string): Promise<boolean>;
  /** Marks a claimed id as processed for good. */
  complete(id: string): Promise<void>;
  /** Gives a claimed id back after a failure, so the next delivery processes it. */
  release(id: string): Promise<void>;
  /** Whether the id has been completed (distinguishes "done" from "in flight" after a failed claim). */
  isCompleted(id: string): Promise<boolean>;
  /**
   * Extends this process's claim while the handler runs (a store shared by several processes): false when the claim
   * is no longer this process's. A store without it keeps a claim for as long as its process lives.
   */
  renew?(id: string): Promise<boolean>;
  /** How long a claim lasts without renewal (ms); the inbox renews every third of it. */
  readonly leaseMs?: number;
  /**
   * Runs `fn` inside the store's transaction and marks the id done in it: what `fn` writes through `tx` and the
   * completion commit together, or neither (NotificationInboxOptions.handleInStore).
   */
  completeWith?<T>(id: string, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
}

export class MemoryNotificationStore implements NotificationStore {
  readonly #completed = new Set<string>();
  readonly #inFlight = new Set<string>();

  async claim(id: string): Promise<boolean> {
    if (this.#completed.has(id) || this.#inFlight.has(id)) return false;
    this.#inFlight.add(id);
    return true;
  }

  async complete(id: string): Promise<void> {
    this.#inFlight.delete(id);
    this.#completed.add(id);
  }

  async release(id: string): Promise<void> {
    this.#inFlight.delete(id);
  }

  async isCompleted(id: string): Promise<boolean> {
    return this.#completed.has(id);
  }
}

/**
 * The inbox on the payment store: one row per noti_id in kcp_payplus_notifications, shared by every process and
 * server that shares the store. A claim belongs to this process (with a lease the inbox renews while the handler
 * runs); a claim whose process died, or whose lease ran out, is taken over by the next delivery, so a crash
 * mid-handler never blocks a notification for good. With completeWith (the inbox's handleInStore) the handler runs in
 * the store's transaction, which locks the claim and marks it done together with the handler's writes.
 * Get one with `payplus.notificationStore()`.
 */
export class PaymentStoreNotifications implements NotificationStore {
  constructor(
    readonly store: PaymentStore,
    /** How long a claim lasts while its handler runs (ms). Default 60,000. */
    readonly leaseMs = 60_000,
  ) {}

  async claim(id: string): Promise<boolean> {
    return (await this.store.claimNotification(id, currentOwner(), Date.now() + this.leaseMs)) === 'claimed';
  }

  complete(id: string): Promise<void> {
    return this.store.completeNotification(id);
  }

  release(id: string): Promise<void> {
    return this.store.releaseNotification(id, currentOwner());
  }

  isCompleted(id: string): Promise<boolean> {
    return this.store.notificationDone(id);
  }

  async renew(id: string): Promise<boolean> {
    if (!this.store.renewNotification) return true;
    return this.store.renewNotification(id, currentOwner(), Date.now() + this.leaseMs);
  }

  completeWith<T>(id: string, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    if (!this.store.completeNotificationWith) {
      return Promise.reject(new Error(`the ${this.store.kind} store cannot run a notification handler in its transaction (no completeNotificationWith)`));
    }
    return this.store.completeNotificationWith(id, currentOwner(), fn);
  }
}
