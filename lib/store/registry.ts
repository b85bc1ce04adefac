/**
 * One connection per store location per process. Code ported from KCP's PHP samples makes a `new PayPlus()` per
 * request; each used to start its own SQLite worker thread (200 requests: 200 threads, +1.5 GB). Stores now take a
 * share of a process-wide connection keyed by the resolved location (a SQLite file's real path, a database URL) and
 * give it back on close(); the connection closes when its last store does.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** A store's share of a connection: `release()` gives it back (once; later calls do nothing). */
export interface SharedLease<T> {
  readonly value: T;
  release(): Promise<void>;
}

interface Entry {
  value: unknown;
  refs: number;
  close: () => Promise<void>;
}

const entries = new Map<string, Entry>();

/**
 * The connection registered under `key`, made with `create` when there is none, with one more user. `close` runs when
 * the last user releases it.
 */
export function shareConnection<T>(key: string, create: () => T, close: (value: T) => Promise<void>): SharedLease<T> {
  let entry = entries.get(key);
  if (!entry) {
    const value = create();
    entry = { value, refs: 0, close: () => close(value) };
    entries.set(key, entry);
  }
  entry.refs += 1;
  const mine = entry;
  let released = false;
  return {
    value: mine.value as T,
    async release() {
      if (released) return;
      released = true;
      mine.refs -= 1;
      if (mine.refs > 0) return;
      if (entries.get(key) === mine) entries.delete(key);
      await mine.close();
    },
  };
}

/**
 * Like shareConnection for a connection that opens asynchronously (a pg or mysql2 pool that must create its tables
 * first). When opening fails, nothing stays registered and every waiting user gets the error.
 */
export async function shareAsyncConnection<T>(
  key: string,
  create: () => Promise<T>,
  close: (value: T) => Promise<void>,
): Promise<SharedLease<T>> {
  const lease = shareConnection<Promise<T>>(key, create, async (p) => close(await p));
  try {
    const value = await lease.value;
    return { value, release: () => lease.release() };
  } catch (err) {
    const entry = entries.get(key);
    if (entry && entry.value === lease.value) entries.delete(key);
    throw err;
  }
}

/** How many connections this process holds open through the registry (for tests and diagnostics). */
export function sharedConnectionCount(): number {
  return entries.size;
}

/** A SQLite file's location as a key: absolute, with its directory's symlinks resolved (the file may not exist yet). */
export function resolvedFile(file: string): string {
  const absolute = path.resolve(file);
  try {
    return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return absolute;
  }
}
