/**
 * What can go wrong when registering a trade for the smartphone window. Each kind is its own class so a merchant can
 * tell them apart with instanceof, and each is the SDK's class for what to do next — a KcpConnectionError when KCP
 * could not be reached or did not answer in time, a KcpGatewayError when KCP answered with a refusal or something
 * unreadable — so `code`, `name` and `instanceof` agree as for every KcpError. `err instanceof KcpTradeError` tells a
 * registration failure from the rest, and `kind` says which of the five it is. Nothing is ever charged by a trade
 * registration, so every one of them is safe to retry (outcomeKnown stays true).
 */
import { KcpConnectionError, KcpError, KcpGatewayError, type KcpErrorOptions } from '../errors.js';

export type TradeErrorKind = 'soap_fault' | 'http_error' | 'refused' | 'malformed' | 'timeout';

/** KCP's own sample answers a SOAP fault with this res_cd (its KCPComLibrary turns every fault into "95XX"). */
export const SOAP_FAULT_RES_CD = '95XX';

const TRADE = Symbol('kcp-payplus.trade-error');

/**
 * The trade-registration family. Not a base class (each member extends the class of its error code); `instanceof`
 * recognises every member. Never constructed itself.
 */
export abstract class KcpTradeError extends KcpError {
  declare readonly kind: TradeErrorKind;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof KcpError && (value as unknown as Record<symbol, unknown>)[TRADE] === true;
  }
}

function brand(error: KcpError, kind: TradeErrorKind): void {
  Object.defineProperty(error, TRADE, { value: true });
  Object.defineProperty(error, 'kind', { value: kind, enumerable: true });
}

/** KCP answered with a SOAP Fault (faultcode/faultstring in resEnMsg/resMsg; resCd 95XX as in KCP's sample). */
export class KcpTradeSoapFaultError extends KcpGatewayError {
  declare readonly kind: 'soap_fault';
  readonly faultCode: string;

  constructor(message: string, faultCode: string, options: KcpErrorOptions = {}) {
    super(message, { resCd: SOAP_FAULT_RES_CD, ...options });
    brand(this, 'soap_fault');
    this.faultCode = faultCode;
  }
  override get name(): string {
    return 'KcpTradeSoapFaultError';
  }
}

/** The HTTP exchange failed: a non-2xx status without a SOAP Fault, or the connection itself. */
export class KcpTradeHttpError extends KcpConnectionError {
  declare readonly kind: 'http_error';
  /** The HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options: KcpErrorOptions = {}) {
    super(message, options);
    brand(this, 'http_error');
    this.status = status;
  }
  override get name(): string {
    return 'KcpTradeHttpError';
  }
}

/** KCP answered, but with an error code other than 0000 (resCd/resMsg are KCP's). */
export class KcpTradeRefusedError extends KcpGatewayError {
  declare readonly kind: 'refused';

  constructor(message: string, options: KcpErrorOptions = {}) {
    super(message, options);
    brand(this, 'refused');
  }
  override get name(): string {
    return 'KcpTradeRefusedError';
  }
}

/** The answer was not the SOAP document the WSDL describes (not XML, no approveResponse, no approvalKey/payUrl). */
export class KcpTradeMalformedError extends KcpGatewayError {
  declare readonly kind: 'malformed';

  constructor(message: string, options: KcpErrorOptions = {}) {
    super(message, options);
    brand(this, 'malformed');
  }
  override get name(): string {
    return 'KcpTradeMalformedError';
  }
}

/** No complete answer within the time limit. */
export class KcpTradeTimeoutError extends KcpConnectionError {
  declare readonly kind: 'timeout';

  constructor(message: string, options: KcpErrorOptions = {}) {
    super(message, options);
    brand(this, 'timeout');
  }
  override get name(): string {
    return 'KcpTradeTimeoutError';
  }
}
