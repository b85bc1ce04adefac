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

/** The README's commit fence example (Payment state → "The commit fence"), compiled the same way. */
export async function readmeFenceExample(store: import('../../lib/index.js').PaymentStore): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  const fence = PayPlus.fenceStatements('postgres');
  const payplus = new PayPlus(conf, { store, fence: PayPlus.sqlFence('postgres', (sql, p) => pool.query(sql, p).then((r) => r.rows)) });
  await payplus.processPayment(form, {
    custIp, expectedAmount: order.amount,
    commit: async (approval, _tx, { attemptId }) => {
      const db = await pool.connect();
      try {
        await db.query('BEGIN');
        await db.query(fence.commit, [attemptId, Date.now()]);   // refused once recovery fenced this attempt
        await db.query("UPDATE orders SET status = 'paid', tno = $1 WHERE id = $2 AND status = 'open'", [approval.tno, order.id]);
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK');
        throw err;                                                 // → fenced, then cancelled only if still ours
      } finally {
        db.release();
      }
    },
  });
  const status = await payplus.status();
  if (status.attention) for (const a of status.attempts) console.log(a.kind, a.ordrIdxx, a.ageMs, a.host);
}
