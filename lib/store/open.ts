/**
 * One way to name a store, for the command line and for configuration:
 *   sqlite:/var/kcp/log/payplus.sqlite    (or a bare path)
 *   postgres://user@host:5432/shop        (postgresql:// too)
 *   mysql://root@127.0.0.1:3306/shop      (mariadb:// too)
 */
import { MysqlStore } from './mysql.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { PaymentStore } from './types.js';

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
  if (scheme === 'postgres' || scheme === 'postgresql') return PostgresStore.open({ connection: location });
  if (scheme === 'mysql' || scheme === 'mariadb') return MysqlStore.open({ connection: location.replace(/^mariadb:/, 'mysql:') });
  if (scheme === 'sqlite') return new SqliteStore(location.slice('sqlite:'.length), options);
  if (scheme === undefined || location.startsWith('/')) return new SqliteStore(location, options);
  throw new Error(
    `store: '${scheme}:' is not a store kind; use sqlite:/path/payplus.sqlite, postgres://user@host/db or mysql://user@host/db`,
  );
}
