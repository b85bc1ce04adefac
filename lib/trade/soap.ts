/**
 * The XML of KCP's trade registration (KCPPaymentService, operation `approve`, SOAP 1.1, document/literal), as its
 * WSDL describes it: every element is namespace-qualified (elementFormDefault="qualified"): `approve`/`req` and
 * `approveResponse`/`return` in the service namespace, the fields of ApproveReq/ApproveRes in the payment namespace,
 * the fields of AccessCredentialType/BaseRequestType/BaseResponseType/ErrorType in the domain namespace.
 *
 * Built and read with fast-xml-parser: values are escaped by the builder and unescaped by the parser, never by hand.
 * Reading matches local names (prefixes are the sender's choice) and refuses a DOCTYPE (SOAP forbids one).
 * Both sides live here: the client (register.ts) and the simulator's endpoint use the same vocabulary.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SERVICE_NS = 'http://webservice.act.webpay.service.kcp.kr';
export const PAYMENT_NS = 'http://payment.domain.webpay.service.kcp.kr/xsd';
export const DOMAIN_NS = 'http://domain.webpay.service.kcp.kr/xsd';
export const SOAP_ACTION = 'urn:approve';

/** ApproveReq, flattened. Every value is already in its final text form. */
export interface ApproveRequestXml {
  siteCode: string;
  orderID: string;
  paymentAmount: string;
  paymentMethod: string;
  productName: string;
  returnUrl: string;
  escrow: boolean;
  /** baseRequestType.requestID: KCP's sample sends the order id. */
  requestID: string;
  userAgent: string;
}

/** ApproveRes, flattened: approvalKey, payUrl and baseResponseType.error. */
export interface ApproveResponseXml {
  approvalKey: string;
  payUrl: string;
  code: string;
  message: string;
  detail: string;
}

/** A SOAP 1.1 Fault. */
export interface SoapFault {
  faultCode: string;
  faultString: string;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

const DECLARATION = { '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' } };

function envelope(body: Record<string, unknown>, namespaces: Record<string, string>): string {
  return builder.build({ ...DECLARATION, 'soapenv:Envelope': { '@_xmlns:soapenv': SOAP_ENV_NS, ...namespaces, 'soapenv:Body': body } });
}

/** The request body KCP's endpoint expects (empty credentials, as KCP's own sample sends them). */
export function buildApproveRequest(r: ApproveRequestXml): string {
  return envelope(
    {
      'ns:approve': {
        'ns:req': {
          'pay:accessCredentialType': { 'dom:accessLicense': '', 'dom:signature': '', 'dom:timestamp': '' },
          'pay:baseRequestType': {
            'dom:detailLevel': '0',
            'dom:requestApp': 'WEB',
            'dom:requestID': r.requestID,
            'dom:userAgent': r.userAgent,
            'dom:version': '0.1',
          },
          'pay:escrow': r.escrow ? 'true' : 'false',
          'pay:orderID': r.orderID,
          'pay:paymentAmount': r.paymentAmount,
          'pay:paymentMethod': r.paymentMethod,
          'pay:productName': r.productName,
          'pay:returnUrl': r.returnUrl,
          'pay:siteCode': r.siteCode,
        },
      },
    },
    { '@_xmlns:ns': SERVICE_NS, '@_xmlns:pay': PAYMENT_NS, '@_xmlns:dom': DOMAIN_NS },
  );
}

/** The answer the endpoint gives (the simulator's side). */
export function buildApproveResponse(r: ApproveResponseXml, now: Date): string {
  return envelope(
    {
      'ns:approveResponse': {
        'ns:return': {
          'pay:approvalKey': r.approvalKey,
          'pay:baseResponseType': {
            'dom:detailLevel': '0',
            'dom:error': { 'dom:code': r.code, 'dom:detail': r.detail, 'dom:message': r.message },
            'dom:messageID': '',
            'dom:responseType': r.code === '0000' ? 'SUCCESS' : 'ERROR',
            'dom:timestamp': now.toISOString(),
            'dom:version': '0.1',
          },
          'pay:payUrl': r.payUrl,
        },
      },
    },
    { '@_xmlns:ns': SERVICE_NS, '@_xmlns:pay': PAYMENT_NS, '@_xmlns:dom': DOMAIN_NS },
  );
}

export function buildSoapFault(fault: SoapFault): string {
  return envelope({ 'soapenv:Fault': { faultcode: fault.faultCode, faultstring: fault.faultString } }, {});
}

/** Why a document could not be read; the caller turns it into its own error. */
export class SoapReadError extends Error {}

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A child element's text ('' for an empty element, undefined when absent or not text). */
function text(node: Node | undefined, name: string): string | undefined {
  const v = node?.[name];
  if (typeof v === 'string') return v;
  if (v === '' || v === undefined) return undefined;
  return undefined;
}

function child(node: Node | undefined, name: string): Node | undefined {
  const v = node?.[name];
  if (isNode(v)) return v;
  // An empty element parses as '': treat it as an empty node.
  return v === '' ? {} : undefined;
}

/** Parses an envelope and returns its Body; throws SoapReadError when the text is not a SOAP envelope. */
export function readBody(xml: string): Node {
  if (xml.trim() === '') throw new SoapReadError('the answer is empty');
  if (/<!DOCTYPE/i.test(xml)) throw new SoapReadError('the answer has a DOCTYPE, which SOAP forbids');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new SoapReadError(`the answer is not well-formed XML (${valid.err.msg} at line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const body = child(child(doc, 'Envelope'), 'Body');
  if (!body) throw new SoapReadError('the answer is XML but not a SOAP envelope with a Body');
  return body;
}

/** The Fault in a Body, if there is one. */
export function readFault(body: Node): SoapFault | undefined {
  const fault = child(body, 'Fault');
  if (!fault) return undefined;
  return { faultCode: text(fault, 'faultcode') ?? '', faultString: text(fault, 'faultstring') ?? '' };
}

/** approveResponse/return; throws SoapReadError when the Body holds something else. */
export function readApproveResponse(body: Node): ApproveResponseXml {
  const ret = child(child(body, 'approveResponse'), 'return');
  if (!ret) throw new SoapReadError('the Body has no approveResponse/return element');
  const error = child(child(ret, 'baseResponseType'), 'error');
  return {
    approvalKey: text(ret, 'approvalKey') ?? '',
    payUrl: text(ret, 'payUrl') ?? '',
    code: text(error, 'code') ?? '',
    message: text(error, 'message') ?? '',
    detail: text(error, 'detail') ?? '',
  };
}

/** approve/req (the simulator's side); throws SoapReadError when the Body holds something else. */
export function readApproveRequest(body: Node): ApproveRequestXml {
  const req = child(child(body, 'approve'), 'req');
  if (!req) throw new SoapReadError('the Body has no approve/req element');
  const base = child(req, 'baseRequestType');
  return {
    siteCode: text(req, 'siteCode') ?? '',
    orderID: text(req, 'orderID') ?? '',
    paymentAmount: text(req, 'paymentAmount') ?? '',
    paymentMethod: text(req, 'paymentMethod') ?? '',
    productName: text(req, 'productName') ?? '',
    returnUrl: text(req, 'returnUrl') ?? '',
    escrow: text(req, 'escrow') === 'true',
    requestID: text(base, 'requestID') ?? '',
    userAgent: text(base, 'userAgent') ?? '',
  };
}
