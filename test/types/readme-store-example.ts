/**
 * The README's "Choosing a store" example, compiled by `npm test`'s type-check (never run): if the store API drifts
 * from what the README shows, the build breaks here. Only the import path differs ('kcp-payplus' in a merchant's code).
 */
import pg from 'pg';
import { MysqlStore, PayPlus, PostgresStore, openStore, type PaymentForm, type SiteConf } from '../../lib/index.js';

declare const conf: SiteConf;
declare const form: PaymentForm;
declare const custIp: string;
declare const order: { id: string; amount: number };
declare const mysqlPool: import('mysql2/promise').Pool;

export async function readmeStoreExample(): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  const payplus = new PayPlus(conf, { store: await PostgresStore.open({ pool }) });
  await MysqlStore.open({ pool: mysqlPool });
  await MysqlStore.open({ connection: 'mysql://shop@127.0.0.1/shop' });
  await openStore('sqlite:/var/kcp/log/payplus.sqlite');

  await payplus.processPayment(form, {
    custIp,
    expectedAmount: order.amount,
    commitInStore: true,
    commit: (approval, tx) => tx!.query('UPDATE orders SET tno = $1, status = $2 WHERE id = $3', [approval.tno, 'paid', order.id]),
  });
}
