/**
 * What the simulator's payment window keeps between a form post and the page it redirects to (POST → 303 → GET), so
 * that the browser's history holds only pages it can ask for again: the back button or a reload never meets the
 * browser's "Confirm Form Resubmission" page. Entries live under random ids, for a limited time, and within a cap
 * (count and bytes; the oldest go first), so an open simulator's memory stays bounded however many windows are opened.
 */
import { randomBytes } from 'node:crypto';

export interface WindowStoreOptions {
  /** How long an entry can be read (ms). */
  ttlMs: number;
  /** At most this many entries (default 1000). */
  maxEntries?: number;
  /** At most this many bytes of entries, as JSON (default 16 MiB). */
  maxBytes?: number;
  /** Milliseconds on a clock that never goes back (default performance.now). */
  clock?: () => number;
}

interface Entry<T> {
  value: T;
  bytes: number;
  expires: number;
}

export class WindowStore<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly clock: () => number;
  private bytes = 0;

  constructor(options: WindowStoreOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.clock = options.clock ?? (() => performance.now());
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keeps a value and returns its id. Expired entries are dropped first, then the oldest while over a cap. */
  put(value: T): string {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    const now = this.clock();
    // Every entry lives equally long, so insertion order is expiry order: the expired ones are at the front.
    for (const [id, entry] of this.entries) {
      const full = this.entries.size >= this.maxEntries || this.bytes + bytes > this.maxBytes;
      if (entry.expires > now && !full) break;
      this.delete(id, entry);
    }
    const id = randomBytes(18).toString('base64url');
    this.entries.set(id, { value, bytes, expires: now + this.ttlMs });
    this.bytes += bytes;
    return id;
  }

  /** The value under id while it has not expired, else undefined. */
  get(id: string | undefined): T | undefined {
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires > this.clock()) return entry.value;
    this.delete(id!, entry);
    return undefined;
  }

  /** Like get, and the entry is gone afterwards: a one-time read. */
  take(id: string | undefined): T | undefined {
    const value = this.get(id);
    if (value !== undefined) this.delete(id!, this.entries.get(id!)!);
    return value;
  }

  private delete(id: string, entry: Entry<T>): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}
