/**
 * The README's integration example, compiled by `npm test`'s type-check (never run): if the public API drifts from
 * what the README shows, the build breaks here. Only the import path differs ('kcp-payplus' in a merchant's code).
 */
import express, { type Response } from 'express';
import { PayPlus, SiteConf, expressPpAxHub } from '../../lib/index.js';

interface Order {
  id: string;
  amount: number;
}
declare const db: {
  orders: { get(ordrIdxx: string): Promise<Order | undefined>; markPaid(id: string, tno: string): Promise<void> };
};
const app = express();

export async function readmeExample(): Promise<void> {
  const conf = await SiteConf.load('/opt/kcp/cfg/site_conf_inc.json');
  const payplus = new PayPlus(conf);
  await payplus.recover();

  app.post('/pp_ax_hub', expressPpAxHub({
    payplus,
    findOrder: (ordrIdxx) => db.orders.get(ordrIdxx),
    commit: (approval, order) => db.orders.markPaid(order.id, approval.tno),
    respond: (res: Response, result) => res.redirect(303, `/orders/${result.form.ordr_idxx}?status=${result.status}`),
  }));
}
