/**
 * The payment store written once in SQL, over a small driver per engine (SQLite, PostgreSQL, MariaDB/MySQL). Every
 * rule of the contract lives here; a driver only runs statements and transactions.
 *
 * Tables (created on first use, versioned in <prefix>schema; the prefix is `kcp_payplus_` unless the store's
 * tablePrefix option says otherwise, and on PostgreSQL they may live in a named schema: storeTables below):
 * - kcp_payplus_orders: one row per order id that is taken (primary key = the exclusivity rule).
 * - kcp_payplus_attempts: one row per attempt not archived yet; `open_flag` = 1 until it is final (indexed).
 * - kcp_payplus_attempts_archive: final attempts moved out of the way; their order rows stay.
 * - kcp_payplus_notifications: one row per noti_id (processing / released / done).
 */
import { KcpConfigError } from '../errors.js';
import { commitUnknown, KcpStoreError, retryDelayMs, STORE_RETRY, toStoreError } from './errors.js';
import { ownerGone, sameOwner } from './owner.js';
import {
  FINAL_STATES,
  RELEASING_STATES,
  type Attempt,
  type AttemptPatch,
  type AttemptState,
  type BeginResult,
  type NewAttempt,
  type NotificationClaim,
  type Owner,
  type PaymentStore,
  type StoreTransaction,
} from './types.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export type Row = Record<string, unknown>;
export interface QueryResult {
  rows: Row[];
  changes: number;
}
/** Runs one statement; SQL is written with `?` placeholders (the PostgreSQL driver numbers them). */
export type Query = (sql: string, params?: readonly unknown[]) => Promise<QueryResult>;

export interface SqlDriver {
  readonly dialect: Dialect;
  query: Query;
  /** BEGIN (SQLite: IMMEDIATE, taking the write lock at once), fn, COMMIT; ROLLBACK when fn throws. */
  transaction<T>(fn: (q: Query, raw: Query) => Promise<T>): Promise<T>;
  /**
   * True for an error after which the whole transaction may simply be run again: a deadlock victim, a connection lost
   * or a server restarting before COMMIT (an error the driver marked with markCommitUnknown is never run again).
   */
  retryable(err: unknown): boolean;
  close(): Promise<void>;
}

export const SCHEMA_VERSION = 1;

/** commitWith's refusal: the attempt is no longer this process's approved attempt, so the merchant's commit does not run. */
function notOwned(id: string, attempt: Attempt | undefined): Error {
  return new Error(
    `payment store: attempt ${id} is no longer this process's approved attempt (${attempt?.state ?? 'missing'}); ` +
      `the commit was not run`,
  );
}

const ATTEMPT_COLUMNS = `
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  ordr_idxx VARCHAR(64) NOT NULL,
  amount VARCHAR(20) NOT NULL,
  state VARCHAR(16) NOT NULL,
  open_flag SMALLINT NOT NULL,
  owner_host VARCHAR(255) NOT NULL,
  owner_pid INTEGER NOT NULL,
  owner_start VARCHAR(64) NOT NULL,
  lease_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  commit_mode VARCHAR(8) NOT NULL,
  output_path VARCHAR(1024),
  durable_output SMALLINT NOT NULL,
  trace_no VARCHAR(32),
  tno VARCHAR(20),
  res_cd VARCHAR(8),
  approved_amount VARCHAR(20),
  method VARCHAR(16),
  escrow SMALLINT,
  cancel_mod_type VARCHAR(8),
  cancel_reason VARCHAR(32),
  cancel_tries INTEGER NOT NULL,
  cancel_res_cd VARCHAR(8),
  note VARCHAR(1000)`;

/** Where the store's tables live: a PostgreSQL schema and a table prefix (PostgreSQL and MariaDB/MySQL). */
export interface StoreNames {
  /**
   * PostgreSQL only: the schema that holds the tables (default: none, i.e. the connection's search_path, usually
   * `public`). On MariaDB/MySQL a schema is a database: name it in the connection instead.
   */
  schema?: string;
  /** Prefix of every table and index name (default `kcp_payplus_`). Lower-case letters, digits and `_`. */
  tablePrefix?: string;
}

export const DEFAULT_TABLE_PREFIX = 'kcp_payplus_';

/** Connections of a pool the store makes itself (PostgreSQL, MariaDB/MySQL) when none is given. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The size of the pool a store makes (undefined: DEFAULT_POOL_SIZE), checked: a whole number of connections from 1 to
 * 1,000, as a number or as the text of a store location's `poolSize` parameter, and only for a pool the store makes.
 */
export function poolSizeOf(options: { pool?: unknown; poolSize?: unknown }): number {
  const value = options.poolSize;
  if (value === undefined) return DEFAULT_POOL_SIZE;
  if (options.pool !== undefined) {
    throw new KcpConfigError('store option poolSize: it sizes a pool the store makes; size your own `pool` yourself', { field: 'poolSize' });
  }
  const n = typeof value === 'string' && /^[0-9]{1,4}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
    throw new KcpConfigError(
      `store option poolSize: ${JSON.stringify(value)} is not a number of connections; use a whole number from 1 to 1000 ` +
        `(default ${DEFAULT_POOL_SIZE}; with commitInStore, the payments one process runs at once, within the database's ` +
        `max_connections for all processes together)`,
      { field: 'poolSize' },
    );
  }
  return n;
}

/** The store's object names for one engine, validated once; every statement of the store takes its names from here. */
export interface StoreTables {
  readonly dialect: Dialect;
  readonly names: Readonly<{ schema?: string; tablePrefix: string }>;
  /** The quoted schema, when there is one (PostgreSQL). */
  readonly schema: string | undefined;
  readonly version: string;
  readonly orders: string;
  readonly attempts: string;
  readonly archive: string;
  readonly notifications: string;
  /** The index on open attempts (not qualified: PostgreSQL puts an index in its table's schema). */
  readonly openIndex: string;
}

/**
 * No name from input reaches SQL unchecked: each is matched against a strict pattern (lower-case, so PostgreSQL's and
 * MariaDB's case folding cannot split one name in two) and refused otherwise, naming the option; the schema is quoted
 * too (a schema named like a keyword, `user`, stays a name). The longest name the store makes is the prefix +
 * `attempts_archive` (16), within both engines' 63/64-character limit.
 */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const PREFIX_PATTERN = /^[a-z_][a-z0-9_]{0,39}$/;

function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

/** The tables of a store with these options on this engine; a KcpConfigError names the option that is wrong. */
export function storeTables(dialect: Dialect, options: StoreNames = {}): StoreTables {
  if (dialect !== 'sqlite' && dialect !== 'postgres' && dialect !== 'mysql') {
    throw new KcpConfigError(`store: '${String(dialect)}' is not an engine; use sqlite, postgres or mysql`, { field: 'engine' });
  }
  const { schema } = options;
  const tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (typeof tablePrefix !== 'string' || !PREFIX_PATTERN.test(tablePrefix)) {
    throw new KcpConfigError(
      `store option tablePrefix: ${JSON.stringify(tablePrefix)} is not a plain table prefix; use lower-case letters, ` +
        `digits and _ (starting with a letter or _, at most 40), e.g. 'shop1_' (default '${DEFAULT_TABLE_PREFIX}')`,
      { field: 'tablePrefix' },
    );
  }
  if (schema !== undefined) {
    if (dialect !== 'postgres') {
      throw new KcpConfigError(
        dialect === 'mysql'
          ? 'store option schema: on MariaDB/MySQL a schema is a database; name it in the connection (mysql://user@host/<database>) and use tablePrefix to share one'
          : 'store option schema: SQLite has no schemas; the store is its own file',
        { field: 'schema' },
      );
    }
    if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
      throw new KcpConfigError(
        `store option schema: ${JSON.stringify(schema)} is not a plain schema name; use lower-case letters, digits and _ ` +
          '(starting with a letter or _, at most 63), e.g. \'payments\'',
        { field: 'schema' },
      );
    }
  }
  if (dialect === 'sqlite' && tablePrefix !== DEFAULT_TABLE_PREFIX) {
    throw new KcpConfigError(
      `store option tablePrefix: the SQLite store is a file of its own and keeps the default '${DEFAULT_TABLE_PREFIX}'; ` +
        'use a table prefix with PostgreSQL or MariaDB/MySQL',
      { field: 'tablePrefix' },
    );
  }
  const quoted = schema === undefined ? undefined : quoteIdent(dialect, schema);
  const table = (suffix: string) => `${quoted === undefined ? '' : `${quoted}.`}${tablePrefix}${suffix}`;
  return Object.freeze({
    dialect,
    names: Object.freeze(schema === undefined ? { tablePrefix } : { schema, tablePrefix }),
    schema: quoted,
    version: table('schema'),
    orders: table('orders'),
    attempts: table('attempts'),
    archive: table('attempts_archive'),
    notifications: table('notifications'),
    openIndex: `${tablePrefix}attempts_open`,
  });
}

/** The tables (and index), idempotent: safe when two processes start at once. */
function tableStatements(t: StoreTables): string[] {
  const mysql = t.dialect === 'mysql';
  const engine = mysql ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
  const openIndex = mysql ? `,\n  INDEX ${t.openIndex} (open_flag, created_at)` : '';
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${t.version} (id SMALLINT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)${engine}`,
    `CREATE TABLE IF NOT EXISTS ${t.orders} (
  ordr_idxx VARCHAR(64) NOT NULL PRIMARY KEY,
  attempt_id VARCHAR(36) NOT NULL,
  created_at BIGINT NOT NULL)${engine}`,
    `CREATE TABLE IF NOT EXISTS ${t.attempts} (${ATTEMPT_COLUMNS}${openIndex})${engine}`,
    `CREATE TABLE IF NOT EXISTS ${t.archive} (${ATTEMPT_COLUMNS})${engine}`,
    `CREATE TABLE IF NOT EXISTS ${t.notifications} (
  noti_id VARCHAR(100) NOT NULL PRIMARY KEY,
  state VARCHAR(12) NOT NULL,
  owner_host VARCHAR(255) NOT NULL,
  owner_pid INTEGER NOT NULL,
  owner_start VARCHAR(64) NOT NULL,
  lease_until BIGINT NOT NULL,
  updated_at BIGINT NOT NULL)${engine}`,
  ];
  if (!mysql) statements.push(`CREATE INDEX IF NOT EXISTS ${t.openIndex} ON ${t.attempts} (open_flag, created_at)`);
  return statements;
}

/** Records the schema version the statements create (once; a row already there stays). */
function stampStatement(t: StoreTables): string {
  return t.dialect === 'mysql'
    ? `INSERT IGNORE INTO ${t.version} (id, version) VALUES (1, ${SCHEMA_VERSION})`
    : `INSERT INTO ${t.version} (id, version) VALUES (1, ${SCHEMA_VERSION}) ON CONFLICT DO NOTHING`;
}

/**
 * The store's schema for one engine, statement by statement: the schema (PostgreSQL, with `schema`), the tables, the
 * index and the version row. Idempotent, so a DBA can apply it as a user with CREATE and give the SDK's own user only
 * SELECT, INSERT, UPDATE and DELETE: a store whose tables are there at the current version creates nothing.
 * `kcp-payplus schema --print <engine>` prints the same statements.
 */
export function schemaStatements(engine: Dialect, options: StoreNames = {}): string[] {
  const t = storeTables(engine, options);
  return [...(t.schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${t.schema}`]), ...tableStatements(t), stampStatement(t)];
}

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number => Number(v);

function toAttempt(r: Row): Attempt {
  return {
    id: String(r.id),
    ordrIdxx: String(r.ordr_idxx),
    amount: String(r.amount),
    state: String(r.state) as AttemptState,
    owner: { host: String(r.owner_host), pid: num(r.owner_pid), start: String(r.owner_start) },
    leaseUntil: num(r.lease_until),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    commitMode: String(r.commit_mode) === 'store' ? 'store' : 'external',
    outputPath: str(r.output_path),
    durableOutput: num(r.durable_output) === 1,
    traceNo: str(r.trace_no),
    tno: str(r.tno),
    resCd: str(r.res_cd),
    approvedAmount: str(r.approved_amount),
    method: str(r.method),
    escrow: r.escrow === null || r.escrow === undefined ? undefined : num(r.escrow) === 1,
    cancelModType: str(r.cancel_mod_type),
    cancelReason: str(r.cancel_reason),
    cancelTries: num(r.cancel_tries),
    cancelResCd: str(r.cancel_res_cd),
    note: str(r.note),
  };
}

/** Column name → how an AttemptPatch field is stored. */
const PATCH_COLUMNS: Record<string, (p: AttemptPatch) => Array<[string, unknown]>> = {
  state: (p) => [
    ['state', p.state],
    ['open_flag', FINAL_STATES.has(p.state!) ? 0 : 1],
  ],
  owner: (p) => [
    ['owner_host', p.owner!.host],
    ['owner_pid', p.owner!.pid],
    ['owner_start', p.owner!.start],
  ],
  leaseUntil: (p) => [['lease_until', p.leaseUntil]],
  outputPath: (p) => [['output_path', p.outputPath ?? null]],
  traceNo: (p) => [['trace_no', p.traceNo ?? null]],
  tno: (p) => [['tno', p.tno ?? null]],
  resCd: (p) => [['res_cd', p.resCd ?? null]],
  approvedAmount: (p) => [['approved_amount', p.approvedAmount ?? null]],
  method: (p) => [['method', p.method ?? null]],
  escrow: (p) => [['escrow', p.escrow === undefined ? null : p.escrow ? 1 : 0]],
  cancelModType: (p) => [['cancel_mod_type', p.cancelModType ?? null]],
  cancelReason: (p) => [['cancel_reason', p.cancelReason ?? null]],
  cancelTries: (p) => [['cancel_tries', p.cancelTries]],
  cancelResCd: (p) => [['cancel_res_cd', p.cancelResCd ?? null]],
  note: (p) => [['note', p.note === undefined ? null : p.note.slice(0, 1000)]],
};

const ARCHIVE_BATCH = 500;

/** Loads an optional peer dependency (pg, mysql2), or says which package to install for which store. */
export async function importPeer<T>(load: () => Promise<T>, pkg: string, store: string): Promise<T> {
  return load().catch((err: unknown) => {
    throw new Error(`${store} needs the '${pkg}' package: npm install ${pkg} (${String(err)})`);
  });
}

/**
 * Runs one CREATE … IF NOT EXISTS of the schema. PostgreSQL's IF NOT EXISTS is not safe against a concurrent creator:
 * when several processes start on a fresh database together, the loser fails with a unique violation in its catalog
 * (23505 on pg_type) or "already exists" (42P07). Run once more, the statement sees the other's table and does nothing.
 */
async function createOnce<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    const code = (err as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (err as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P07' && code !== '42710') throw err;
    return create();
  }
}

/** Creates the tables on first use and hands the store over; when that fails, whatever it opened is closed again. */
export async function readyStore<S extends SqlPaymentStore>(store: S): Promise<S> {
  try {
    await store.ready();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** The store's public operations: each failure of one reaches the caller as a KcpStoreError naming it. */
const OPERATIONS = [
  'ready', 'begin', 'update', 'commitWith', 'claim', 'get', 'listOpen', 'archive',
  'claimNotification', 'completeNotification', 'releaseNotification', 'notificationDone',
  'renewNotification', 'completeNotificationWith',
] as const;

/** Runs `fn` again within the store's retry budget while it fails with an error `retryable` accepts. */
export async function withStoreRetry<T>(fn: () => Promise<T>, retryable: (err: unknown) => boolean): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const spent = attempt >= STORE_RETRY.attempts || Date.now() - started >= STORE_RETRY.budgetMs;
      if (spent || commitUnknown(err) || !retryable(err)) throw err;
      await new Promise((r) => setTimeout(r, retryDelayMs(attempt)));
    }
  }
}

/**
 * Makes every public operation of `store` throw KcpStoreError (engine, operation, retryable, cause), except what a
 * merchant's own function threw (commitWith, completeNotificationWith), which passes through untouched.
 */
function typedFailures(store: SqlPaymentStore, engine: string): void {
  const self = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const operation of OPERATIONS) {
    const inner = self[operation];
    if (typeof inner !== 'function') continue;
    self[operation] = async (...args: unknown[]) => {
      let merchant: { error: unknown } | undefined;
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = async (...a: unknown[]) => {
          try {
            return await (last as (...x: unknown[]) => Promise<unknown>)(...a);
          } catch (error) {
            merchant = { error };
            throw error;
          }
        };
      }
      try {
        return await inner.apply(store, args);
      } catch (err) {
        if (merchant && merchant.error === err) throw err;
        throw toStoreError(err, engine, operation);
      }
    };
  }
}

/** A table or schema that is not there, or that this user may not read (PostgreSQL, MariaDB/MySQL, SQLite). */
function missingOrDenied(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '42P01' || e.code === '3F000' || e.code === '42501') return true; // undefined_table, invalid_schema_name, insufficient_privilege
  if (e.errno === 1146 || e.errno === 1142) return true; // ER_NO_SUCH_TABLE, ER_TABLEACCESS_DENIED_ERROR
  return typeof e.message === 'string' && e.message.includes('no such table');
}

/** The user may not create (or use) the schema's objects. */
function denied(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // insufficient_privilege; ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR
  return e.code === '42501' || e.errno === 1044 || e.errno === 1142 || e.errno === 1227;
}

export class SqlPaymentStore implements PaymentStore {
  readonly kind: string;
  #ready: Promise<void> | undefined;
  private readonly driver: SqlDriver;
  /** Every table name the store's statements use (schema and prefix applied, validated once). */
  protected readonly t: StoreTables;

  constructor(driver: SqlDriver, names: StoreNames = {}) {
    this.kind = driver.dialect;
    this.t = storeTables(driver.dialect, names);
    // Reads and the idempotent schema statements outside a transaction run again on a passing fault too.
    this.driver = { ...driver, query: (sql, params) => withStoreRetry(() => driver.query(sql, params), (e) => driver.retryable(e)) };
    this.settleUnanswered();
    typedFailures(this, driver.dialect);
  }

  /**
   * A COMMIT whose answer was lost (the connection dropped while it was on the wire) is never run again blindly; for
   * the writes whose result can be read back by key, the store reads it back instead: the attempt `begin` wrote (its
   * id is new), this process's claim on a noti_id (its lease is this call's), a completed noti_id. Landed: the call
   * succeeded; not landed: it simply runs again. Other writes stay a KcpStoreError that says the outcome is unknown.
   */
  private settleUnanswered(): void {
    const begin = this.begin.bind(this);
    const claimNotification = this.claimNotification.bind(this);
    const completeNotification = this.completeNotification.bind(this);
    const again = async <T>(run: () => Promise<T>, landed: () => Promise<{ value: T } | undefined>): Promise<T> => {
      for (let round = 1; ; round++) {
        try {
          return await run();
        } catch (err) {
          if (!commitUnknown(err) || round >= STORE_RETRY.attempts) throw err;
          const found = await landed();
          if (found) return found.value;
        }
      }
    };
    const notification = async (id: string) =>
      (await this.driver.query(`SELECT * FROM ${this.t.notifications} WHERE noti_id = ?`, [id])).rows[0];
    this.begin = (a) =>
      again(
        () => begin(a),
        async () => {
          const row = (await this.driver.query(`SELECT * FROM ${this.t.attempts} WHERE id = ?`, [a.id])).rows[0];
          return row ? { value: { ok: true as const, attempt: toAttempt(row) } } : undefined;
        },
      );
    this.claimNotification = (id, owner, leaseUntil) =>
      again(
        () => claimNotification(id, owner, leaseUntil),
        async () => {
          const row = await notification(id);
          const mine = row && row.state === 'processing' && num(row.lease_until) === leaseUntil &&
            sameOwner({ host: String(row.owner_host), pid: num(row.owner_pid), start: String(row.owner_start) }, owner);
          return mine ? { value: 'claimed' as const } : undefined;
        },
      );
    this.completeNotification = (id) =>
      again(
        () => completeNotification(id),
        async () => ((await notification(id))?.state === 'done' ? { value: undefined } : undefined),
      );
  }

  /** Where this store's tables are: the PostgreSQL schema (if any) and the table prefix. */
  get names(): Readonly<StoreNames> {
    return this.t.names;
  }

  /**
   * Checks the schema version and creates the tables only when they are missing or older: a store whose tables are at
   * the current version runs no CREATE at all, so the SDK's database user needs only SELECT, INSERT, UPDATE and DELETE
   * once a DBA has applied `kcp-payplus schema --print <engine>`. Creating what is missing without the right to is a
   * KcpStoreError that names the command to run.
   */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      const found = await this.schemaVersion();
      if (found === undefined || found < SCHEMA_VERSION) await this.createSchema();
      await this.tx(async (q) => {
        // One row (id 1), written once even when several processes start together.
        await this.insertOnce(q, this.t.version, { id: 1, version: SCHEMA_VERSION });
        const rows = (await q(`SELECT version FROM ${this.t.version} WHERE id = 1`)).rows;
        if (num(rows[0]!.version) > SCHEMA_VERSION) {
          throw new Error(
            `the payment store's schema is version ${String(rows[0]!.version)}, newer than this kcp-payplus ` +
              `(${SCHEMA_VERSION}); upgrade kcp-payplus on this server too`,
          );
        }
      });
    })();
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }

  /** The recorded schema version; undefined when the version table is missing (or this user may not read it) or empty. */
  private async schemaVersion(): Promise<number | undefined> {
    try {
      const rows = (await this.driver.query(`SELECT version FROM ${this.t.version} WHERE id = 1`)).rows;
      return rows.length === 0 ? undefined : num(rows[0]!.version);
    } catch (err) {
      if (missingOrDenied(err)) return undefined;
      throw err;
    }
  }

  private async createSchema(): Promise<void> {
    const statements = tableStatements(this.t);
    if (this.t.schema !== undefined) {
      // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema is there: ask first.
      const there = await this.driver.query('SELECT 1 AS one FROM pg_namespace WHERE nspname = ?', [this.t.names.schema]);
      if (there.rows.length === 0) statements.unshift(`CREATE SCHEMA IF NOT EXISTS ${this.t.schema}`);
    }
    try {
      // createOnce: several processes starting together on a fresh database all get through (PostgreSQL's IF NOT
      // EXISTS is not safe against a concurrent creator).
      for (const sql of statements) await createOnce(() => this.driver.query(sql));
    } catch (err) {
      if (!denied(err)) throw err;
      const { schema, tablePrefix } = this.t.names;
      const command = `kcp-payplus schema --print ${this.t.dialect}${schema === undefined ? '' : ` --schema ${schema}`}` +
        (tablePrefix === DEFAULT_TABLE_PREFIX ? '' : ` --table-prefix ${tablePrefix}`);
      throw new KcpStoreError(
        `payment store (${this.t.dialect}): the tables ${this.t.version}, ${this.t.orders}, … are missing (or this ` +
          `database user may not use them) and this user may not create them (${String((err as Error).message ?? err)}). ` +
          `Fix: have a DBA run the output of '${command}' as a user with CREATE, then grant this user SELECT, INSERT, ` +
          `UPDATE and DELETE on those tables${schema === undefined ? '' : ` and USAGE on schema ${schema}`}`,
        { retryable: false, engine: this.t.dialect, operation: 'ready', cause: err },
      );
    }
  }

  /**
   * The store's own transactions, run again (within STORE_RETRY's budget, jittered) when the engine picked them as a
   * deadlock victim (InnoDB does so for concurrent inserts of one key) or the connection was lost before COMMIT. Never
   * used for a merchant's commit, whose code must not run twice.
   */
  private tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return withStoreRetry(() => this.driver.transaction((q) => fn(q)), (err) => this.driver.retryable(err));
  }

  /** INSERT that does nothing when the primary key exists; true when the row was inserted. */
  private async insertOnce(q: Query, table: string, values: Record<string, unknown>): Promise<boolean> {
    const cols = Object.keys(values);
    const marks = cols.map(() => '?').join(', ');
    const params = Object.values(values);
    if (this.driver.dialect === 'mysql') {
      try {
        await q(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${marks})`, params);
        return true;
      } catch (err) {
        if ((err as { errno?: number }).errno === 1062) return false; // ER_DUP_ENTRY: the transaction goes on
        throw err;
      }
    }
    const r = await q(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${marks}) ON CONFLICT DO NOTHING`, params);
    return r.changes === 1;
  }

  private forUpdate(): string {
    return this.driver.dialect === 'sqlite' ? '' : ' FOR UPDATE';
  }

  private async attemptIn(q: Query, id: string, lock = false): Promise<Attempt | undefined> {
    const live = (await q(`SELECT * FROM ${this.t.attempts} WHERE id = ?${lock ? this.forUpdate() : ''}`, [id])).rows[0];
    if (live) return toAttempt(live);
    const archived = (await q(`SELECT * FROM ${this.t.archive} WHERE id = ?`, [id])).rows[0];
    return archived ? toAttempt(archived) : undefined;
  }

  async begin(a: NewAttempt): Promise<BeginResult> {
    await this.ready();
    const now = Date.now();
    for (let round = 0; round < 5; round++) {
      const result = await this.tx(async (q): Promise<BeginResult | undefined> => {
        if (!(await this.insertOnce(q, this.t.orders, { ordr_idxx: a.ordrIdxx, attempt_id: a.id, created_at: now }))) {
          const held = (await q(`SELECT attempt_id FROM ${this.t.orders} WHERE ordr_idxx = ?${this.forUpdate()}`, [a.ordrIdxx])).rows[0];
          if (!held) return undefined; // given back between our insert and our look: try again
          const blocking = await this.attemptIn(q, String(held.attempt_id));
          if (!blocking) throw new Error(`payment store: order ${a.ordrIdxx} is held by attempt ${String(held.attempt_id)}, which is missing`);
          return { ok: false, blocking };
        }
        await q(
          `INSERT INTO ${this.t.attempts} (id, ordr_idxx, amount, state, open_flag, owner_host, owner_pid, owner_start,
             lease_until, created_at, updated_at, commit_mode, output_path, durable_output, trace_no, cancel_tries)
           VALUES (?, ?, ?, 'started', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          [a.id, a.ordrIdxx, a.amount, a.owner.host, a.owner.pid, a.owner.start, a.leaseUntil, now, now, a.commitMode,
            a.outputPath ?? null, a.durableOutput ? 1 : 0, a.traceNo ?? null],
        );
        return { ok: true, attempt: toAttempt((await q(`SELECT * FROM ${this.t.attempts} WHERE id = ?`, [a.id])).rows[0]!) };
      });
      if (result) return result;
    }
    throw new Error(`payment store: order ${a.ordrIdxx} changed hands too often to be taken; try again`);
  }

  private async updateIn(q: Query, id: string, from: readonly AttemptState[], patch: AttemptPatch, owner?: Owner): Promise<boolean> {
    const sets: Array<[string, unknown]> = [['updated_at', Date.now()]];
    for (const key of Object.keys(patch)) {
      const columns = PATCH_COLUMNS[key];
      if (!columns) throw new Error(`payment store: ${key} cannot be changed`);
      sets.push(...columns(patch));
    }
    const where = [`id = ?`, `state IN (${from.map(() => '?').join(', ')})`];
    const params: unknown[] = [...sets.map(([, v]) => v), id, ...from];
    if (owner) {
      where.push('owner_host = ?', 'owner_pid = ?', 'owner_start = ?');
      params.push(owner.host, owner.pid, owner.start);
    }
    const r = await q(`UPDATE ${this.t.attempts} SET ${sets.map(([c]) => `${c} = ?`).join(', ')} WHERE ${where.join(' AND ')}`, params);
    if (r.changes !== 1) return false;
    if (patch.state && RELEASING_STATES.has(patch.state)) {
      await q(`DELETE FROM ${this.t.orders} WHERE attempt_id = ?`, [id]);
    }
    return true;
  }

  async update(id: string, from: readonly AttemptState[], patch: AttemptPatch, owner?: Owner): Promise<boolean> {
    await this.ready();
    return this.tx((q) => this.updateIn(q, id, from, patch, owner));
  }

  /**
   * The merchant's commit inside the store's transaction (commitInStore). The attempt is checked before the merchant's
   * function runs at all, and again, locked, when the transaction opens. On PostgreSQL and MariaDB/MySQL the
   * transaction opens at the function's first `tx.query` (or when it returns without one), as SQLite's does in its
   * worker: work the commit does before its SQL holds no pooled connection and no row lock.
   */
  async commitWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    await this.ready();
    if (this.driver.dialect === 'sqlite') {
      // The SQLite worker opens this transaction lazily itself (sqlite-worker.ts), around this whole function.
      return this.driver.transaction(async (q, raw) => {
        await this.stillOwned(q, id, owner);
        const value = await fn({ query: async (sql, params) => (await raw(sql, params ?? [])).rows });
        await this.markCommitted(q, id, owner);
        return value;
      });
    }
    const before = await this.get(id);
    if (!before || before.state !== 'approved' || !sameOwner(before.owner, owner)) throw notOwned(id, before);
    let finish!: (end: { ok: true } | { ok: false; err: unknown }) => void;
    const finished = new Promise<{ ok: true } | { ok: false; err: unknown }>((resolve) => (finish = resolve));
    let transaction: Promise<void> | undefined;
    let opened: Promise<Query> | undefined;
    const open = (): Promise<Query> =>
      (opened ??= new Promise<Query>((resolve, reject) => {
        transaction = this.driver.transaction(async (q, raw) => {
          await this.stillOwned(q, id, owner);
          resolve(raw);
          const end = await finished;
          if (!end.ok) throw end.err;
          await this.markCommitted(q, id, owner);
        });
        // BEGIN or the check failed: the merchant's query fails with it (the transaction's own error is awaited below).
        transaction.catch(reject);
      }));
    let value: T;
    try {
      value = await fn({ query: async (sql, params) => (await (await open())(sql, params ?? [])).rows });
    } catch (err) {
      finish({ ok: false, err });
      // Rolled back (or never opened); the merchant's own error is what the caller hears.
      if (transaction) await transaction.catch(() => undefined);
      throw err;
    }
    await open(); // a commit without SQL: the transaction holds the check and the mark alone
    finish({ ok: true });
    await transaction;
    return value;
  }

  /** The attempt, locked for this transaction, is still this owner's approved attempt; else nothing is run. */
  private async stillOwned(q: Query, id: string, owner: Owner): Promise<void> {
    const attempt = await this.attemptIn(q, id, true);
    if (!attempt || attempt.state !== 'approved' || !sameOwner(attempt.owner, owner)) throw notOwned(id, attempt);
  }

  /** Inside the commit's transaction: approved → committed, or the whole transaction rolls back. */
  private async markCommitted(q: Query, id: string, owner: Owner): Promise<void> {
    if (!(await this.updateIn(q, id, ['approved'], { state: 'committed' }, owner))) {
      throw new Error(`payment store: attempt ${id} changed during the commit; rolled back`);
    }
  }


  /**
   * The lease and takeover compare-and-set. It leaves updated_at alone (that is when the attempt last changed state:
   * status() measures an approval's age by it), and on PostgreSQL and MariaDB/MySQL it skips a row that a commit
   * (commitWith) holds locked — that attempt is in progress — rather than wait for a commit that may hang.
   */
  async claim(id: string, expected: Owner, next: Owner, leaseUntil: number): Promise<boolean> {
    await this.ready();
    const r = await this.tx(async (q) => {
      if (this.driver.dialect !== 'sqlite') {
        const free = await q(`SELECT id FROM ${this.t.attempts} WHERE id = ? FOR UPDATE SKIP LOCKED`, [id]);
        if (free.rows.length === 0) return { rows: [], changes: 0 };
      }
      return q(
        `UPDATE ${this.t.attempts} SET owner_host = ?, owner_pid = ?, owner_start = ?, lease_until = ?
         WHERE id = ? AND owner_host = ? AND owner_pid = ? AND owner_start = ? AND open_flag = 1`,
        [next.host, next.pid, next.start, leaseUntil, id, expected.host, expected.pid, expected.start],
      );
    });
    return r.changes === 1;
  }

  async get(id: string): Promise<Attempt | undefined> {
    await this.ready();
    return this.attemptIn(this.driver.query, id);
  }

  async listOpen(limit: number): Promise<Attempt[]> {
    await this.ready();
    const rows = (await this.driver.query(`SELECT * FROM ${this.t.attempts} WHERE open_flag = 1 ORDER BY created_at LIMIT ?`, [limit])).rows;
    return rows.map(toAttempt);
  }

  async archive(before: number): Promise<number> {
    await this.ready();
    let moved = 0;
    for (;;) {
      const n = await this.tx(async (q) => {
        const ids = (await q(`SELECT id FROM ${this.t.attempts} WHERE open_flag = 0 AND updated_at < ? LIMIT ?`, [before, ARCHIVE_BATCH])).rows.map((r) => String(r.id));
        if (ids.length === 0) return 0;
        const marks = ids.map(() => '?').join(', ');
        await q(`INSERT INTO ${this.t.archive} SELECT * FROM ${this.t.attempts} WHERE id IN (${marks})`, ids);
        await q(`DELETE FROM ${this.t.attempts} WHERE id IN (${marks})`, ids);
        return ids.length;
      });
      moved += n;
      if (n < ARCHIVE_BATCH) return moved;
    }
  }

  async claimNotification(id: string, owner: Owner, leaseUntil: number): Promise<NotificationClaim> {
    await this.ready();
    return this.tx(async (q) => {
      const now = Date.now();
      const mine = { state: 'processing', owner_host: owner.host, owner_pid: owner.pid, owner_start: owner.start, lease_until: leaseUntil, updated_at: now };
      if (await this.insertOnce(q, this.t.notifications, { noti_id: id, ...mine })) return 'claimed';
      const row = (await q(`SELECT * FROM ${this.t.notifications} WHERE noti_id = ?${this.forUpdate()}`, [id])).rows[0];
      if (!row) return 'busy';
      if (row.state === 'done') return 'done';
      const holder = { host: String(row.owner_host), pid: num(row.owner_pid), start: String(row.owner_start) };
      if (row.state === 'processing' && !ownerGone(holder, num(row.lease_until), now)) return 'busy';
      await q(
        `UPDATE ${this.t.notifications} SET state = ?, owner_host = ?, owner_pid = ?, owner_start = ?, lease_until = ?,
           updated_at = ? WHERE noti_id = ?`,
        [...Object.values(mine), id],
      );
      return 'claimed';
    });
  }

  /**
   * Marks a notification done. Like every write of the store it runs again when the engine picks it as a deadlock
   * victim: InnoDB does so when another process's claim holds the row's shared lock, and a lost completion would let
   * the next delivery process the notification a second time.
   */
  async completeNotification(id: string): Promise<void> {
    await this.ready();
    await this.tx((q) => q(`UPDATE ${this.t.notifications} SET state = 'done', lease_until = 0, updated_at = ? WHERE noti_id = ?`, [Date.now(), id]));
  }

  async releaseNotification(id: string, owner: Owner): Promise<void> {
    await this.ready();
    await this.tx((q) => q(
      `UPDATE ${this.t.notifications} SET state = 'released', lease_until = 0, updated_at = ?
       WHERE noti_id = ? AND state = 'processing' AND owner_host = ? AND owner_pid = ? AND owner_start = ?`,
      [Date.now(), id, owner.host, owner.pid, owner.start],
    ));
  }

  async renewNotification(id: string, owner: Owner, leaseUntil: number): Promise<boolean> {
    await this.ready();
    const r = await this.tx((q) => q(
      `UPDATE ${this.t.notifications} SET lease_until = ?, updated_at = ?
       WHERE noti_id = ? AND state = 'processing' AND owner_host = ? AND owner_pid = ? AND owner_start = ?`,
      [leaseUntil, Date.now(), id, owner.host, owner.pid, owner.start],
    ));
    return r.changes === 1;
  }

  /**
   * The handler and the completion in one transaction. The claim row is locked first (FOR UPDATE; SQLite's write lock
   * covers the file), so while the handler runs no other process can take the claim over, however long it takes; a
   * process killed inside the handler rolls back with it, and the next delivery runs the handler again, once.
   */
  async completeNotificationWith<T>(id: string, owner: Owner, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    await this.ready();
    return this.driver.transaction(async (q, raw) => {
      const row = (await q(`SELECT * FROM ${this.t.notifications} WHERE noti_id = ?${this.forUpdate()}`, [id])).rows[0];
      const holder = row && { host: String(row.owner_host), pid: num(row.owner_pid), start: String(row.owner_start) };
      if (!row || row.state !== 'processing' || !sameOwner(holder!, owner)) {
        throw new Error(
          `notification ${id} is no longer claimed by this process (${row ? String(row.state) : 'missing'}); the handler was not run`,
        );
      }
      const value = await fn({ query: async (sql, params) => (await raw(sql, params ?? [])).rows });
      await q(`UPDATE ${this.t.notifications} SET state = 'done', lease_until = 0, updated_at = ? WHERE noti_id = ?`, [Date.now(), id]);
      return value;
    });
  }

  async notificationDone(id: string): Promise<boolean> {
    await this.ready();
    const row = (await this.driver.query(`SELECT state FROM ${this.t.notifications} WHERE noti_id = ?`, [id])).rows[0];
    return row?.state === 'done';
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
