/**
 * The reference merchant shop, on the windows KCP's merchants use today:
 * - PC: product page → order page (standardWebOrderPage) → KCP's standard-web window (a layer calling
 *   m_Completepayment) → pp_ax_hub (processPayment) → result page. The 2010 plug-in window stays reachable
 *   (`/?window=plugin`) for old configurations.
 * - Phone: `/m/` → trade registration (registerTrade: SOAP beside pp_cli, the PG-API host on REST) → sm_form to KCP's
 *   smartphone window → Ret_URL (`/m/return`, the same processPayment) → result page.
 * A buyer who closes a window comes back to a payable order with a Korean explanation; nothing reaches pp_cli.
 * Also: the buyer's own orders, a staff order list (login) with cancel, partial cancel and capture, and common_return.
 * What keeps it safe to put on the internet (staff login, CSRF tokens, orders per browser, Ret_URL from configuration)
 * is in security.ts.
 *
 * It uses only the package's public API (in your project: `from 'kcp-payplus'`; the code tables from `kcp-payplus/codes`). Copy what you need.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import {
  KcpDuplicateOrderError,
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
  type PaymentEvent,
  type PayplusLogger,
  type SiteConfData,
  type WindowReturnResult,
} from '../lib/index.js';
import type { ServerResponse } from 'node:http';
import { mountBilling } from './billing.js';
import { OrderStore, PRODUCTS, type OrderRow, type Product } from './db.js';
import { ShopSecurity, buyerKey, type Flash, type Visitor } from './security.js';
import {
  BUYER_MESSAGES,
  SHOP_METHODS,
  STAFF_DISABLED,
  alreadyPaidPage,
  canCancel,
  canCapture,
  canPartialCancel,
  declinedMessage,
  isPayable,
  loginPage,
  mobileProductsPage,
  myOrdersPage,
  pluginOrderPageHtml,
  productsPage,
  refusedPage,
  resultPage,
  smartphoneOrderPageHtml,
  staffDisabledPage,
  staffErrorMessage,
  staffOrdersPage,
  standardWebOrderPageHtml,
  won,
} from './views.js';

export interface ShopOptions {
  conf: SiteConfData;
  /** Folder for the SQLite database and the notification store. */
  dataDir: string;
  /**
   * The shop's address as buyers reach it (SHOP_PUBLIC_URL), e.g. https://shop.example.com: Ret_URL is built from
   * it, and a form posted from any other origin is refused. Never taken from the request's Host header.
   */
  publicUrl: string;
  /** The staff password (SHOP_ADMIN_PASSWORD, at least 12 characters). Without one every staff page answers 403. */
  adminPassword?: string;
  /** The site captures card payments by hand (KCP's site setting; KCP's default is automatic capture). */
  manualCapture?: boolean;
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
  security: ShopSecurity;
  close(): Promise<void>;
}

/** How many payment events /staff/events keeps. */
const RECENT_EVENTS = 200;

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

/**
 * Every page: never cached (the back button asks again, so a paid order never shows a live pay button), never
 * framed by another site, no order id leaking to other sites through the Referer.
 */
function send(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    })
    .type('html')
    .send(html);
}

function approvalOf(order: OrderRow): Approval | undefined {
  return order.result_json ? toApproval(JSON.parse(order.result_json) as Record<string, string>) : undefined;
}

/** The visitor `identify` found for this request. */
const visitorOf = (res: Response): Visitor => res.locals.visitor as Visitor;

/** A whole number of won from a staff form, or undefined. */
function parseWon(value: unknown): number | undefined {
  const text = String(value ?? '').replace(/[,\s원]/g, '');
  return /^[1-9]\d{0,11}$/.test(text) ? Number(text) : undefined;
}

export async function createShop(options: ShopOptions): Promise<Shop> {
  const { conf } = options;
  const security = new ShopSecurity({ publicUrl: options.publicUrl, adminPassword: options.adminPassword });
  const orders = new OrderStore(path.join(options.dataDir, 'shop.sqlite'));
  const payplus =
    options.payplus ??
    new PayPlus(conf, {
      logger: options.logger,
      // Our orders live in our own SQLite file, so after a crash between our commit and the SDK's record of it,
      // recovery asks us: the order holds the approval's tno exactly when we committed it.
      isCommitted: (attempt) => orders.get(attempt.ordrIdxx)?.tno === attempt.tno,
    });
  // The last payment events, newest first, for /staff/events (in memory, per process; the SDK log keeps them all).
  // Their fields are masked by the SDK like its log lines; the buyer's IP of a notification is left out here too.
  const recentEvents: Array<{ time: string; type: string; logEvent: string; ordrIdxx: string; fields: Readonly<Record<string, unknown>> }> = [];
  payplus.on('event', (e: PaymentEvent) => {
    const { ip: _ip, ...fields } = e.fields;
    recentEvents.unshift({ time: e.time.toISOString(), type: e.type, logEvent: e.logEvent, ordrIdxx: e.ordrIdxx ?? '', fields });
    recentEvents.length = Math.min(recentEvents.length, RECENT_EVENTS);
  });
  // Settle what a crash of the previous run left behind (safe with several workers: live payments are untouched).
  const recovered = await payplus.recover({ custIp: '127.0.0.1' });
  for (const r of [...recovered.failed, ...recovered.unknown, ...recovered.undecided]) {
    options.logger?.log({ level: 0, event: 'shop.recovery_needs_a_person', ordrIdxx: r.ordrIdxx, fields: { tno: r.tno ?? '' } });
  }
  const log = (level: 0 | 1, event: string, ordrIdxx: string | undefined, fields: Record<string, unknown>) =>
    options.logger?.log({ level, event, ordrIdxx, fields });
  const app = express();
  app.set('trust proxy', options.trustProxy ? [...options.trustProxy] : false);
  app.disable('x-powered-by');

  // common_return comes first: it reads the raw body itself (KCP posts EUC-KR form data), from KCP's servers.
  // The inbox lives in the payment store, so several workers still process each noti_id once.
  const inbox = new NotificationInbox({ store: payplus.notificationStore(), logger: payplus.logger });
  app.post(
    '/common_return',
    expressCommonReturn({
      env: conf.env,
      // The simulator posts from 127.0.0.1; a real shop keeps KCP's address list (the default).
      allowLocal: conf.gwUrl === '127.0.0.1' || conf.gwUrl === 'localhost',
      trustProxy: options.trustProxy,
      inbox,
      handler: (n) => applyNotification(n),
      // PayPlus's logger: deposits reach the SDK log, `trace` and the payment events like the payments do.
      logger: payplus.logger,
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
      orders.update(order.ordr_idxx, { status: 'awaiting_deposit', deposited: null, cancellable: 0, message: '입금 취소 통보', buyer_message: null });
    }
  }

  app.use(express.static(path.join(import.meta.dirname, 'public'), { index: false }));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end()); // no icon, and no 404 in the console
  // Who is asking (browser id cookie, staff session, form tokens), for every page and form below.
  app.use((req, res, next) => {
    res.locals.visitor = security.identify(req, res);
    next();
  });

  /**
   * What the buyer sees after a window. Only KCP's answers change an order: a closed window, a window error or a
   * refusal before pp_cli (changed amount, order already paid) leave it as it is — whoever posted them, the order's
   * buyer or not — and are logged for staff. Staff get KCP's codes in `message`, the buyer plain Korean.
   */
  const respond = (res: ServerResponse, result: WindowReturnResult<OrderRow, void>): void => {
    const page = (r: { status: number; html: string }) => send(res as Response, r.status, r.html);
    const orderUrl = (o: OrderRow) => `/orders/${encodeURIComponent(o.ordr_idxx)}`;
    if (result.status === 'unknown_order') return page(refusedPage('결제 오류', BUYER_MESSAGES.notFound, 404));
    if (result.status === 'user_cancelled' || result.status === 'window_failed') {
      if (!result.order) return page(refusedPage('결제 오류', BUYER_MESSAGES.notFound, 404));
      log(1, 'shop.window_closed', result.order.ordr_idxx, { status: result.status, res_cd: result.resCd, res_msg: result.resMsg });
      return void res.writeHead(303, { location: `${orderUrl(result.order)}?notice=${result.status}` }).end();
    }
    const id = result.order.ordr_idxx;
    switch (result.status) {
      case 'refused': {
        log(1, 'shop.payment_refused', id, { code: result.error.code, reason: result.error.message });
        if (!isPayable(result.order) || result.error instanceof KcpDuplicateOrderError) return page(alreadyPaidPage(result.order));
        const changed = result.error.code === 'amount_mismatch';
        return page(refusedPage(changed ? '결제를 진행하지 않았습니다' : '결제 오류', changed ? BUYER_MESSAGES.amountChanged : BUYER_MESSAGES.retryLater));
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
    // POST → redirect → GET: reloading or going back never posts the window's result again.
    res.writeHead(303, { location: orderUrl(result.order) }).end();
  };

  // pp_ax_hub (PC windows) and Ret_URL (smartphone window): the handler reads the body in its charset, answers a
  // closed window itself, and otherwise looks the order up for the amount we trust and runs processPayment.
  // No CSRF token here: KCP's window posts them (Ret_URL from KCP's own site), and what they carry is checked with KCP.
  const windowReturn = expressWindowReturn<OrderRow, void>({
    payplus,
    trustProxy: options.trustProxy,
    findOrder: (ordrIdxx) => orders.get(ordrIdxx),
    commit: (approval, order) => recordApproval(order, approval),
    respond,
  });
  app.post('/pp_ax_hub', windowReturn);
  app.post('/m/return', windowReturn);

  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  /**
   * Every other POST is one of our own forms. Another site's post is refused (403) before anything else; staff
   * forms need a session (401) and its token, buyer forms this browser's token (403 otherwise).
   */
  app.use((req, res, next) => {
    if (req.method !== 'POST') return next();
    const visitor = visitorOf(res);
    const staffForm = req.path.startsWith('/staff/') && req.path !== '/staff/login';
    const refused = (status: number, message: string) => {
      log(1, 'shop.form_refused', undefined, { path: req.path, status });
      const r = refusedPage('요청을 처리하지 않았습니다', message, status);
      send(res, r.status, r.html);
    };
    if (security.openedElsewhere(req)) return refused(403, `이 상점의 주소는 ${security.origin} 입니다 (SHOP_PUBLIC_URL). 그 주소로 열어 다시 시도해 주세요.`);
    if (security.crossSite(req)) return refused(403, BUYER_MESSAGES.crossSite);
    if (staffForm && !security.staffEnabled) return refused(403, STAFF_DISABLED);
    if (staffForm && !visitor.staff) return refused(401, '관리자 로그인이 필요합니다. 다시 로그인해 주세요.');
    if (!security.tokenOk(req, visitor, staffForm ? 'staff' : 'buyer')) return refused(403, BUYER_MESSAGES.badToken);
    next();
  });

  app.get('/', (req, res) => send(res, 200, productsPage(PRODUCTS, visitorOf(res), req.query.window === 'plugin')));
  app.get('/m/', (_req, res) => send(res, 200, mobileProductsPage(PRODUCTS, visitorOf(res))));

  /** The order of this browser (staff: any order), or undefined: a stranger learns nothing, not even that it exists. */
  function visibleOrder(res: Response, id: string, staffToo: boolean): OrderRow | undefined {
    const order = orders.get(id);
    const visitor = visitorOf(res);
    if (!order) return undefined;
    return security.owns(visitor, order) || (staffToo && visitor.staff) ? order : undefined;
  }

  const notFound = (res: Response) => {
    const r = refusedPage('주문 없음', BUYER_MESSAGES.notFound, 404);
    send(res, r.status, r.html);
  };

  /** A new order from a product form, then (POST → redirect → GET) its checkout page. */
  function newOrder(req: Request, res: Response, channel: 'pc' | 'mobile'): void {
    const product: Product | undefined = PRODUCTS.find((p) => p.id === req.body.product_id);
    const method = String(req.body.method ?? 'card');
    if (!product || !(SHOP_METHODS as readonly string[]).includes(method)) {
      const r = refusedPage('주문 오류', '상품이나 결제수단을 다시 선택해 주세요.');
      return send(res, r.status, r.html);
    }
    const order = orders.create({
      ordrIdxx: newOrderId(), product, method, channel, buyerName: String(req.body.buyer_name ?? '').slice(0, 20), buyerKey: buyerKey(visitorOf(res).browserId),
    });
    const plugin = channel === 'pc' && req.body.window === 'plugin' ? '?window=plugin' : '';
    res.redirect(303, `/orders/${encodeURIComponent(order.ordr_idxx)}/checkout${plugin}`);
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
      const page = standardWebOrderPage(conf, input, { action: '/pp_ax_hub', charset: 'utf-8', onFailure: 'kcpWindowClosed', reportExit: true });
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
        returnUrl: `${security.origin}/m/return`, // from configuration, never from the Host header
        userAgent: req.get('user-agent') ?? '',
      }, { gateway: payplus.gateway }); // on the site's transport: SOAP beside pp_cli, /std/tradeReg/register on REST
      const form = smartphoneOrderForm(conf, registration, { buyrName: order.buyer_name || undefined, quotaopt: order.amount >= 50_000 ? 12 : 0 });
      send(res, 200, smartphoneOrderPageHtml(order, form));
    } catch (err) {
      orderError(res, order, err);
    }
  }

  app.post('/order', (req, res) => newOrder(req, res, 'pc'));
  app.post('/m/order', (req, res) => newOrder(req, res, 'mobile'));

  /** The order page with the pay button, while the order is payable; afterwards (back button, reload) its result. */
  app.get('/orders/:id/checkout', async (req, res) => {
    const order = visibleOrder(res, req.params.id, false);
    if (!order) return notFound(res);
    if (!isPayable(order)) return res.redirect(303, `/orders/${encodeURIComponent(order.ordr_idxx)}`);
    if (order.channel === 'mobile') return mobileOrderPage(req, res, order);
    pcOrderPage(res, order, req.query.window === 'plugin');
  });

  /** Pay again after a closed window or a decline: the same order, the same channel. */
  app.post('/orders/:id/pay', (req, res) => {
    const order = visibleOrder(res, req.params.id, false);
    if (!order) return notFound(res);
    if (isPayable(order)) orders.update(order.ordr_idxx, { status: 'pending', buyer_message: null });
    res.redirect(303, `/orders/${encodeURIComponent(order.ordr_idxx)}/checkout`);
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

  /** The buyer's own orders (this browser's). */
  app.get('/orders', (_req, res) => send(res, 200, myOrdersPage(orders.listByBuyer(buyerKey(visitorOf(res).browserId)), visitorOf(res))));

  app.get('/orders/:id', (req, res) => {
    const order = visibleOrder(res, req.params.id, true);
    if (!order) return notFound(res);
    const notice = req.query.notice === 'user_cancelled' ? BUYER_MESSAGES.userCancelled : req.query.notice === 'window_failed' ? BUYER_MESSAGES.windowFailed : undefined;
    send(res, 200, resultPage(order, approvalOf(order), conf.env, visitorOf(res), { notice: isPayable(order) ? notice : undefined, receiptHost: options.simulatorUrl }));
  });

  // ---- Staff: everything under /staff/ needs the login (and a password configured at all).
  app.get('/staff/login', (_req, res) => {
    if (!security.staffEnabled) return send(res, 403, staffDisabledPage());
    if (visitorOf(res).staff) return res.redirect(303, '/staff/orders');
    send(res, 200, loginPage(visitorOf(res)));
  });

  app.post('/staff/login', (req, res) => {
    const outcome = security.login(req, res, clientAddress(req), req.body.password);
    log(outcome === 'ok' ? 1 : 0, 'shop.staff_login', undefined, { outcome, ip: clientAddress(req) });
    if (outcome === 'ok') return res.redirect(303, '/staff/orders');
    if (outcome === 'disabled') return send(res, 403, staffDisabledPage());
    const message = outcome === 'locked' ? '로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도해 주세요.' : '비밀번호가 맞지 않습니다.';
    send(res, outcome === 'locked' ? 429 : 401, loginPage(visitorOf(res), message));
  });

  app.post('/staff/logout', (req, res) => {
    security.logout(req, res);
    res.redirect(303, '/');
  });

  app.use('/staff', (_req, res, next) => {
    if (!security.staffEnabled) return send(res, 403, staffDisabledPage());
    if (!visitorOf(res).staff) {
      res.set('WWW-Authenticate', 'Form realm="staff"');
      return send(res, 401, loginPage(visitorOf(res)));
    }
    next();
  });

  app.get('/staff/orders', (_req, res) =>
    send(res, 200, staffOrdersPage(orders.list(), visitorOf(res), { flash: security.takeFlash(visitorOf(res)), manualCapture: options.manualCapture === true })),
  );

  // Monitoring for staff: the SDK's counters in the Prometheus text format, and the last payment events (JSON).
  // Behind the staff login like every /staff/ page; a Prometheus server scraping it needs the session cookie — on a
  // real shop, give it its own route with its own credential or network rule instead.
  app.get('/staff/metrics', async (_req, res) => {
    res.set('Cache-Control', 'no-store').type('text/plain; version=0.0.4').send(await payplus.metrics({ openAttempts: true }));
  });
  app.get('/staff/events', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(recentEvents);
  });

  /** Runs one order action and comes back to the list with its outcome (kept in the session, shown once). */
  async function action(req: Request, res: Response, allowed: (order: OrderRow) => string | undefined, run: (order: OrderRow) => Promise<string | Flash>): Promise<void> {
    const order = orders.get(String(req.params.id));
    let flash: Flash;
    const refusal = !order || !order.tno ? '주문을 찾을 수 없습니다.' : allowed(order);
    if (refusal !== undefined || !order) flash = { ok: false, text: refusal ?? '주문을 찾을 수 없습니다.' };
    else {
      try {
        const done = await run(order);
        flash = typeof done === 'string' ? { ok: true, text: done } : done;
      } catch (err) {
        if (!(err instanceof KcpError)) throw err;
        log(0, 'shop.staff_action_failed', order.ordr_idxx, { path: req.path, code: err.code, res_cd: err.resCd ?? '', reason: err.message });
        flash = { ok: false, text: staffErrorMessage(err) };
      }
    }
    security.setFlash(visitorOf(res), flash);
    res.redirect(303, '/staff/orders');
  }

  app.post('/staff/orders/:id/cancel', (req, res) =>
    action(req, res, (o) => (canCancel(o) ? undefined : '이 주문은 지금 취소할 수 없습니다.'), async (order) => {
      const result = await payplus.cancel({ tno: order.tno!, reason: '구매자 요청 취소', custIp: clientAddress(req), ordrIdxx: order.ordr_idxx });
      orders.update(order.ordr_idxx, { status: 'cancelled', cancellable: 0, message: `취소 완료 ${result.cancTime}`.trim(), buyer_message: '주문이 취소되었습니다. 결제하신 금액은 결제수단으로 환불됩니다.' });
      return `${order.ordr_idxx} 취소 완료`;
    }),
  );

  app.post('/staff/orders/:id/partial-cancel', (req, res) => {
    const amount = parseWon(req.body.amount);
    return action(
      req,
      res,
      (o) => {
        if (!canPartialCancel(o)) return '이 주문은 부분취소할 수 없습니다.';
        const left = o.cancellable ?? 0;
        if (amount === undefined) return `부분취소 금액을 숫자로 입력해 주세요 (1원 ~ ${won(left)}).`;
        if (amount > left) return `부분취소 금액 ${won(amount)}이 취소 가능 금액 ${won(left)}보다 큽니다.`;
        return undefined;
      },
      async (order) => {
        const result = await payplus.partialCancel({
          tno: order.tno!,
          amount: amount!,
          cancellableBalance: order.cancellable ?? 0,
          reason: '부분 취소',
          custIp: clientAddress(req),
          ordrIdxx: order.ordr_idxx,
        });
        const cancelled = result.cancelledAmount ?? amount!;
        const remaining = result.remainingAmount ?? (order.cancellable ?? 0) - cancelled;
        orders.update(order.ordr_idxx, {
          cancellable: remaining,
          status: remaining === 0 ? 'cancelled' : 'partially_cancelled',
          message: `부분취소 ${won(cancelled)}, 남은 금액 ${won(remaining)}`,
          buyer_message: `${won(cancelled)}이 부분 취소되었습니다. 남은 결제 금액은 ${won(remaining)}입니다.`,
        });
        return `${order.ordr_idxx} 부분취소 ${won(cancelled)} 완료, 남은 금액 ${won(remaining)}`;
      },
    );
  });

  app.post('/staff/orders/:id/capture', (req, res) =>
    action(req, res, (o) => (canCapture(o, options.manualCapture === true) ? undefined : '이 주문은 매입할 수 없습니다 (자동 매입이거나 이미 매입됨).'), async (order) => {
      await payplus.capture({ tno: order.tno!, custIp: clientAddress(req), ordrIdxx: order.ordr_idxx });
      orders.update(order.ordr_idxx, { captured: 1 });
      return `${order.ordr_idxx} 매입 요청 완료`;
    }),
  );

  // Development only: ask the simulator to deposit into the order's virtual account.
  app.post('/staff/orders/:id/simulate-deposit', (req, res) =>
    action(req, res, (o) => (o.status === 'awaiting_deposit' ? undefined : '입금 대기 중인 주문이 아닙니다.'), async (order) => {
      if (!options.simulatorUrl) return { ok: false, text: '시뮬레이터가 연결되어 있지 않습니다.' };
      const answer = await fetch(`${options.simulatorUrl}/_admin/deposit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tno: order.tno, amount: order.amount, remitter: order.buyer_name || '홍길동', wait: true }),
      });
      return answer.ok ? `${order.ordr_idxx} 입금 통보 요청됨` : { ok: false, text: `입금 시뮬레이션 실패 (시뮬레이터 응답 ${answer.status})` };
    }),
  );

  // Recurring billing (/billing) on KCP's REST API only: billing.ts.
  const billing = conf.transport === 'rest' ? mountBilling(app, { payplus, conf, security, dataDir: options.dataDir, send, visitorOf }) : undefined;

  // Anything thrown above (a body over the limit included): a Korean page, the details in the log, never a stack trace.
  app.use((err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number }).status ?? 500;
    log(0, 'shop.request_failed', undefined, { path: req.path, status, reason: String((err as Error)?.message ?? err) });
    const r = refusedPage('요청을 처리하지 못했습니다', status >= 500 ? '잠시 후 다시 시도해 주세요.' : '요청을 확인할 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.', status >= 400 && status < 600 ? status : 500);
    send(res, r.status, r.html);
  });

  return {
    app,
    orders,
    payplus,
    security,
    close: async () => {
      orders.close();
      billing?.close();
      if (!options.payplus) await payplus.close();
    },
  };
}
