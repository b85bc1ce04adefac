/**
 * Trade registration (거래등록) for KCP's smartphone window: before the buyer's phone opens the window, the merchant's
 * server tells KCP what is being paid (order id, amount from the server's own order, method, product, return URL) and
 * receives an approval key and the window's URL. The transport is the site's: SOAP 1.1 to KCPPaymentService beside
 * pp_cli, or, given a REST gateway (`options.gateway`, e.g. PayPlus's), KCP's PG-API `/std/tradeReg/register` with
 * the merchant's certificate (docs/kcp-rest-api.md §3.1). The approval itself comes later, on the same transport.
 *
 * Every failure is a typed KcpTradeError (SOAP fault, HTTP error, non-0000 answer, malformed answer, timeout) on both.
 * Nothing is charged by a registration, so a failed one can simply be repeated.
 */
import type { SiteConfData } from '../config/site-conf.js';
import { REAL_TRADE_URL, TEST_TRADE_URL } from '../config/site-conf.js';
import { isLoopbackHost, jsUrlEnvironment, realUrlProblem } from '../config/environment.js';
import { isHttpUrl } from '../config/rules.js';
import { KcpConfigError, KcpError, KcpInputError } from '../errors.js';
import { REST_PATHS } from '../gateway/rest/hosts.js';
import type { PaymentGateway } from '../gateway/types.js';
import { checkAmount, fail, type FieldRef } from '../order/checks.js';
import { checkGoodName, checkOrderId } from '../order/form.js';
import {
  KcpTradeHttpError,
  KcpTradeMalformedError,
  KcpTradeRefusedError,
  KcpTradeSoapFaultError,
  KcpTradeTimeoutError,
} from './errors.js';
import { smartphonePayMethod, type SmartphoneMethodName, type SmartphonePayMethod } from './pay-method.js';
import { buildApproveRequest, readApproveResponse, readBody, readFault, SOAP_ACTION, SoapReadError } from './soap.js';

export interface TradeRequest {
  /** ordr_idxx: the merchant's order number. */
  ordrIdxx: string;
  /** The amount from YOUR database for this order, never a value the browser sent. */
  amount: number | string;
  goodName: string;
  /** 'card' | 'bank' | 'vbank' | 'mobile', or KCP's code (CARD, BANK, VCNT, MOBX). */
  payMethod: SmartphoneMethodName | SmartphonePayMethod;
  /** Ret_URL: where KCP sends the buyer back with the window's result (absolute http(s) URL). */
  returnUrl: string;
  escrow?: boolean;
  /** The buyer's User-Agent header (KCP tailors the window to the device). */
  userAgent: string;
}

/** The gateway a registration may go through: its transport decides SOAP or REST (PayPlus's `gateway` fits). */
export type TradeGateway = Pick<PaymentGateway, 'transport' | 'registerTrade'> & { readonly baseUrl?: URL; readonly siteCd?: string };

export interface TradeOptions {
  /** SOAP: milliseconds for the whole exchange (default 10 000). A REST gateway keeps its own limits. */
  timeoutMs?: number;
  /** SOAP: overrides the endpoint chosen from the configuration (tests, proxies). A REST gateway has its own host. */
  endpoint?: string;
  /** SOAP: largest answer accepted (default 64 KiB; KCP's answer is under 2 KiB). */
  maxResponseBytes?: number;
  /**
   * The site's gateway (`payplus.gateway`). A REST one (payplus.transport 'rest') registers on KCP's PG-API host
   * (`/std/tradeReg/register`) with its certificate; pp_cli's, or none, registers over SOAP.
   */
  gateway?: TradeGateway;
}

export interface TradeRegistration {
  /** What was registered; the smartphone order form copies these, so the window shows exactly this trade. */
  readonly ordrIdxx: string;
  readonly amount: string;
  readonly goodName: string;
  readonly payMethod: SmartphonePayMethod;
  readonly returnUrl: string;
  readonly escrow: boolean;
  /** approval_key for sm_form. */
  readonly approvalKey: string;
  /** Where sm_form is posted (the smartphone window). */
  readonly payUrl: string;
  /** KCP's answer code (0000) and message. */
  readonly resCd: string;
  readonly resMsg: string;
  /** The endpoint used: KCPPaymentService (SOAP 1.1) or the PG-API's /std/tradeReg/register. */
  readonly endpoint: string;
}

const SIM_TRADE_PATH = '/services/KCPPaymentService';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE = 64 * 1024;

/**
 * The endpoint for a configuration: KCP's TEST or REAL service by the site's environment, or, when g_conf_js_url
 * points at the local simulator, the simulator's own endpoint on the same origin.
 */
export function tradeRegistrationUrl(conf: Pick<SiteConfData, 'env' | 'jsUrl' | 'extraKcpHosts'>): string {
  const js = jsUrlEnvironment(conf.jsUrl, conf.extraKcpHosts);
  if (js?.local) {
    const url = new URL(conf.jsUrl);
    if (isLoopbackHost(url.hostname)) return `${url.origin}${SIM_TRADE_PATH}`;
  }
  return conf.env === 'REAL' ? REAL_TRADE_URL : TEST_TRADE_URL;
}

const ref = (kcp: string, prop: string): FieldRef => ({ kcp, prop });

function checkReturnUrl(value: string): string {
  const r = ref('Ret_URL', 'returnUrl');
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(value)) {
    fail(r, `must be an absolute http(s) URL of at most 512 printable ASCII characters; got ${JSON.stringify(value)}`, 'Percent-encode anything else, e.g. pass new URL(path, origin).href');
  }
  if (!isHttpUrl(value)) fail(r, `must be an absolute http(s) URL; got ${JSON.stringify(value)}`, 'Pass the full URL of your smartphone return page, e.g. https://shop.example.com/kcp/mobile/return');
  return value;
}

/** The User-Agent is the buyer's: keep it printable and bounded rather than refuse a payment over it. */
function cleanUserAgent(value: string | undefined): string {
  return (value ?? '').replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 512);
}

/** Validates the request (same rules as the order page) and returns the XML fields. */
function requestFields(conf: Pick<SiteConfData, 'siteCd'>, r: TradeRequest) {
  if (typeof r.escrow !== 'undefined' && typeof r.escrow !== 'boolean') {
    fail(ref('escw_used', 'escrow'), `must be true or false; got ${JSON.stringify(r.escrow)}`, 'Pass a boolean');
  }
  return {
    siteCode: conf.siteCd,
    orderID: checkOrderId(r.ordrIdxx),
    paymentAmount: String(checkAmount(ref('good_mny', 'amount'), r.amount, false)),
    paymentMethod: smartphonePayMethod(ref('pay_method', 'payMethod'), r.payMethod),
    productName: checkGoodName(r.goodName),
    returnUrl: checkReturnUrl(r.returnUrl),
    escrow: r.escrow ?? false,
    requestID: r.ordrIdxx,
    userAgent: cleanUserAgent(r.userAgent),
  };
}

async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new KcpTradeMalformedError(`Trade registration: ${what} answered more than ${max} bytes; KCP's answer is a small SOAP document. Check the endpoint.`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/**
 * Registers one trade and returns the approval key and window URL.
 * Throws KcpInputError for a bad request (nothing sent) and a KcpTradeError subclass when KCP's side fails.
 */
export async function registerTrade(
  conf: Pick<SiteConfData, 'siteCd' | 'env' | 'jsUrl' | 'extraKcpHosts'>,
  request: TradeRequest,
  options: TradeOptions = {},
): Promise<TradeRegistration> {
  const fields = requestFields(conf, request);
  if (options.gateway?.transport === 'rest') return registerOnGateway(options.gateway, conf, fields, options);
  const endpoint = options.endpoint ?? tradeRegistrationUrl(conf);
  // A REAL site's order goes to KCP only: https, on KCP's trade host (environment.ts KCP_HOSTS or payplus.extra_kcp_hosts).
  const insecure = conf.env === 'REAL' ? realUrlProblem(endpoint, 'trade', conf.extraKcpHosts) : undefined;
  if (insecure) {
    throw new KcpConfigError(`options.endpoint: ${insecure}. Fix: leave options.endpoint out for a REAL site (the SDK uses ${REAL_TRADE_URL}), or add a host KCP announced to payplus.extra_kcp_hosts.`, {
      field: 'endpoint',
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new KcpConfigError(`options.timeoutMs must be a positive integer of milliseconds; got ${JSON.stringify(timeoutMs)}.`, { field: 'timeoutMs' });
  }
  const signal = AbortSignal.timeout(timeoutMs);
  const where = `KCPPaymentService at ${endpoint}`;
  const timeoutError = () =>
    new KcpTradeTimeoutError(`Trade registration for order ${fields.orderID}: ${where} gave no complete answer within ${timeoutMs} ms. Nothing is charged by a registration; try again, and check the server's outbound HTTPS to KCP if it keeps happening.`);
  let response: Response;
  let body: string;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${SOAP_ACTION}"`, Accept: 'text/xml' },
      body: buildApproveRequest(fields),
      signal,
      redirect: 'error',
    });
    body = await readCapped(response, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE, where);
  } catch (err) {
    if (err instanceof KcpTradeMalformedError) throw err;
    if (isTimeout(err) || signal.aborted) throw timeoutError();
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new KcpTradeHttpError(`Trade registration for order ${fields.orderID}: could not reach ${where} (${reason}). Check DNS and outbound HTTPS (port 443) to KCP.`, undefined, { cause: err });
  }
  return registration(fields, interpret(response.status, body, fields.orderID, where), endpoint);
}

type RequestFields = ReturnType<typeof requestFields>;
type Answer = Pick<TradeRegistration, 'approvalKey' | 'payUrl' | 'resCd' | 'resMsg'>;

/** What was registered (the request's checked fields, so sm_form shows exactly this trade) and KCP's answer. */
function registration(fields: RequestFields, answer: Answer, endpoint: string): TradeRegistration {
  return Object.freeze({
    ordrIdxx: fields.orderID,
    amount: fields.paymentAmount,
    goodName: fields.productName,
    payMethod: fields.paymentMethod,
    returnUrl: fields.returnUrl,
    escrow: fields.escrow,
    ...answer,
    endpoint,
  });
}

/**
 * The REST registration: the same checked fields through the gateway (its certificate, host and time limits), and its
 * failures as the same KcpTradeError family as SOAP's — a registration charges nothing, so none of them is "unknown".
 */
async function registerOnGateway(gateway: TradeGateway, conf: Pick<SiteConfData, 'siteCd'>, fields: RequestFields, options: TradeOptions): Promise<TradeRegistration> {
  if (gateway.siteCd !== undefined && gateway.siteCd !== conf.siteCd) {
    // sm_form carries conf's site code: a trade registered for another site would not open in KCP's window.
    throw new KcpConfigError(
      `options.gateway: is for site ${gateway.siteCd}, the configuration for site ${conf.siteCd}. Fix: pass the gateway built from the same configuration (payplus.gateway, RestGateway.fromConfig(conf))`,
      { field: 'gateway' },
    );
  }
  for (const name of ['endpoint', 'timeoutMs', 'maxResponseBytes'] as const) {
    if (options[name] !== undefined) {
      throw new KcpConfigError(
        `options.${name}: applies to the SOAP registration only; with a REST gateway the PG-API host and its time limits come from the gateway. Fix: leave options.${name} out (or set them on the RestGateway)`,
        { field: name },
      );
    }
  }
  const endpoint = gateway.baseUrl ? new URL(REST_PATHS.tradeRegister, gateway.baseUrl).href : REST_PATHS.tradeRegister;
  const prefix = `Trade registration for order ${fields.orderID}`;
  try {
    const answer = await gateway.registerTrade({
      orderId: fields.orderID,
      amount: Number(fields.paymentAmount),
      goodName: fields.productName,
      payMethod: fields.paymentMethod,
      returnUrl: fields.returnUrl,
      escrow: fields.escrow,
      userAgent: fields.userAgent,
    });
    return registration(fields, { approvalKey: answer.approvalKey, payUrl: answer.payUrl, resCd: answer.raw.Code ?? '0000', resMsg: answer.raw.Message ?? '' }, endpoint);
  } catch (err) {
    if (!(err instanceof KcpError)) throw err;
    // An answer from KCP carries its code, whatever class the classifier gave it (3014 is a KcpConfigError there).
    if (err.resCd === '0000') {
      throw new KcpTradeMalformedError(`${prefix}: ${endpoint} answered 0000 without an approvalKey or a PayUrl. Check the endpoint.`, { cause: err });
    }
    if (err.resCd) {
      throw new KcpTradeRefusedError(`${prefix}: KCP refused it with ${err.resCd} ${err.resMsg ?? ''}.`, { resCd: err.resCd, resMsg: err.resMsg, raw: err.raw, cause: err });
    }
    if (err instanceof KcpInputError || err instanceof KcpConfigError) throw err; // nothing was sent
    throw new KcpTradeHttpError(`${prefix}: no complete answer from ${endpoint} (${err.message}). Nothing is charged by a registration; try again.`, undefined, { cause: err });
  }
}

/** Turns an HTTP status and body into the registration or the matching typed error. */
function interpret(status: number, xml: string, orderId: string, where: string): Answer {
  const prefix = `Trade registration for order ${orderId}`;
  let body: Record<string, unknown> | undefined;
  let readProblem: string | undefined;
  try {
    body = readBody(xml);
  } catch (err) {
    if (!(err instanceof SoapReadError)) throw err;
    readProblem = err.message;
  }
  const fault = body ? readFault(body) : undefined;
  if (fault) {
    throw new KcpTradeSoapFaultError(
      `${prefix}: ${where} answered a SOAP fault (${fault.faultCode}: ${fault.faultString}). KCP's sample reports this as 95XX; check the request fields and the endpoint.`,
      fault.faultCode,
      { resMsg: fault.faultString, resEnMsg: fault.faultCode },
    );
  }
  if (status < 200 || status > 299) {
    throw new KcpTradeHttpError(`${prefix}: ${where} answered HTTP ${status}. Try again later; check the endpoint if it persists.`, status);
  }
  if (!body) throw new KcpTradeMalformedError(`${prefix}: ${where} answered, but ${readProblem}. Check the endpoint.`);
  let answer;
  try {
    answer = readApproveResponse(body);
  } catch (err) {
    if (!(err instanceof SoapReadError)) throw err;
    throw new KcpTradeMalformedError(`${prefix}: ${where} answered, but ${err.message}. Check the endpoint.`);
  }
  if (answer.code !== '0000') {
    if (answer.code === '') throw new KcpTradeMalformedError(`${prefix}: ${where} answered without baseResponseType/error/code. Check the endpoint.`);
    throw new KcpTradeRefusedError(
      `${prefix}: KCP refused it with ${answer.code} ${answer.message}${answer.detail ? ` (${answer.detail})` : ''}.`,
      { resCd: answer.code, resMsg: answer.message, raw: { code: answer.code, message: answer.message, detail: answer.detail } },
    );
  }
  if (answer.approvalKey === '' || !/^https?:\/\//i.test(answer.payUrl)) {
    throw new KcpTradeMalformedError(`${prefix}: ${where} answered 0000 without an approvalKey or an http(s) payUrl. Check the endpoint.`);
  }
  return { approvalKey: answer.approvalKey, payUrl: answer.payUrl, resCd: answer.code, resMsg: answer.message };
}
