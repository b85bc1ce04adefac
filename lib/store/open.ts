/**
 * One way to name a store, for the command line and for configuration:
 *   sqlite:/var/kcp/log/payplus.sqlite    (or a bare path)
 *   postgres://user@host:5432/shop        (postgresql:// too)
 *   mysql://root@127.0.0.1:3306/shop      (mariadb:// too)
 * PostgreSQL and MariaDB/MySQL take the store's table names, and the size of the pool it makes, as query parameters,
 * which the store reads and does not pass on to the driver: `postgres://…/shop?schema=payments&tablePrefix=shop1_`,
 * `mysql://…/shop?tablePrefix=shop1_&poolSize=25`.
 * Every store opened on one location in a process shares one connection pool (SQLite: one worker thread); each
 * close() gives its share back and the pool closes with the last one (registry.ts).
 */
import { MysqlStore } from './mysql.js';
import { PostgresStore } from './postgres.js';
import { poolSizeOf, type StoreNames } from './sql.js';
import { shareAsyncConnection } from './registry.js';
import { SqliteStore } from './sqlite.js';
import type { PaymentStore } from './types.js';
import { KcpConfigError } from '../errors.js';

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

/**
 * The store's own query parameters taken out of a connection URL — its table names (schema, tablePrefix) and the size
 * of the pool it makes (poolSize) — and the rest, which is the driver's.
 */
export function storeUrl(location: string): { connection: string; names: StoreNames; poolSize?: number } {
  const url = new URL(location);
  const own: Partial<Record<'schema' | 'tablePrefix' | 'poolSize', string>> = {};
  for (const key of ['schema', 'tablePrefix', 'poolSize'] as const) {
    const values = url.searchParams.getAll(key);
    if (values.length > 1) throw new KcpConfigError(`store: '${key}' is given ${values.length} times in the store location; give it once`, { field: key });
    if (values.length === 1) own[key] = values[0]!;
    url.searchParams.delete(key);
  }
  const names: StoreNames = {};
  if (own.schema !== undefined) names.schema = own.schema;
  if (own.tablePrefix !== undefined) names.tablePrefix = own.tablePrefix;
  return { connection: url.toString(), names, ...(own.poolSize === undefined ? {} : { poolSize: poolSizeOf({ poolSize: own.poolSize }) }) };
}

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<PaymentStore> {
  const scheme = /^([a-z]+):/.exec(location)?.[1];
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const { connection, names, poolSize } = storeUrl(location);
    const lease = await shareAsyncConnection(`postgres:${location}`, () => PostgresStore.open({ connection, poolSize, ...names }), (s) => s.close());
    return shared(lease.value, () => lease.release());
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    const { connection, names, poolSize } = storeUrl(location.replace(/^mariadb:/, 'mysql:'));
    const lease = await shareAsyncConnection(`mysql:${location.replace(/^mariadb:/, 'mysql:')}`, () => MysqlStore.open({ connection, poolSize, ...names }), (s) => s.close());
    return shared(lease.value, () => lease.release());
  }
  if (scheme === 'sqlite') return new SqliteStore(location.slice('sqlite:'.length), options);
  if (scheme === undefined || location.startsWith('/')) return new SqliteStore(location, options);
  throw new Error(
    `store: '${scheme}:' is not a store kind; use sqlite:/path/payplus.sqlite, postgres://user@host/db or mysql://user@host/db`,
  );
}
