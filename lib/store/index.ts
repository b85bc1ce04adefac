/**
 * `kcp-payplus/store`: the payment store for DBAs and tools. The stores themselves are on the package root too; this
 * entry adds the schema as statements (`schemaStatements`, the same text `kcp-payplus schema --print` prints), so the
 * tables can be created by a DBA and the SDK's database user needs no CREATE.
 */
export { SqliteStore } from './sqlite.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres.js';
export { MysqlStore, type MysqlStoreOptions } from './mysql.js';
export { openStore } from './open.js';
export { schemaStatements, storeTables, SCHEMA_VERSION, DEFAULT_TABLE_PREFIX, type StoreNames, type StoreTables } from './sql.js';
export type * from './types.js';
