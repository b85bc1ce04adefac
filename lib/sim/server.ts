/**
 * The simulator's HTTP server (node:http, loopback only): the gateway endpoint the stand-in pp_cli posts to, the
 * payment window, and a small admin API for deposits and notices. Routing and byte handling only; the decisions
 * live in gateway.ts, window.ts and notify.ts.
 *
 * The window's form posts (opening it, the smartphone window's sm_form, confirm, close) each answer 303 to a page read
 * by GET (POST → redirect → GET): the browser's history then holds no form post, so its back button never shows a
 * "Confirm Form Resubmission" page. What those pages show is kept here under random ids (window-store.ts): an open
 * window until it has handed its result back (then it says so), the result page for one read.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isHttpUrl } from '../config/rules.js';
import { clientIp, readBody as readBodyLimited, refuseRequest, RequestRefused } from '../http/request.js';
import { applyHttpLimits } from '../http/server.js';
import { encodeResultLine, parseForm } from './codec.js';
import { DEFAULT_SITES, Gateway, type CashReceipt, type GatewayEnv, type SimTransaction } from './gateway.js';
import { Notifier, type DeliveryReport } from './notify.js';
import { TokenIssuer, type PayMethod } from './token.js';
import { METHODS } from './methods.js';
import { RECEIPT_PATH, receiptPage } from './receipt.js';
import {
  SCRIPTS, USER_CANCEL, bankChoiceProblem, confirmWindow, errorPage, finishedPage, isPayMethod, orderProblem, pluginScript, returnPage, scriptOf,
  windowPage, type WindowOrder, type WindowResult,
} from './window.js';
import { WindowStore } from './window-store.js';
import { standardWebScript, webResultPage } from './standard-web.js';
import { SMARTPHONE_METHODS, TradeRegistry, type SimTrade } from './trade.js';

export interface SimulatorOptions {
  /** TCP port; 0 picks a free one (tests). */
  port?: number;
  /** Always a loopback address; default 127.0.0.1. */
  host?: string;
  /** TEST (default) or REAL: which site codes this gateway serves (3014 / 8001 otherwise). */
  env?: GatewayEnv;
  /** site_cd → site_key; default KCP's TEST sites T0000 and T0007. */
  sites?: Readonly<Record<string, string>>;
  /** The merchant's common_return URL; notifications are skipped while unset. */
  notifyUrl?: string;
  /** Re-send schedule for notifications (ms). */
  retryDelaysMs?: readonly number[];
  /** At most 10. */
  maxAttempts?: number;
  /** How long a "slow" trigger holds the gateway answer (default 5000 ms). */
  slowMs?: number;
  /** Clock for tno, app_time, trace_no (default: now). */
  now?: () => Date;
  /** HMAC secret for enc_data tokens (default: random per start). */
  secret?: string;
  tnoStart?: number;
}

/** One request the gateway received, as decoded fields (kept in memory for tests; never printed). */
export interface GatewayRequestLog {
  txCd: string;
  userAgent: string;
  fields: Record<string, string>;
  answer: Record<string, string>;
}

export interface SimulatorState {
  transactions: Map<string, SimTransaction>;
  /** Smartphone trade registrations by approval key. */
  trades: Map<string, SimTrade>;
  cashReceipts: Map<string, CashReceipt>;
  notifications: DeliveryReport[];
  requests: GatewayRequestLog[];
}

export interface DepositOptions {
  amount?: number;
  remitter?: string;
  /** '13' = deposit cancellation (망취소); anything else is a deposit. */
  opCd?: string;
  notiId?: string;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly state: SimulatorState;
  readonly gateway: Gateway;
  /** The merchant's common_return URL (can be set after start). */
  notifyUrl: string | undefined;
  /** What the payment window would post, without a browser. */
  pay(order: PayOrder): WindowResult;
  /** Simulate a virtual-account deposit and deliver TX00; resolves when delivered or out of attempts. */
  deposit(tno: string, options?: DepositOptions): Promise<DeliveryReport>;
  /** op_cd=13: the bank cancelled a deposit. */
  cancelDeposit(tno: string, options?: Omit<DepositOptions, 'opCd'>): Promise<DeliveryReport>;
  /** Escrow notices: TX02 purchase confirmation (st_cd=Y/N), TX03 shipping start. */
  notifyEscrow(tno: string, txCd: 'TX02' | 'TX03', extra?: Readonly<Record<string, string>>): Promise<DeliveryReport>;
  /**
   * What the batch-key window (an order form with card_cert_type BATCH, docs/kcp-rest-api.md §3.4) posts back for the
   * card chosen: set by the REST simulator (startRestSimulator), which issues and charges the keys; unset without it.
   */
  batchKeyWindow: ((input: { siteCd: string; groupId: string; card?: string }) => Readonly<Record<string, string>>) | undefined;
  close(): Promise<void>;
}

/** The fields a merchant's order form would carry, plus the payer's choice. */
export interface PayOrder {
  site_cd: string;
  ordr_idxx: string;
  good_mny: string | number;
  method?: PayMethod;
  card?: string;
  quota?: string;
  /** Bank transfer / virtual account: the bank's two-digit code (default '04', as the window preselects). */
  bank?: string;
  escw_used?: 'Y' | 'N';
  buyr_name?: string;
  good_name?: string;
  /** Which script the page loaded (default TEST). */
  env?: 'TEST' | 'REAL';
  cust_ip?: string;
}

const MAX_BODY = 1024 * 1024;
const STANDARD_WEB_PATH = '/plugin/payplus_web.jsp';
/** KCP's TEST and REAL endpoint paths both answer (the SDK derives the first from a local g_conf_js_url). */
const TRADE_PATHS = new Set(['/services/KCPPaymentService', '/services/KCPPaymentService.KCPPaymentServiceHttpSoap11Endpoint/']);
/** Where the smartphone window lives (the payUrl a registration hands out). */
const SMARTPHONE_PATH = '/smpay/mobileGW.kcp';
const WINDOW_PATH = '/window';
const RESULT_PATH = '/window/result';
/** How long an opened window can be used, and how long its result page waits to be read once confirmed. */
const WINDOW_TTL_MS = 60 * 60 * 1000;
const RESULT_TTL_MS = 10 * 60 * 1000;

/** An opened window; `resultId` once it has been confirmed or closed (a repeated post finds the same result). */
interface OpenWindow {
  order: WindowOrder;
  resultId?: string;
}

/** What the window hands back, waiting for its one GET. */
interface WindowAnswer {
  order: WindowOrder;
  result: Record<string, string>;
}

/** An http(s) origin, or undefined. */
function originOrUndefined(value: string | undefined): string | undefined {
  return value !== undefined && isHttpUrl(value) ? new URL(value).origin : undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return readBodyLimited(req, MAX_BODY);
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(bytes);
}

function queryOf(req: http.IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://sim').searchParams;
}

function queryParam(req: http.IncomingMessage, name: string): string | undefined {
  return queryOf(req).get(name) ?? undefined;
}

/** 303 See Other: the browser follows with a GET, and only that GET stays in its history. */
function seeOther(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, null, 2));
}


/** Start the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const tokens = new TokenIssuer(options.secret);
  const gateway = new Gateway(tokens, { env: options.env, sites: options.sites, now, tnoStart: options.tnoStart });
  const notifier = new Notifier({ retryDelaysMs: options.retryDelaysMs, maxAttempts: options.maxAttempts });
  const registry = new TradeRegistry(options.sites ?? DEFAULT_SITES, now);
  const state: SimulatorState = {
    transactions: gateway.transactions, trades: registry.trades, cashReceipts: gateway.cashReceipts, notifications: notifier.reports, requests: [],
  };
  const windows = new WindowStore<OpenWindow>({ ttlMs: WINDOW_TTL_MS });
  const answers = new WindowStore<WindowAnswer>({ ttlMs: RESULT_TTL_MS });
  const slowTimers = new Set<NodeJS.Timeout>();
  let notiSeq = 0;

  const newNotiId = () => `${Date.now()}${String(++notiSeq).padStart(4, '0')}`;
  /** Build a notice (throws synchronously on a bad tno or a missing URL, before any state changes) and send it. */
  const notice = (build: () => Array<[string, string]>): Promise<DeliveryReport> => {
    const url = sim.notifyUrl;
    if (!url) throw new Error('sim: no notify URL configured (start with --notify-url or set sim.notifyUrl)');
    return notifier.send(url, build());
  };
  const depositNotice = (tno: string, opts: DepositOptions) =>
    notice(() => gateway.deposit(tno, { ...opts, notiId: opts.notiId ?? newNotiId() }));
  const escrowNotice = (tno: string, txCd: 'TX02' | 'TX03', extra: Readonly<Record<string, string>>) =>
    notice(() => gateway.escrowNotice(tno, txCd, { noti_id: newNotiId(), ...extra }));

  /** A "slow" trigger holds the answer back for slowMs (timers are cleared on close). */
  const answerMaybeSlowly = (res: http.ServerResponse, slow: boolean, reply: () => void) => {
    if (!slow) return reply();
    const timer = setTimeout(() => {
      slowTimers.delete(timer);
      if (!res.destroyed) reply();
    }, options.slowMs ?? 5000);
    slowTimers.add(timer);
  };

  const handleGateway = async (req: http.IncomingMessage, res: http.ServerResponse, txCd: string) => {
    const fields = parseForm(await readBody(req), 'euc-kr');
    const answer = gateway.handle(txCd, fields);
    state.requests.push({
      txCd, userAgent: String(req.headers['user-agent'] ?? ''), fields: Object.fromEntries(fields),
      answer: Object.fromEntries(answer.fields),
    });
    answerMaybeSlowly(res, answer.slow, () => send(res, 200, 'text/plain; charset=euc-kr', encodeResultLine(answer.fields)));
  };

  const originOf = (req: http.IncomingMessage) => `http://${req.headers.host ?? `${host}:${port}`}`;
  const html = (res: http.ServerResponse, status: number, body: string) => send(res, status, 'text/html; charset=utf-8', body);

  const handleWindow = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req);
    const { env, charset } = scriptOf(parseForm(body, 'euc-kr').get('__js'));
    const fields = Object.fromEntries(parseForm(body, charset));
    const web = fields.__mode === 'web';
    const order: WindowOrder = {
      fields, returnUrl: fields.__return_url ?? '', env, charset, mode: web ? 'web' : 'redirect', shopOrigin: web ? originOrUndefined(fields.__origin) : undefined,
      // A batch-key window registers a card: the card tab alone.
      ...(fields.card_cert_type === 'BATCH' ? { methods: ['card' as const] } : {}),
    };
    const problem = orderProblem(fields) ?? (web ? (order.shopOrigin ? undefined : 'shop page origin is missing') : order.returnUrl ? undefined : 'form action is missing');
    if (problem) return html(res, 400, errorPage(problem));
    seeOther(res, `${WINDOW_PATH}?w=${windows.put({ order })}`);
  };

  /** GET of an opened window (plug-in, standard-web frame or smartphone): the window, or that it has finished. */
  const showWindow = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const id = queryParam(req, 'w');
    const open = windows.get(id);
    if (!open || open.resultId !== undefined) return html(res, 410, finishedPage());
    html(res, 200, windowPage(open.order, id!));
  };

  /** The smartphone window at the payUrl a registration handed out: sm_form must match the registered trade. */
  const handleSmartphone = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const fields = Object.fromEntries(parseForm(await readBody(req), 'euc-kr'));
    const checked = registry.check(fields);
    if ('problem' in checked) return html(res, 400, errorPage(checked.problem));
    const order: WindowOrder = {
      fields, returnUrl: checked.trade.returnUrl, env: 'TEST', charset: 'euc-kr', mode: 'mobile', methods: [SMARTPHONE_METHODS[checked.trade.payMethod]!],
    };
    seeOther(res, `${SMARTPHONE_PATH}?w=${windows.put({ order })}`);
  };

  /** What the window hands back, by mode: to the shop page's m_Completepayment, to Ret_URL, or to the form's action. */
  const finish = (res: http.ServerResponse, order: WindowOrder, result: Readonly<Record<string, string>>) => {
    if (order.mode === 'web') return html(res, 200, webResultPage(order.shopOrigin ?? '', { ordr_idxx: order.fields.ordr_idxx ?? '', ...result }));
    const back = order.mode === 'mobile'
      ? { ...order, fields: { ordr_idxx: order.fields.ordr_idxx ?? '', good_mny: order.fields.good_mny ?? '', approval_key: order.fields.approval_key ?? '' } }
      : order;
    send(res, 200, `text/html; charset=${order.charset}`, Buffer.from(returnPage(back, result), 'latin1'));
  };

  /**
   * The window's answer (confirm or close) is kept for one GET, to which the post is redirected. A window answers
   * once: a second post (a double click, an old tab) is sent to the same result while it is unread, and is told the
   * window has finished after that.
   */
  const answerWindow = (res: http.ServerResponse, open: OpenWindow, result: () => Record<string, string>) => {
    open.resultId ??= answers.put({ order: open.order, result: result() });
    seeOther(res, `${RESULT_PATH}?r=${open.resultId}`);
  };

  /** The window a post names by its handle (`__order`); when it is unknown or expired, the 410 page is answered here. */
  const postedWindow = (res: http.ServerResponse, form: Map<string, string>): OpenWindow | undefined => {
    const open = windows.get(form.get('__order'));
    if (!open) html(res, 410, finishedPage());
    return open;
  };

  const handleConfirm = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const form = parseForm(await readBody(req), 'utf-8');
    const open = postedWindow(res, form);
    if (!open) return;
    const method = form.get('method');
    if (!isPayMethod(method)) return html(res, 400, errorPage('잘못된 결제창 요청입니다'));
    const bank = form.get(method === 'vbank' ? 'vbank' : 'bank');
    const badBank = bankChoiceProblem(method, bank);
    if (badBank) return html(res, 400, errorPage(badBank));
    const { order } = open;
    if (order.fields.card_cert_type === 'BATCH') {
      const batchKeyWindow = sim.batchKeyWindow;
      if (!batchKeyWindow) return html(res, 400, errorPage('배치키 발급창은 REST 시뮬레이터와 함께 열립니다 (the batch-key window needs the REST simulator)'));
      return answerWindow(res, open, () => {
        const issued = batchKeyWindow({ siteCd: order.fields.site_cd ?? '', groupId: order.fields.kcpgroup_id ?? '', card: form.get('card') });
        return { res_cd: '0000', res_msg: '정상처리', trace_no: '', use_pay_method: METHODS.card.bitmap, ...issued };
      });
    }
    answerWindow(res, open, () => {
      const result: WindowResult = confirmWindow(tokens, order, { method, card: form.get('card'), quota: form.get('quota'), bank }, clientIp(req), now());
      return order.mode === 'web' || order.mode === 'mobile' ? { res_cd: '0000', res_msg: '정상처리', ...result } : result;
    });
  };

  /** The close button: KCP's user cancel (3001), no enc_data, nothing for pp_cli. */
  const handleClose = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const open = postedWindow(res, parseForm(await readBody(req), 'utf-8'));
    if (!open) return;
    const cleared = { enc_data: '', enc_info: '', tran_cd: '', trace_no: '', use_pay_method: '' };
    answerWindow(res, open, () => ({ ...cleared, ...USER_CANCEL }));
  };

  /** The result page, read once: it hands the result on (to the shop page or its return URL) as it loads. */
  const showResult = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const answer = answers.take(queryParam(req, 'r'));
    if (!answer) return html(res, 410, finishedPage());
    finish(res, answer.order, answer.result);
  };

  const handleTrade = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const answer = registry.handle((await readBody(req)).toString('utf8'), `${originOf(req)}${SMARTPHONE_PATH}`);
    answerMaybeSlowly(res, answer.slow === true, () => send(res, answer.status, 'text/xml; charset=utf-8', answer.xml));
  };

  const handleAdmin = async (req: http.IncomingMessage, res: http.ServerResponse, action: string) => {
    if (req.method === 'GET' && action === 'state') {
      return sendJson(res, 200, {
        transactions: [...gateway.transactions.values()],
        cashReceipts: [...gateway.cashReceipts.values()],
        notifications: notifier.reports,
      });
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
    const input = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    const str = (k: string) => (input[k] === undefined ? undefined : String(input[k]));
    const num = (k: string) => (input[k] === undefined ? undefined : Number(input[k]));
    try {
      if (action === 'pay') return sendJson(res, 200, sim.pay(input as unknown as PayOrder));
      if (action === 'deposit' || action === 'cancel-deposit' || action === 'notify') {
        const tno = str('tno') ?? '';
        const pending =
          action === 'notify'
            ? escrowNotice(tno, str('tx_cd') === 'TX03' ? 'TX03' : 'TX02', (input.fields ?? {}) as Record<string, string>)
            : depositNotice(tno, {
              amount: num('amount'), remitter: str('remitter'), opCd: action === 'cancel-deposit' ? '13' : str('op_cd'),
            });
        if (input.wait === true) return sendJson(res, 200, await pending);
        pending.catch(() => undefined);
        const report = notifier.reports[notifier.reports.length - 1];
        return sendJson(res, 202, { tno, noti_id: report?.notiId, url: sim.notifyUrl });
      }
      return sendJson(res, 404, { error: `unknown admin action ${action}` });
    } catch (err) {
      return sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };

  const server = applyHttpLimits(http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = async () => {
      const gw = /^\/(\d{8})$/.exec(path);
      if (gw && req.method === 'POST') return handleGateway(req, res, gw[1]!);
      if (path === STANDARD_WEB_PATH && req.method === 'GET') {
        return send(res, 200, 'application/javascript; charset=utf-8', standardWebScript(originOf(req)));
      }
      const script = /^\/plugin\/([a-z_]+\.js)$/.exec(path);
      if (script && SCRIPTS[script[1]!] && req.method === 'GET') {
        const { env, charset } = SCRIPTS[script[1]!]!;
        return send(res, 200, 'application/javascript; charset=utf-8', pluginScript(originOf(req), env, charset));
      }
      if (path === RECEIPT_PATH && req.method === 'GET') {
        const { status, html } = receiptPage(gateway, queryOf(req));
        return send(res, status, 'text/html; charset=utf-8', html);
      }
      if (path === WINDOW_PATH && req.method === 'POST') return handleWindow(req, res);
      if ((path === WINDOW_PATH || path === SMARTPHONE_PATH) && req.method === 'GET') return showWindow(req, res);
      if (path === RESULT_PATH && req.method === 'GET') return showResult(req, res);
      if (path === '/window/confirm' && req.method === 'POST') return handleConfirm(req, res);
      if (path === '/window/close' && req.method === 'POST') return handleClose(req, res);
      if (TRADE_PATHS.has(path) && req.method === 'POST') return handleTrade(req, res);
      if (path === SMARTPHONE_PATH && req.method === 'POST') return handleSmartphone(req, res);
      const admin = /^\/_admin\/([a-z-]+)$/.exec(path);
      if (admin) return handleAdmin(req, res, admin[1]!);
      send(res, 404, 'text/plain; charset=utf-8', `not found: ${req.method} ${path}\n`);
    };
    route().catch((err: unknown) => {
      if (err instanceof RequestRefused) return refuseRequest(req, res, err);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `simulator error: ${String(err)}\n`);
    });
  }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const sim: Simulator = {
    url: `http://${host}:${port}`,
    port,
    host,
    state,
    gateway,
    notifyUrl: options.notifyUrl,
    batchKeyWindow: undefined,
    pay(order) {
      const fields: Record<string, string> = {
        site_cd: order.site_cd, ordr_idxx: order.ordr_idxx, good_mny: String(order.good_mny),
        escw_used: order.escw_used ?? 'N', buyr_name: order.buyr_name ?? '', good_name: order.good_name ?? '',
      };
      const problem = orderProblem(fields);
      if (problem) throw new Error(`sim pay: ${problem}`);
      const method = order.method ?? 'card';
      if (!isPayMethod(method)) throw new Error(`sim pay: unknown method ${String(method)}`);
      const badBank = bankChoiceProblem(method, order.bank);
      if (badBank) throw new Error(`sim pay: ${badBank}`);
      return confirmWindow(tokens, { fields, env: order.env ?? 'TEST' }, { method, card: order.card, quota: order.quota, bank: order.bank }, order.cust_ip ?? '127.0.0.1', now());
    },
    async deposit(tno, opts = {}) {
      return depositNotice(tno, opts);
    },
    async cancelDeposit(tno, opts = {}) {
      return depositNotice(tno, { ...opts, opCd: '13' });
    },
    async notifyEscrow(tno, txCd, extra = {}) {
      return escrowNotice(tno, txCd, extra);
    },
    async close() {
      notifier.close();
      for (const t of slowTimers) clearTimeout(t);
      slowTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}
