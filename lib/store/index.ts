export type {
  Attempt,
  AttemptPatch,
  AttemptState,
  BeginResult,
  CommitMode,
  NewAttempt,
  NotificationClaim,
  Owner,
  PaymentStore,
  StoreTransaction,
} from './types.js';
export { FINAL_STATES, RELEASING_STATES } from './types.js';
export { SqliteStore } from './sqlite.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres.js';
export { MysqlStore, type MysqlStoreOptions } from './mysql.js';
export { MemoryStore } from './memory.js';
export { SCHEMA_VERSION, schemaStatements } from './sql.js';
export { currentOwner } from './owner.js';
export { openStore } from './open.js';
export { KcpStoreError, isTransientStoreError, STORE_RETRY } from './errors.js';
export { sharedConnectionCount } from './registry.js';
