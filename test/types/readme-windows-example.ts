/**
 * The README's "Today's windows" example, compiled by `npm test`'s type-check (never run), so the documented names
 * and shapes cannot drift from the API.
 */
import express, { type Request } from 'express';
import { SiteConf, PayPlus, expressWindowReturn, registerTrade, smartphoneOrderForm, standardWebOrderPage } from '../../lib/index.js';

interface Order {
  id: string;
  amount: number;
}
declare const findOrder: (ordrIdxx: string) => Promise<Order | undefined>;
declare const commit: (approval: { tno: string }, order: Order) => Promise<void>;
declare const req: Request;
const app = express();

export async function readmeWindowsExample(): Promise<void> {
  const conf = await SiteConf.load('/opt/kcp/cfg/site_conf_inc.php');
  const payplus = new PayPlus(conf);
  const ordrIdxx = 'ORD-1';
  const goodName = '기계식 키보드';
  const goodMny = 89000;
  const order: Order = { id: ordrIdxx, amount: goodMny };
  const buyrName = '홍길동';

  const page = standardWebOrderPage(conf, { ordrIdxx, payMethod: 'card', goodName, goodMny }, { action: '/pp_ax_hub', onFailure: 'showClosed', reportExit: true });
  void [page.head, page.formStart, page.payOnClick];

  const trade = await registerTrade(conf, { ordrIdxx, amount: order.amount, goodName, payMethod: 'card', returnUrl: 'https://shop.example.com/m/return', userAgent: req.get('user-agent') ?? '' }, { gateway: payplus.gateway });
  const smForm = smartphoneOrderForm(conf, trade, { buyrName });
  void smForm.formStart;

  app.post(['/pp_ax_hub', '/m/return'], expressWindowReturn({
    payplus,
    findOrder,
    commit,
    respond: (res, result) => {
      if (result.status === 'user_cancelled' || result.status === 'window_failed') {
        void [result.resCd, result.resMsg, result.order];
      }
      res.end();
    },
  }));
}
