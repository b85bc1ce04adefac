/**
 * The trade-registration XML both ways (client request ↔ simulator reader, simulator answer ↔ client reader): any text
 * survives the round trip, whatever characters it holds, because the builder escapes and the parser unescapes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildApproveRequest,
  buildApproveResponse,
  buildSoapFault,
  readApproveRequest,
  readApproveResponse,
  readBody,
  readFault,
  SoapReadError,
  type ApproveRequestXml,
} from '../../lib/trade/soap.js';

/** Text the SDK lets through (checked fields refuse control characters; the User-Agent has them replaced), trimmed as the reader trims. */
const xmlText = fc
  .string({ unit: fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", ']]>', '홍', '길', '동', ' ', '\t'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 40 })
  .map((s) => s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '').trim());

describe('trade registration XML', () => {
  it('reads back every request field the client wrote, for any text', () => {
    fc.assert(
      fc.property(xmlText, xmlText, xmlText, xmlText, fc.boolean(), (orderID, productName, returnUrl, userAgent, escrow) => {
        const request: ApproveRequestXml = {
          siteCode: 'T0000', orderID, paymentAmount: '89000', paymentMethod: 'CARD', productName, returnUrl, escrow, requestID: orderID, userAgent,
        };
        assert.deepEqual(readApproveRequest(readBody(buildApproveRequest(request))), request);
      }),
      { numRuns: 200 },
    );
  });

  it('reads back every answer field the simulator wrote, and faults as faults', () => {
    fc.assert(
      fc.property(xmlText, xmlText, xmlText, (approvalKey, message, detail) => {
        const answer = { approvalKey, payUrl: 'https://testsmpay.kcp.co.kr/pay/mobileGW.kcp?a=1&b=2', code: '0000', message, detail };
        assert.deepEqual(readApproveResponse(readBody(buildApproveResponse(answer, new Date(0)))), answer);
        const fault = readFault(readBody(buildSoapFault({ faultCode: 'soapenv:Client', faultString: message })));
        assert.deepEqual(fault, { faultCode: 'soapenv:Client', faultString: message });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what is not a SOAP envelope', () => {
    for (const [xml, why] of [
      ['', 'the answer is empty'],
      ['<a><b></a>', 'the answer is not well-formed XML'],
      ['<?xml version="1.0"?><x/>', 'the answer is XML but not a SOAP envelope with a Body'],
      ['<!DOCTYPE x><x/>', 'the answer has a DOCTYPE, which SOAP forbids'],
    ] as const) {
      assert.throws(() => readBody(xml), (e: unknown) => e instanceof SoapReadError && e.message.startsWith(why), xml);
    }
  });
});
