/**
 * The sample shop's orders, in SQLite (better-sqlite3). The amount stored here is the one the server trusts: the form's
 * good_mny is only ever compared with it.
 */
import Database from 'better-sqlite3';
import { createPrivateDatabaseFile } from '../lib/store/sqlite.js';

export type OrderStatus =
  | 'pending' // order created, payment window not completed
  | 'paid' // approved and recorded (or a virtual account deposited)
  | 'awaiting_deposit' // virtual account issued, no deposit yet
  | 'partially_cancelled' // paid, part of it cancelled: `cancellable` is what is left
  | 'cancelled' // fully cancelled
  | 'failed' // KCP refused, or our own checks refused the attempt
  | 'attention'; // approved but could not be recorded or cancelled: a person must look

export interface Product {
  id: string;
  name: string;
  price: number;
}

export interface OrderRow {
  ordr_idxx: string;
  product_id: string;
  good_name: string;
  amount: number;
  method: string;
  /** Where the buyer ordered: 'pc' (standard-web or plug-in window) or 'mobile' (smartphone window). */
  channel: 'pc' | 'mobile';
  buyer_name: string;
  status: OrderStatus;
  tno: string | null;
  pay_method: string | null;
  /** What can still be cancelled (KCP's rem_mny for the next partial cancel). */
  cancellable: number | null;
  captured: number;
  vbank_name: string | null;
  vbank_account: string | null;
  vbank_due: string | null;
  deposited: number | null;
  /** For the shop's staff: what happened, with KCP's codes. */
  message: string | null;
  /** For the buyer: the same in plain Korean, no codes or field names. */
  buyer_message: string | null;
  /** The approval's result fields (JSON), for the result page. */
  result_json: string | null;
  /** SHA-256 of the ordering browser's id (security.ts): only that browser sees and pays the order. */
  buyer_key: string | null;
  created_at: string;
  updated_at: string;
}

export const PRODUCTS: readonly Product[] = Object.freeze([
  { id: 'mug', name: 'KCP 머그컵', price: 15000 },
  { id: 'keyboard', name: '기계식 키보드', price: 89000 },
  { id: 'sticker', name: '테스트 스티커', price: 1004 },
  // An amount ending in 991 is the simulator's decline trigger (8108): shows what a refused card looks like.
  { id: 'decline', name: '거절 테스트 상품', price: 10991 },
]);

export class OrderStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    createPrivateDatabaseFile(file); // 0600, as the SDK's own store: buyers' orders are nobody else's to read
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS orders (
      ordr_idxx TEXT PRIMARY KEY,
      product_id TEXT NOT NULL,
      good_name TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount > 0),
      method TEXT NOT NULL,
      channel TEXT NOT NULL DEFAULT 'pc',
      buyer_name TEXT NOT NULL,
      status TEXT NOT NULL,
      tno TEXT,
      pay_method TEXT,
      cancellable INTEGER,
      captured INTEGER NOT NULL DEFAULT 0,
      vbank_name TEXT,
      vbank_account TEXT,
      vbank_due TEXT,
      deposited INTEGER,
      message TEXT,
      buyer_message TEXT,
      result_json TEXT,
      buyer_key TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
    // Databases made before buyer_message existed (npm start keeps its data between runs).
    const columns = this.db.prepare('PRAGMA table_info(orders)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'buyer_message')) this.db.exec('ALTER TABLE orders ADD COLUMN buyer_message TEXT');
    // Orders made before buyer_key existed belong to no browser: only staff see them.
    if (!columns.some((c) => c.name === 'buyer_key')) this.db.exec('ALTER TABLE orders ADD COLUMN buyer_key TEXT');
    if (!columns.some((c) => c.name === 'channel')) this.db.exec("ALTER TABLE orders ADD COLUMN channel TEXT NOT NULL DEFAULT 'pc'");
  }

  create(order: { ordrIdxx: string; product: Product; method: string; buyerName: string; buyerKey: string; channel?: 'pc' | 'mobile' }): OrderRow {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO orders (ordr_idxx, product_id, good_name, amount, method, channel, buyer_name, buyer_key, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(order.ordrIdxx, order.product.id, order.product.name, order.product.price, order.method, order.channel ?? 'pc', order.buyerName, order.buyerKey, now, now);
    return this.get(order.ordrIdxx)!;
  }

  get(ordrIdxx: string): OrderRow | undefined {
    return this.db.prepare('SELECT * FROM orders WHERE ordr_idxx = ?').get(ordrIdxx) as OrderRow | undefined;
  }

  findByTno(tno: string): OrderRow | undefined {
    return this.db.prepare('SELECT * FROM orders WHERE tno = ?').get(tno) as OrderRow | undefined;
  }

  /** The newest orders, for the staff list (at most `limit`). */
  list(limit = 200): OrderRow[] {
    return this.db.prepare('SELECT * FROM orders ORDER BY created_at DESC, ordr_idxx DESC LIMIT ?').all(limit) as OrderRow[];
  }

  /** One browser's orders, newest first (at most `limit`). */
  listByBuyer(buyerKey: string, limit = 50): OrderRow[] {
    return this.db
      .prepare('SELECT * FROM orders WHERE buyer_key = ? ORDER BY created_at DESC, ordr_idxx DESC LIMIT ?')
      .all(buyerKey, limit) as OrderRow[];
  }

  /** Update some columns; `updated_at` is set here. */
  update(ordrIdxx: string, changes: Partial<Omit<OrderRow, 'ordr_idxx' | 'created_at' | 'updated_at'>>): void {
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${k} = @${k}`).join(', ');
    const info = this.db
      .prepare(`UPDATE orders SET ${sets}, updated_at = @updated_at WHERE ordr_idxx = @ordr_idxx`)
      .run({ ...changes, updated_at: new Date().toISOString(), ordr_idxx: ordrIdxx });
    if (info.changes !== 1) throw new Error(`order ${ordrIdxx} not found`);
  }

  close(): void {
    this.db.close();
  }
}

/** A card registered for recurring billing (sample/billing.ts): the batch key KCP issued for it, never shown. */
export interface SubscriptionRow {
  id: string;
  buyer_key: string;
  plan_name: string;
  amount: number;
  batch_key: string;
  card_name: string;
  card_mask_no: string;
  created_at: string;
}

/** What one billing period of a subscription came to: approved, declined, unknown (being verified) or cancelled. */
export interface PeriodChargeRow {
  subscription_id: string;
  period: string;
  status: string;
  tno: string | null;
  message: string | null;
  updated_at: string;
}

/** Subscriptions and their period charges, in the shop's SQLite file beside the orders. */
export class SubscriptionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    createPrivateDatabaseFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      id TEXT PRIMARY KEY, buyer_key TEXT NOT NULL, plan_name TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0),
      batch_key TEXT NOT NULL, card_name TEXT NOT NULL, card_mask_no TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS period_charges (
      subscription_id TEXT NOT NULL, period TEXT NOT NULL, status TEXT NOT NULL, tno TEXT, message TEXT, updated_at TEXT NOT NULL,
      PRIMARY KEY (subscription_id, period))`);
  }

  add(row: Omit<SubscriptionRow, 'created_at'>): void {
    this.db
      .prepare('INSERT INTO subscriptions (id, buyer_key, plan_name, amount, batch_key, card_name, card_mask_no, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.buyer_key, row.plan_name, row.amount, row.batch_key, row.card_name, row.card_mask_no, new Date().toISOString());
  }

  get(id: string): SubscriptionRow | undefined {
    return this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
  }

  /** Every subscription (staff), or one browser's. */
  list(buyerKey?: string): SubscriptionRow[] {
    return buyerKey === undefined
      ? (this.db.prepare('SELECT * FROM subscriptions ORDER BY created_at DESC LIMIT 200').all() as SubscriptionRow[])
      : (this.db.prepare('SELECT * FROM subscriptions WHERE buyer_key = ? ORDER BY created_at DESC LIMIT 50').all(buyerKey) as SubscriptionRow[]);
  }

  charges(subscriptionId: string): PeriodChargeRow[] {
    return this.db.prepare('SELECT * FROM period_charges WHERE subscription_id = ? ORDER BY period DESC').all(subscriptionId) as PeriodChargeRow[];
  }

  /** The period's latest outcome (a declined period may be charged again, so the row is replaced). */
  recordCharge(row: Omit<PeriodChargeRow, 'updated_at'>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO period_charges (subscription_id, period, status, tno, message, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.subscription_id, row.period, row.status, row.tno, row.message, new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }
}
