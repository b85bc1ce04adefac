/**
 * The reference merchant shop, on the windows KCP's merchants use today:
 * - PC: product page → order page (standardWebOrderPage) → KCP's standard-web window (a layer calling
 *   m_Completepayment) → pp_ax_hub (processPayment) → result page. The 2010 plug-in window stays reachable
 *   (`/?window=plugin`) for old configurations.
 * - Phone: `/m/` → trade registration (registerTrade, SOAP) → sm_form to KCP's smartphone window → Ret_URL
 *   (`/m/return`, the same processPayment) → result page.
 * A buyer who closes a window comes back to a payable order with a Korean explanation; nothing reaches pp_cli.
 * Also: an order list with cancel, partial cancel and capture, and common_return.
 *
 * It uses only the package's public API (in your project: `from 'kcp-payplus'`). Copy what you need.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import {
  KcpError,
  KcpTradeError,
  expressWindowReturn,
  maskFields,
  NotificationInbox,
  PayPlus,
  crossCheck,
  expressCommonReturn,
  orderForm,
  registerTrade,
  smartphoneOrderForm,
  standardWebOrderPage,
  toApproval,
  type Approval,
  type KcpNotification,
  type PayplusLogger,
  type SiteConfData,
  type WindowReturnResult,
} from '../lib/index.js';
import type { ServerResponse } from 'node:http';
import { OrderStore, PRODUCTS, type OrderRow, type Product } from './db.js';
import {
  BUYER_MESSAGES,
  SHOP_METHODS,
  declinedMessage,
  isPayable,
  layout,
  mobileProductsPage,
  ordersPage,
  pluginOrderPageHtml,
  productsPage,
  refusedPage,
  resultPage,
  smartphoneOrderPageHtml,
  standardWebOrderPageHtml,
} from './views.js';

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
  close(): Promise<void>;
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
  const payplus =
    options.payplus ??
    new PayPlus(conf, {
      logger: options.logger,
      // Our orders live in our own SQLite file, so after a crash between our commit and the SDK's record of it,
      // recovery asks us: the order holds the approval's tno exactly when we committed it.
      isCommitted: (attempt) => orders.get(attempt.ordrIdxx)?.tno === attempt.tno,
    });
  // Settle what a crash of the previous run left behind (safe with several workers: live payments are untouched).
  const recovered = await payplus.recover({ custIp: '127.0.0.1' });
  for (const r of [...recovered.failed, ...recovered.unknown, ...recovered.undecided]) {
    options.logger?.log({ level: 0, event: 'shop.recovery_needs_a_person', ordrIdxx: r.ordrIdxx, fields: { tno: r.tno ?? '' } });
  }
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
      orders.update(order.ordr_idxx, {
        status: 'paid', deposited: n.amount, cancellable: order.amount, message: `입금 확인 (${n.remitter ?? ''})`, buyer_message: '입금이 확인되어 결제가 완료되었습니다. 감사합니다.',
      });
    } else if ('kind' in n && n.kind === 'deposit_cancelled') {
      orders.update(order.ordr_idxx, { status: 'awaiting_deposit', deposited: null, message: '입금 취소 통보', buyer_message: null });
    }
  }

  /**
   * What the buyer sees after a window: a window closed by the buyer or a window error leaves the order payable;
   * otherwise processPayment's outcome. Staff get KCP's codes in `message`, the buyer plain Korean.
   */
  const respond = (res: ServerResponse, result: WindowReturnResult<OrderRow, void>): void => {
    const html = (r: { status: number; html: string }) => void res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8' }).end(r.html);
    if (result.status === 'unknown_order') return html(refusedPage('결제 오류', BUYER_MESSAGES.notFound, 404));
    if (result.status === 'user_cancelled' || result.status === 'window_failed') {
      if (!result.order) return html(refusedPage('결제 오류', BUYER_MESSAGES.notFound, 404));
      const buyer = result.status === 'user_cancelled' ? BUYER_MESSAGES.userCancelled : BUYER_MESSAGES.windowFailed;
      if (isPayable(result.order)) orders.update(result.order.ordr_idxx, { message: `${result.resCd} ${result.resMsg}`, buyer_message: buyer });
      return void res.writeHead(303, { location: `/orders/${encodeURIComponent(result.order.ordr_idxx)}` }).end();
    }
    const id = result.order.ordr_idxx;
    switch (result.status) {
      case 'refused': {
        const changed = result.error.code === 'amount_mismatch';
        const buyer = changed ? BUYER_MESSAGES.amountChanged : BUYER_MESSAGES.retryLater;
        if (result.order.status === 'pending') orders.update(id, { status: 'failed', message: result.error.message, buyer_message: buyer });
        return html(refusedPage(changed ? '결제를 진행하지 않았습니다' : '결제 오류', buyer));
      }
      case 'approved':
        break;
      case 'declined':
        orders.update(id, { status: 'failed', message: `${result.error.resCd ?? ''} ${result.error.resMsg ?? result.error.message}`.trim(), buyer_message: declinedMessage(result.error.resMsg) });
        break;
      case 'cancelled':
        orders.update(id, { status: 'failed', tno: result.approval.tno, message: `자동 취소 (${result.reason})`, buyer_message: BUYER_MESSAGES.autoCancelled });
        break;
      case 'cancel_failed':
      case 'unknown':
        orders.update(id, { status: 'attention', message: result.status === 'unknown' ? result.error.message : result.cancelError.message, buyer_message: BUYER_MESSAGES.checking });
        break;
    }
    res.writeHead(303, { location: `/orders/${encodeURIComponent(id)}` }).end();
  };

  // pp_ax_hub (PC windows) and Ret_URL (smartphone window): the handler reads the body in its charset, answers a
  // closed window itself, and otherwise looks the order up for the amount we trust and runs processPayment.
  const windowReturn = expressWindowReturn<OrderRow, void>({
    payplus,
    trustProxy: options.trustProxy,
    findOrder: (ordrIdxx) => orders.get(ordrIdxx),
    commit: (approval, order) => recordApproval(order, approval),
    respond,
  });
  app.post('/pp_ax_hub', windowReturn);
  app.post('/m/return', windowReturn);

  app.use(express.static(path.join(import.meta.dirname, 'public'), { index: false }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));

  app.get('/favicon.ico', (_req, res) => void res.status(204).end()); // no icon, and no 404 in the console
  app.get('/', (req, res) => send(res, 200, productsPage(PRODUCTS, req.query.window === 'plugin')));
  app.get('/m/', (_req, res) => send(res, 200, mobileProductsPage(PRODUCTS)));

  /** A new order from a product form, or undefined (and an error page sent). */
  function newOrder(req: Request, res: Response, channel: 'pc' | 'mobile'): OrderRow | undefined {
    const product: Product | undefined = PRODUCTS.find((p) => p.id === req.body.product_id);
    const method = String(req.body.method ?? 'card');
    if (!product || !(SHOP_METHODS as readonly string[]).includes(method)) {
      const r = refusedPage('주문 오류', '상품이나 결제수단을 다시 선택해 주세요.');
      send(res, r.status, r.html);
      return undefined;
    }
    return orders.create({ ordrIdxx: newOrderId(), product, method, channel, buyerName: String(req.body.buyer_name ?? '').slice(0, 20) });
  }

  /** Staff see the SDK's message (it names the field); the buyer a plain apology. */
  function orderError(res: Response, order: OrderRow, err: unknown): void {
    if (!(err instanceof KcpError)) throw err;
    const buyer = err instanceof KcpTradeError ? BUYER_MESSAGES.retryLater : '주문 정보를 확인할 수 없어 결제를 시작하지 못했습니다. 고객센터로 문의해 주세요.';
    orders.update(order.ordr_idxx, { status: 'failed', message: err.message, buyer_message: buyer });
    const r = refusedPage('주문 오류', buyer);
    send(res, r.status, r.html);
  }

  /** The PC order page: KCP's standard-web window, or the plug-in window for old configurations. */
  function pcOrderPage(res: Response, order: OrderRow, plugin: boolean): void {
    const input = {
      ordrIdxx: order.ordr_idxx,
      payMethod: order.method as 'card',
      goodName: order.good_name,
      goodMny: order.amount,
      buyrName: order.buyer_name || undefined,
      quotaopt: order.amount >= 50_000 ? 12 : 0,
    };
    try {
      if (plugin || conf.window === 'plugin') {
        const form = orderForm(conf, input, { charset: 'utf-8' });
        // The simulator serves both windows; a plug-in configuration names its script itself.
        const jsUrl = conf.window === 'plugin' ? form.jsUrl : new URL('payplus_test_un.js', conf.jsUrl).href;
        return send(res, 200, pluginOrderPageHtml(order, form, jsUrl));
      }
      const page = standardWebOrderPage(conf, input, { action: '/pp_ax_hub', charset: 'utf-8', onFailure: 'kcpWindowClosed' });
      send(res, 200, standardWebOrderPageHtml(order, page));
    } catch (err) {
      orderError(res, order, err);
    }
  }

  /** The smartphone order page: register the trade with the amount from our database, then sm_form. */
  async function mobileOrderPage(req: Request, res: Response, order: OrderRow): Promise<void> {
    try {
      const registration = await registerTrade(conf, {
        ordrIdxx: order.ordr_idxx,
        amount: order.amount,
        goodName: order.good_name,
        payMethod: order.method as 'card',
        returnUrl: `${req.protocol}://${req.get('host')}/m/return`,
        userAgent: req.get('user-agent') ?? '',
      });
      const form = smartphoneOrderForm(conf, registration, { buyrName: order.buyer_name || undefined, quotaopt: order.amount >= 50_000 ? 12 : 0 });
      send(res, 200, smartphoneOrderPageHtml(order, form));
    } catch (err) {
      orderError(res, order, err);
    }
  }

  app.post('/order', (req, res) => {
    const order = newOrder(req, res, 'pc');
    if (order) pcOrderPage(res, order, req.body.window === 'plugin');
  });

  app.post('/m/order', async (req, res) => {
    const order = newOrder(req, res, 'mobile');
    if (order) await mobileOrderPage(req, res, order);
  });

  /** Pay again after a closed window or a decline: the same order, the same channel. */
  app.post('/orders/:id/pay', async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order || !isPayable(order)) return res.redirect(303, `/orders/${encodeURIComponent(req.params.id)}`);
    orders.update(order.ordr_idxx, { status: 'pending', buyer_message: null });
    const fresh = orders.get(order.ordr_idxx)!;
    if (order.channel === 'mobile') return mobileOrderPage(req, res, fresh);
    pcOrderPage(res, fresh, false);
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
      buyer_message: vbank ? null : '결제가 완료되었습니다. 주문해 주셔서 감사합니다.',
    });
  }

  app.get('/orders', (req, res) => send(res, 200, ordersPage(orders.list(), typeof req.query.notice === 'string' ? req.query.notice : undefined)));

  app.get('/orders/:id', (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) return send(res, 404, layout('없음', `<h1>${BUYER_MESSAGES.notFound}</h1>`));
    send(res, 200, resultPage(order, approvalOf(order), conf.env, undefined, options.simulatorUrl));
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
      orders.update(order.ordr_idxx, { status: 'cancelled', cancellable: 0, message: `취소 완료 ${result.cancTime}`.trim(), buyer_message: '주문이 취소되었습니다. 결제하신 금액은 결제수단으로 환불됩니다.' });
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

  return {
    app,
    orders,
    payplus,
    close: async () => {
      orders.close();
      if (!options.payplus) await payplus.close();
    },
  };
}
