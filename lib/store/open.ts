/**
 * One way to name a store, for the command line and for configuration:
 *   sqlite:/var/kcp/log/payplus.sqlite    (or a bare path)
 *   postgres://user@host:5432/shop        (postgresql:// too)
 *   mysql://root@127.0.0.1:3306/shop      (mariadb:// too)
 * Every store opened on one location in a process shares one connection pool (SQLite: one worker thread); each
 * close() gives its share back and the pool closes with the last one (registry.ts).
 */
import { MysqlStore } from './mysql.js';
import { PostgresStore } from './postgres.js';
import { shareAsyncConnection } from './registry.js';
import { SqliteStore } from './sqlite.js';
import type { PaymentStore } from './types.js';

/** A store whose close() gives back this user's share of `lease` instead of closing it for everyone. */
function shared(store: PaymentStore, release: () => Promise<void>): PaymentStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'close') return release;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface OpenStoreOptions {
  /**
   * false: a SQLite store must already exist — nothing (folder, file, tables) is created and a missing file is an
   * error naming it; for read-only commands. PostgreSQL and MariaDB are not affected: their database must exist
   * already, and the SDK still creates its tables there on first use.
   */
  create?: boolean;
}

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<PaymentStore> {
  const scheme = /^([a-z]+):/.exec(location)?.[1];
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const lease = await shareAsyncConnection(`postgres:${location}`, () => PostgresStore.open({ connection: location }), (s) => s.close());
    return shared(lease.value, () => lease.release());
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const connection = location.replace(/^mariadb:/, 'mysql:');
    const lease = await shareAsyncConnection(`mysql:${connection}`, () => MysqlStore.open({ connection }), (s) => s.close());
    return shared(lease.value, () => lease.release());
  }
  if (scheme === 'sqlite') return new SqliteStore(location.slice('sqlite:'.length), options);
  if (scheme === undefined || location.startsWith('/')) return new SqliteStore(location, options);
  throw new Error(
    `store: '${scheme}:' is not a store kind; use sqlite:/path/payplus.sqlite, postgres://user@host/db or mysql://user@host/db`,
  );
}
