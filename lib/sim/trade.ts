/**
 * The simulator's trade registration (KCPPaymentService `approve`, SOAP 1.1) and the smartphone window's entry check.
 * Registrations are kept in memory (at most MAX_TRADES, oldest dropped) so the window can verify that sm_form carries
 * exactly the registered trade. Answers *[sim]*: an unknown site code → 3014; an amount that is not a positive integer
 * → 8105; a request that is not approve/req, or lacks orderID/returnUrl/paymentMethod → a SOAP Client fault.
 * Test triggers: an order id ending in `_SOAPFAULT` → a SOAP Server fault; an amount ending in 993 → the answer is
 * held back (`slow`), as the gateway does for its slow answers.
 */
import { randomBytes } from 'node:crypto';
import { isHttpUrl } from '../config/rules.js';
import { amountText } from '../protocol/validate.js';
import { SMARTPHONE_PAY_METHODS } from '../trade/pay-method.js';
import { buildApproveResponse, buildSoapFault, readApproveRequest, readBody, SoapReadError, type ApproveRequestXml } from '../trade/soap.js';
import { CODES } from './codes.js';
import type { PayMethod } from './token.js';

/** What one registration holds; the smartphone window must match it field for field. */
export interface SimTrade {
  approvalKey: string;
  siteCd: string;
  ordrIdxx: string;
  amount: string;
  payMethod: string;
  productName: string;
  returnUrl: string;
  escrow: boolean;
}

const MAX_TRADES = 10_000;

/** sm_form pay_method code → the simulator's method. */
export const SMARTPHONE_METHODS: Readonly<Record<string, PayMethod>> = Object.freeze(
  Object.fromEntries(Object.entries(SMARTPHONE_PAY_METHODS).map(([name, code]) => [code, name as PayMethod])),
);

export interface SoapAnswer {
  status: number;
  xml: string;
  /** Hold the answer back (amount ending in 993). */
  slow?: boolean;
}

export const SOAP_FAULT_ORDER_SUFFIX = '_SOAPFAULT';

export class TradeRegistry {
  readonly trades = new Map<string, SimTrade>();

  constructor(private readonly sites: Readonly<Record<string, string>>, private readonly now: () => Date) {}

  /** One SOAP exchange: the request body in, the HTTP status and XML out. */
  handle(xml: string, payUrl: string): SoapAnswer {
    let req: ApproveRequestXml;
    try {
      req = readApproveRequest(readBody(xml));
    } catch (err) {
      if (!(err instanceof SoapReadError)) throw err;
      return this.fault(`unreadable approve request: ${err.message}`);
    }
    const missing = (['orderID', 'paymentMethod', 'returnUrl'] as const).filter((k) => req[k] === '');
    if (missing.length > 0) return this.fault(`approve request without ${missing.join(', ')}`);
    if (!SMARTPHONE_METHODS[req.paymentMethod]) return this.fault(`paymentMethod "${req.paymentMethod}" is not one of ${Object.keys(SMARTPHONE_METHODS).join(', ')}`);
    if (!isHttpUrl(req.returnUrl)) return this.fault('returnUrl is not an http(s) URL');
    if (req.orderID.endsWith(SOAP_FAULT_ORDER_SUFFIX)) return this.fault('simulated service exception (order id ends in _SOAPFAULT)', 'soapenv:Server');
    if (!Object.prototype.hasOwnProperty.call(this.sites, req.siteCode)) return this.answer(CODES.unregistered, '', '');
    if (amountText(req.paymentAmount) === undefined) return this.answer(CODES.formatAmount, '', '');
    const trade: SimTrade = {
      approvalKey: randomBytes(24).toString('base64url'),
      siteCd: req.siteCode,
      ordrIdxx: req.orderID,
      amount: req.paymentAmount,
      payMethod: req.paymentMethod,
      productName: req.productName,
      returnUrl: req.returnUrl,
      escrow: req.escrow,
    };
    if (this.trades.size >= MAX_TRADES) this.trades.delete(this.trades.keys().next().value!);
    this.trades.set(trade.approvalKey, trade);
    return { ...this.answer(CODES.ok, trade.approvalKey, payUrl), slow: trade.amount.endsWith('993') };
  }

  /** Why a posted sm_form does not match its registration (Korean, shown in the window), or undefined. */
  check(fields: Readonly<Record<string, string>>): { trade: SimTrade } | { problem: string } {
    const trade = this.trades.get(fields.approval_key ?? '');
    if (!trade) return { problem: '등록되지 않은 거래입니다 (approval_key)' };
    const pairs: Array<[string, string, string]> = [
      ['site_cd', fields.site_cd ?? '', trade.siteCd],
      ['ordr_idxx', fields.ordr_idxx ?? '', trade.ordrIdxx],
      ['good_mny', fields.good_mny ?? '', trade.amount],
      ['pay_method', fields.pay_method ?? '', trade.payMethod],
      ['Ret_URL', fields.Ret_URL ?? '', trade.returnUrl],
    ];
    const wrong = pairs.filter(([, got, want]) => got !== want).map(([name]) => name);
    if (wrong.length > 0) return { problem: `거래등록 정보와 다릅니다: ${wrong.join(', ')}` };
    return { trade };
  }

  private answer(code: { resCd: string; resMsg: string; resEnMsg: string }, approvalKey: string, payUrl: string): SoapAnswer {
    return {
      status: 200,
      xml: buildApproveResponse({ approvalKey, payUrl: approvalKey ? payUrl : '', code: code.resCd, message: code.resMsg, detail: code.resEnMsg }, this.now()),
    };
  }

  private fault(reason: string, faultCode = 'soapenv:Client'): SoapAnswer {
    return { status: 500, xml: buildSoapFault({ faultCode, faultString: reason }) };
  }
}
