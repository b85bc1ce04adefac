/**
 * The reference merchant shop: product page → order page (orderForm) → KCP payment window → pp_ax_hub
 * (processPayment) → result page; an order list with cancel, partial cancel and capture; and common_return.
 *
 * It uses only the package's public API (in your project: `from 'kcp-payplus'`). Copy what you need.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import {
  KcpError,
  expressPpAxHub,
  maskFields,
  NotificationInbox,
  PayPlus,
  crossCheck,
  expressCommonReturn,
  orderForm,
  toApproval,
  type Approval,
  type KcpNotification,
  type PayplusLogger,
  type SiteConfData,
} from '../lib/index.js';
import { OrderStore, PRODUCTS, type OrderRow } from './db.js';
import { layout, orderPage, ordersPage, productsPage, refusedPage, resultPage } from './views.js';

export interface ShopOptions {
  conf: SiteConfData;
  /** Folder for the SQLite database and the notification store. */
  dataDir: string;
  payplus?: PayPlus;
  logger?: PayplusLogger;
  /** The simulator's admin URL, for the "simulate deposit" button (development only). */
  simulatorUrl?: string;
  /** Addresses of reverse proxies in front of the shop, whose X-Forwarded-For is believed. */
  trustProxy?: readonly string[];
}

export interface Shop {
  app: express.Express;
  orders: OrderStore;
  payplus: PayPlus;
  close(): void;
}

/** Order ids: date + random, within KCP's [0-9A-Za-z_.-]{1,40}. */
function newOrderId(): string {
  const d = new Date();
  const stamp = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `ORD${stamp}${randomBytes(3).toString('hex').toUpperCase()}`;
}

/** The buyer's IP as the socket sees it (behind a proxy, configure trustProxy in your framework). */
function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function send(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

function approvalOf(order: OrderRow): Approval | undefined {
  return order.result_json ? toApproval(JSON.parse(order.result_json) as Record<string, string>) : undefined;
}

export async function createShop(options: ShopOptions): Promise<Shop> {
  const { conf } = options;
  const orders = new OrderStore(path.join(options.dataDir, 'shop.sqlite'));
  const payplus = options.payplus ?? new PayPlus(conf, { logger: options.logger });
  const app = express();
  app.set('trust proxy', options.trustProxy ? [...options.trustProxy] : false);

  // common_return comes first: it reads the raw body itself (KCP posts EUC-KR form data).
  // The inbox lives in the payment store, so several workers still process each noti_id once.
  const inbox = new NotificationInbox({ store: payplus.notificationStore() });
  app.post(
    '/common_return',
    expressCommonReturn({
      env: conf.env,
      // The simulator posts from 127.0.0.1; a real shop keeps KCP's address list (the default).
      allowLocal: conf.gwUrl === '127.0.0.1' || conf.gwUrl === 'localhost',
      trustProxy: options.trustProxy,
      inbox,
      handler: (n) => applyNotification(n),
      logger: options.logger,
    }),
  );

  /** TX00: a deposit turns an awaiting virtual-account order paid; op_cd 13 turns it back. */
  function applyNotification(n: KcpNotification): void {
    const order = orders.findByTno(n.tno) ?? orders.get(n.orderNo);
    if (!order) throw new Error(`notification for unknown order ${n.orderNo} / ${n.tno}`);
    const mismatches = crossCheck(n, { siteCd: conf.siteCd, tno: order.tno ?? undefined, amount: order.amount, orderNo: order.ordr_idxx });
    if (mismatches.length > 0) {
      // Keep it for a person; answer 0000 would hide it, so refuse and let KCP re-send while someone looks.
      orders.update(order.ordr_idxx, { status: 'attention', message: mismatches.map((m) => m.message).join('; ') });
      throw new Error(mismatches.map((m) => m.message).join('; '));
    }
    if ('kind' in n && n.kind === 'deposit') {
      orders.update(order.ordr_idxx, { status: 'paid', deposited: n.amount, cancellable: order.amount, message: `입금 확인 (${n.remitter ?? ''})` });
    } else if ('kind' in n && n.kind === 'deposit_cancelled') {
      orders.update(order.ordr_idxx, { status: 'awaiting_deposit', deposited: null, message: '입금 취소 통보' });
    }
  }

  // pp_ax_hub: the payment window posts here. The adapter reads the body in the page's charset, looks the order up
  // for the amount we trust, and runs processPayment; we only decide what the browser sees.
  app.post(
    '/pp_ax_hub',
    expressPpAxHub<OrderRow, void>({
      payplus,
      trustProxy: options.trustProxy,
      findOrder: (ordrIdxx) => orders.get(ordrIdxx),
      commit: (approval, order) => recordApproval(order, approval),
      respond: (res, result) => {
        const page = `/orders/${encodeURIComponent(result.status === 'unknown_order' ? '' : result.order.ordr_idxx)}`;
        switch (result.status) {
          case 'unknown_order': {
            const r = refusedPage('결제 오류', '주문을 찾을 수 없습니다.', 404);
            return void res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8' }).end(r.html);
          }
          case 'refused': {
            const title = result.error.code === 'amount_mismatch' ? '결제 거절: 금액 불일치' : '결제 거절';
            if (result.order.status === 'pending') orders.update(result.order.ordr_idxx, { status: 'failed', message: result.error.message });
            const r = refusedPage(title, result.error.message);
            return void res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8' }).end(r.html);
          }
          case 'approved':
            break;
          case 'declined':
            orders.update(result.order.ordr_idxx, { status: 'failed', message: `${result.error.resCd ?? ''} ${result.error.resMsg ?? result.error.message}`.trim() });
            break;
          case 'cancelled':
            orders.update(result.order.ordr_idxx, { status: 'failed', tno: result.approval.tno, message: `승인 후 처리 오류로 자동 취소되었습니다 (${result.reason})` });
            break;
          case 'cancel_failed':
          case 'unknown':
            orders.update(result.order.ordr_idxx, { status: 'attention', message: result.status === 'unknown' ? result.error.message : result.cancelError.message });
            break;
        }
        res.writeHead(303, { location: page }).end();
      },
    }),
  );

  app.use(express.static(path.join(import.meta.dirname, 'public'), { index: false }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));

  app.get('/favicon.ico', (_req, res) => void res.status(204).end()); // no icon, and no 404 in the console
  app.get('/', (_req, res) => send(res, 200, productsPage(PRODUCTS)));

  app.post('/order', (req, res) => {
    const product = PRODUCTS.find((p) => p.id === req.body.product_id);
    const method = String(req.body.method ?? 'card');
    if (!product || !['card', 'bank', 'vbank', 'mobile'].includes(method)) {
      const r = refusedPage('주문 오류', '상품이나 결제수단이 올바르지 않습니다.');
      return send(res, r.status, r.html);
    }
    const order = orders.create({ ordrIdxx: newOrderId(), product, method, buyerName: String(req.body.buyer_name ?? '').slice(0, 20) });
    try {
      const form = orderForm(conf, {
        ordrIdxx: order.ordr_idxx,
        payMethod: method as 'card',
        goodName: order.good_name,
        goodMny: order.amount,
        buyrName: order.buyer_name || undefined,
        quotaopt: order.amount >= 50_000 ? 12 : 0,
      }, { charset: 'utf-8' });
      send(res, 200, orderPage(order, form));
    } catch (err) {
      orders.update(order.ordr_idxx, { status: 'failed', message: (err as Error).message });
      const r = refusedPage('주문 오류', (err as Error).message);
      send(res, r.status, r.html);
    }
  });

  /** The merchant's commit: record the approval. Throwing here makes processPayment cancel it. */
  function recordApproval(order: OrderRow, a: Approval): void {
    const vbank = a.method === 'vbank';
    orders.update(order.ordr_idxx, {
      status: vbank ? 'awaiting_deposit' : 'paid',
      tno: a.tno,
      pay_method: a.payMethod,
      cancellable: vbank ? 0 : a.amount ?? null,
      vbank_name: vbank ? a.bankName : null,
      vbank_account: vbank ? a.account : null,
      vbank_due: vbank ? a.vaDate : null,
      result_json: JSON.stringify(maskFields(a.raw)), // never store a full card number (test sites send one)
      message: null,
    });
  }

  app.get('/orders', (req, res) => send(res, 200, ordersPage(orders.list(), typeof req.query.notice === 'string' ? req.query.notice : undefined)));

  app.get('/orders/:id', (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) return send(res, 404, layout('없음', '<h1>주문을 찾을 수 없습니다</h1>'));
    send(res, 200, resultPage(order, approvalOf(order), conf.env, options.simulatorUrl));
  });

  /** Runs one order action and comes back to the list with a notice. */
  async function action(req: Request, res: Response, run: (order: OrderRow) => Promise<string>): Promise<void> {
    const order = orders.get(String(req.params.id));
    let notice: string;
    if (!order || !order.tno) notice = '주문을 찾을 수 없습니다.';
    else {
      try {
        notice = await run(order);
      } catch (err) {
        if (!(err instanceof KcpError)) throw err;
        notice = `실패: ${err.message}`;
      }
    }
    res.redirect(303, `/orders?notice=${encodeURIComponent(notice)}`);
  }

  app.post('/orders/:id/cancel', (req, res) =>
    action(req, res, async (order) => {
      const result = await payplus.cancel({ tno: order.tno!, reason: '구매자 요청 취소', custIp: clientAddress(req), ordrIdxx: order.ordr_idxx });
      orders.update(order.ordr_idxx, { status: 'cancelled', cancellable: 0, message: `취소 완료 ${result.cancTime}`.trim() });
      return `${order.ordr_idxx} 취소 완료`;
    }),
  );

  app.post('/orders/:id/partial-cancel', (req, res) =>
    action(req, res, async (order) => {
      const result = await payplus.partialCancel({
        tno: order.tno!,
        amount: String(req.body.amount ?? ''),
        cancellableBalance: order.cancellable ?? 0,
        reason: '부분 취소',
        custIp: clientAddress(req),
        ordrIdxx: order.ordr_idxx,
      });
      const remaining = result.remainingAmount ?? (order.cancellable ?? 0) - Number(req.body.amount);
      orders.update(order.ordr_idxx, { cancellable: remaining, status: remaining === 0 ? 'cancelled' : order.status });
      return `${order.ordr_idxx} 부분취소 ${result.cancelledAmount ?? req.body.amount}원, 남은 금액 ${remaining}원`;
    }),
  );

  app.post('/orders/:id/capture', (req, res) =>
    action(req, res, async (order) => {
      await payplus.capture({ tno: order.tno!, custIp: clientAddress(req), ordrIdxx: order.ordr_idxx });
      orders.update(order.ordr_idxx, { captured: 1 });
      return `${order.ordr_idxx} 매입 요청 완료`;
    }),
  );

  // Development only: ask the simulator to deposit into the order's virtual account.
  app.post('/orders/:id/simulate-deposit', (req, res) =>
    action(req, res, async (order) => {
      if (!options.simulatorUrl) return '시뮬레이터가 연결되어 있지 않습니다.';
      const answer = await fetch(`${options.simulatorUrl}/_admin/deposit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tno: order.tno, amount: order.amount, remitter: order.buyer_name || '홍길동', wait: true }),
      });
      return answer.ok ? `${order.ordr_idxx} 입금 통보 요청됨` : `입금 시뮬레이션 실패 (${answer.status})`;
    }),
  );

  return { app, orders, payplus, close: () => orders.close() };
}
