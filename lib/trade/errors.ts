/**
 * What can go wrong when registering a trade for the smartphone window. Each kind is its own class so a merchant can
 * tell them apart with instanceof; all are KcpErrors with KCP's code and message when KCP gave one. Nothing is ever
 * charged by a trade registration, so every one of them is safe to retry (outcomeKnown stays true).
 */
import { KcpError, type KcpErrorCode, type KcpErrorOptions } from '../errors.js';

export type TradeErrorKind = 'soap_fault' | 'http_error' | 'refused' | 'malformed' | 'timeout';

/** KCP's own sample answers a SOAP fault with this res_cd (its KCPComLibrary turns every fault into "95XX"). */
export const SOAP_FAULT_RES_CD = '95XX';

/** The base class: `kind` says which of the five it is. */
export class KcpTradeError extends KcpError {
  readonly kind: TradeErrorKind;

  constructor(kind: TradeErrorKind, code: KcpErrorCode, message: string, options: KcpErrorOptions = {}) {
    super(code, message, options);
    this.kind = kind;
  }
}

/** KCP answered with a SOAP Fault (faultcode/faultstring in resEnMsg/resMsg; resCd 95XX as in KCP's sample). */
export class KcpTradeSoapFaultError extends KcpTradeError {
  readonly faultCode: string;

  constructor(message: string, faultCode: string, options: KcpErrorOptions = {}) {
    super('soap_fault', 'gateway_refused', message, { resCd: SOAP_FAULT_RES_CD, ...options });
    this.faultCode = faultCode;
  }
}

/** The HTTP exchange failed: a non-2xx status without a SOAP Fault, or the connection itself. */
export class KcpTradeHttpError extends KcpTradeError {
  /** The HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options: KcpErrorOptions = {}) {
    super('http_error', 'connection_failed', message, options);
    this.status = status;
  }
}

/** KCP answered, but with an error code other than 0000 (resCd/resMsg are KCP's). */
export class KcpTradeRefusedError extends KcpTradeError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('refused', 'gateway_refused', message, options);
  }
}

/** The answer was not the SOAP document the WSDL describes (not XML, no approveResponse, no approvalKey/payUrl). */
export class KcpTradeMalformedError extends KcpTradeError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('malformed', 'gateway_refused', message, options);
  }
}

/** No complete answer within the time limit. */
export class KcpTradeTimeoutError extends KcpTradeError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('timeout', 'connection_failed', message, options);
  }
}
