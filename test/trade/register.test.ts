/**
 * registerTrade against XML written from KCPPaymentService.wsdl (served by a canned local server) and against the
 * simulator: success, SOAP fault, non-0000 answer, malformed XML, HTTP error, timeout — each a typed error with KCP's
 * code and message — plus the exact request the client sends. With a REST gateway: the same registration on the
 * simulator's PG-API (/std/tradeReg/register), and its failures in the same KcpTradeError family.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiteConf } from '../../lib/config/index.js';
import { KcpConfigError, KcpError, KcpInputError, KcpOutcomeUnknownError, resultError } from '../../lib/errors.js';
import { RestGateway, type RestCredentials } from '../../lib/gateway/index.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import type { RestSimulator } from '../../lib/sim/rest/index.js';
import { startRestPair, type RestPair } from '../helpers/rest-conf.js';
import {
  KcpTradeError,
  KcpTradeHttpError,
  KcpTradeMalformedError,
  KcpTradeRefusedError,
  KcpTradeSoapFaultError,
  KcpTradeTimeoutError,
  registerTrade,
  tradeRegistrationUrl,
  type TradeGateway,
  type TradeRequest,
} from '../../lib/trade/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(here, '..', 'fixtures', 'trade', name), 'utf8');

const conf = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', window: 'standard-web' });
const REQUEST: TradeRequest = {
  ordrIdxx: 'ORD-20261128-0001',
  amount: 89000,
  goodName: '기계식 키보드 (블랙)',
  payMethod: 'card',
  returnUrl: 'https://shop.example.com/m/return?x=1&y=2',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\r\nX: y',
  escrow: false,
};

interface Canned {
  url: string;
  requests: Array<{ headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** A loopback server answering every POST with one status and body (or never, for timeouts). */
async function canned(status: number, body: string | undefined, contentType = 'text/xml; charset=utf-8'): Promise<Canned> {
  const requests: Canned['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (body === undefined) return; // never answer
      res.writeHead(status, { 'Content-Type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/KCPPaymentService`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function rejectsWith<E extends KcpTradeError>(cls: new (...a: never[]) => E, check: (e: E) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.ok(e instanceof KcpTradeError);
    check(e);
    return true;
  };
}

describe('registerTrade against the WSDL-shaped fixtures', () => {
  let server: Canned | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends the exact SOAP 1.1 request and reads approvalKey and payUrl', async () => {
    server = await canned(200, fixture('approve-response-ok.xml'));
    const reg = await registerTrade(conf, REQUEST, { endpoint: server.url });
    assert.deepEqual({ ...reg }, {
      ordrIdxx: 'ORD-20261128-0001',
      amount: '89000',
      goodName: '기계식 키보드 (블랙)',
      payMethod: 'CARD',
      returnUrl: 'https://shop.example.com/m/return?x=1&y=2',
      escrow: false,
      approvalKey: 'aPpRoVaLkEy-0001_TEST',
      payUrl: 'https://testsmpay.kcp.co.kr/pay/mobileGW.kcp?a=1&b=2',
      resCd: '0000',
      resMsg: '정상처리',
      endpoint: server.url,
    });
    const [req] = server.requests;
    assert.equal(req!.headers['content-type'], 'text/xml; charset=utf-8');
    assert.equal(req!.headers['soapaction'], '"urn:approve"');
    assert.equal(
      req!.body,
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://webservice.act.webpay.service.kcp.kr" xmlns:pay="http://payment.domain.webpay.service.kcp.kr/xsd" xmlns:dom="http://domain.webpay.service.kcp.kr/xsd">' +
        '<soapenv:Body><ns:approve><ns:req>' +
        '<pay:accessCredentialType><dom:accessLicense/><dom:signature/><dom:timestamp/></pay:accessCredentialType>' +
        '<pay:baseRequestType><dom:detailLevel>0</dom:detailLevel><dom:requestApp>WEB</dom:requestApp><dom:requestID>ORD-20261128-0001</dom:requestID>' +
        '<dom:userAgent>Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)  X: y</dom:userAgent><dom:version>0.1</dom:version></pay:baseRequestType>' +
        '<pay:escrow>false</pay:escrow><pay:orderID>ORD-20261128-0001</pay:orderID><pay:paymentAmount>89000</pay:paymentAmount>' +
        '<pay:paymentMethod>CARD</pay:paymentMethod><pay:productName>기계식 키보드 (블랙)</pay:productName>' +
        '<pay:returnUrl>https://shop.example.com/m/return?x=1&amp;y=2</pay:returnUrl><pay:siteCode>T0000</pay:siteCode>' +
        '</ns:req></ns:approve></soapenv:Body></soapenv:Envelope>',
    );
  });

  it('turns a non-0000 answer into KcpTradeRefusedError with KCP\'s code and message', async () => {
    server = await canned(200, fixture('approve-response-refused.xml'));
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeRefusedError, (e) => {
      assert.equal(e.kind, 'refused');
      assert.equal(e.code, 'gateway_refused');
      assert.equal(e.resCd, '3014');
      assert.equal(e.resMsg, '미등록 가맹점');
      assert.equal(e.message, 'Trade registration for order ORD-20261128-0001: KCP refused it with 3014 미등록 가맹점 (unregistered merchant).');
    }));
  });

  it('turns a SOAP fault (HTTP 500) into KcpTradeSoapFaultError with 95XX, as KCP\'s sample reports it', async () => {
    server = await canned(500, fixture('soap-fault.xml'));
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeSoapFaultError, (e) => {
      assert.equal(e.kind, 'soap_fault');
      assert.equal(e.resCd, '95XX');
      assert.equal(e.faultCode, 'soapenv:Server');
      assert.equal(e.resMsg, 'Exception occurred while trying to invoke service method approve');
      assert.equal(
        e.message,
        `Trade registration for order ORD-20261128-0001: KCPPaymentService at ${server!.url} answered a SOAP fault (soapenv:Server: Exception occurred while trying to invoke service method approve). KCP's sample reports this as 95XX; check the request fields and the endpoint.`,
      );
    }));
  });

  it('turns XML that is not well-formed into KcpTradeMalformedError', async () => {
    server = await canned(200, fixture('malformed-unclosed.xml'));
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeMalformedError, (e) => {
      assert.equal(e.kind, 'malformed');
      assert.match(e.message, /^Trade registration for order ORD-20261128-0001: KCPPaymentService at \S+ answered, but the answer is not well-formed XML \(.+\)\. Check the endpoint\.$/);
    }));
  });

  it('turns a well-formed answer without approveResponse, or 0000 without a key, into KcpTradeMalformedError', async () => {
    server = await canned(200, '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><other/></soapenv:Body></soapenv:Envelope>');
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeMalformedError, (e) => {
      assert.match(e.message, /answered, but the Body has no approveResponse\/return element\. Check the endpoint\.$/);
    }));
    await server.close();
    server = await canned(200, fixture('approve-response-ok.xml').replace('aPpRoVaLkEy-0001_TEST', ''));
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeMalformedError, (e) => {
      assert.match(e.message, /answered 0000 without an approvalKey or an http\(s\) payUrl\. Check the endpoint\.$/);
    }));
  });

  it('refuses a DOCTYPE (SOAP forbids one; no entity is expanded)', async () => {
    server = await canned(200, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>');
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeMalformedError, (e) => {
      assert.match(e.message, /the answer has a DOCTYPE, which SOAP forbids/);
    }));
  });

  it('turns an HTTP error page into KcpTradeHttpError with the status', async () => {
    server = await canned(502, fixture('html-error-page.html'), 'text/html');
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url }), rejectsWith(KcpTradeHttpError, (e) => {
      assert.equal(e.kind, 'http_error');
      assert.equal(e.code, 'connection_failed');
      assert.equal(e.status, 502);
      assert.equal(e.message, `Trade registration for order ORD-20261128-0001: KCPPaymentService at ${server!.url} answered HTTP 502. Try again later; check the endpoint if it persists.`);
    }));
  });

  it('turns a refused connection into KcpTradeHttpError without a status', async () => {
    server = await canned(200, '');
    const url = server.url;
    await server.close();
    server = undefined;
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: url }), rejectsWith(KcpTradeHttpError, (e) => {
      assert.equal(e.status, undefined);
      assert.match(e.message, /could not reach KCPPaymentService at .+ \(.+\)\. Check DNS and outbound HTTPS \(port 443\) to KCP\.$/);
    }));
  });

  it('gives up after timeoutMs with KcpTradeTimeoutError', async () => {
    server = await canned(200, undefined);
    await assert.rejects(registerTrade(conf, REQUEST, { endpoint: server.url, timeoutMs: 150 }), rejectsWith(KcpTradeTimeoutError, (e) => {
      assert.equal(e.kind, 'timeout');
      assert.equal(e.outcomeKnown, true, 'a registration charges nothing');
      assert.match(e.message, /gave no complete answer within 150 ms\. Nothing is charged by a registration; try again/);
    }));
  });

  it('refuses bad input before sending anything, naming the field', async () => {
    server = await canned(200, fixture('approve-response-ok.xml'));
    const cases: Array<[Partial<TradeRequest>, string, RegExp]> = [
      [{ amount: '89,000' }, 'good_mny', /^good_mny \(order\.amount\) /],
      [{ amount: 0 }, 'good_mny', /^good_mny \(order\.amount\) /],
      [{ ordrIdxx: 'A,B' }, 'ordr_idxx', /^ordr_idxx \(order\.ordrIdxx\) contains "," /],
      [{ payMethod: 'bitcoin' as 'card' }, 'pay_method', /^pay_method \(order\.payMethod\) has the unknown smartphone method "bitcoin"\. Use one of 'card' \(CARD\), 'bank' \(BANK\), 'vbank' \(VCNT\), 'mobile' \(MOBX\)$/],
      [{ returnUrl: 'javascript:alert(1)' }, 'Ret_URL', /^Ret_URL \(order\.returnUrl\) must be an absolute http\(s\) URL/],
      [{ goodName: '상품;' }, 'good_name', /^good_name \(order\.goodName\) contains ";"/],
    ];
    for (const [change, field, message] of cases) {
      await assert.rejects(registerTrade(conf, { ...REQUEST, ...change }, { endpoint: server.url }), (e: unknown) => {
        assert.ok(e instanceof KcpInputError, String(e));
        assert.equal(e.field, field);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.equal(server.requests.length, 0);
  });
});

describe('registerTrade against the simulator', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ port: 0, slowMs: 2000 });
  });
  after(() => sim.close());

  const simConf = () =>
    SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_web.jsp` });

  it('derives the endpoint from the configuration: KCP TEST/REAL, or the simulator next to a local script', () => {
    assert.equal(tradeRegistrationUrl(conf), 'https://testsmpay.kcp.co.kr/services/KCPPaymentService');
    assert.equal(tradeRegistrationUrl({ env: 'REAL', jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_web.jsp' }), 'https://smpay.kcp.co.kr/services/KCPPaymentService.KCPPaymentServiceHttpSoap11Endpoint/');
    assert.equal(tradeRegistrationUrl(simConf()), `${sim.url}/services/KCPPaymentService`);
  });

  it('registers a trade: the simulator keeps it under the approval key it returned', async () => {
    const reg = await registerTrade(simConf(), { ...REQUEST, payMethod: 'vbank', escrow: true });
    assert.equal(reg.resCd, '0000');
    assert.match(reg.approvalKey, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(reg.payUrl, `${sim.url}/smpay/mobileGW.kcp`);
    assert.deepEqual(sim.state.trades.get(reg.approvalKey), {
      approvalKey: reg.approvalKey,
      siteCd: 'T0000',
      ordrIdxx: 'ORD-20261128-0001',
      amount: '89000',
      payMethod: 'VCNT',
      productName: '기계식 키보드 (블랙)',
      returnUrl: 'https://shop.example.com/m/return?x=1&y=2',
      escrow: true,
    });
  });

  it('gets 3014 for a site code the simulator does not know', async () => {
    const unknown = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', siteCd: 'T9999', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_web.jsp` });
    await assert.rejects(registerTrade(unknown, REQUEST), rejectsWith(KcpTradeRefusedError, (e) => {
      assert.equal(e.resCd, '3014');
      assert.equal(e.resMsg, '미등록 가맹점');
    }));
  });

  it('gets a SOAP fault for an order id ending in _SOAPFAULT', async () => {
    await assert.rejects(registerTrade(simConf(), { ...REQUEST, ordrIdxx: 'ORD_SOAPFAULT' }), rejectsWith(KcpTradeSoapFaultError, (e) => {
      assert.equal(e.faultCode, 'soapenv:Server');
      assert.equal(e.resCd, '95XX');
    }));
  });

  it('times out on a slow answer (amount ending in 993)', async () => {
    await assert.rejects(registerTrade(simConf(), { ...REQUEST, amount: 10993 }, { timeoutMs: 200 }), rejectsWith(KcpTradeTimeoutError, () => undefined));
  });
});

describe('registerTrade on a REST gateway (the PG-API host)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let credentials: RestCredentials;
  let pair: RestPair | undefined;
  before(async () => {
    pair = await startRestPair({ slowMs: 30_000 });
    ({ sim, rest, credentials } = pair);
  });
  after(() => pair?.close());

  const gateway = (siteCd = 'T0000', extra: { timeoutMs?: number } = {}) => new RestGateway({ siteCd, credentials, baseUrl: rest.url, ca: rest.caPem, ...extra });
  /** A gateway that answers with `error` and counts its calls. */
  const failing = (error: unknown) => {
    const calls: unknown[] = [];
    const gw: TradeGateway & { calls: unknown[] } = { transport: 'rest', calls, registerTrade: async (r) => { calls.push(r); throw error; } };
    return gw;
  };

  it('registers on /std/tradeReg/register with the checked fields, and nothing goes to SOAP', async () => {
    const soapTrades = sim.state.trades.size;
    const reg = await registerTrade(conf, { ...REQUEST, payMethod: 'vbank', escrow: true }, { gateway: gateway() });
    assert.deepEqual(
      [reg.ordrIdxx, reg.amount, reg.goodName, reg.payMethod, reg.returnUrl, reg.escrow, reg.resCd, reg.resMsg, reg.endpoint, reg.payUrl],
      ['ORD-20261128-0001', '89000', '기계식 키보드 (블랙)', 'VCNT', REQUEST.returnUrl, true, '0000', '정상처리', `${rest.url}/std/tradeReg/register`, `${sim.url}/smpay/mobileGW.kcp`],
    );
    const sent = rest.requests.at(-1)!;
    assert.equal(sent.path, '/std/tradeReg/register');
    const { kcp_cert_info: cert, ...fields } = sent.fields;
    assert.match(cert!, /^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=]+-----END CERTIFICATE-----$/);
    assert.deepEqual(fields, {
      site_cd: 'T0000', ordr_idxx: 'ORD-20261128-0001', good_mny: '89000', good_name: '기계식 키보드 (블랙)', pay_method: 'VCNT',
      Ret_URL: REQUEST.returnUrl, escw_used: 'Y', user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)  X: y',
    });
    // The smartphone window finds the trade under the key (one registration: the REST one).
    assert.equal(sim.state.trades.size, soapTrades + 1);
    assert.deepEqual([sim.state.trades.get(reg.approvalKey)?.ordrIdxx, sim.state.trades.get(reg.approvalKey)?.payMethod], ['ORD-20261128-0001', 'VCNT']);
  });

  it("turns the PG-API's refusal into KcpTradeRefusedError with its Code and Message", async () => {
    const t9999 = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', siteCd: 'T9999' });
    await assert.rejects(registerTrade(t9999, REQUEST, { gateway: gateway('T9999') }), rejectsWith(KcpTradeRefusedError, (e) => {
      assert.equal(e.resCd, '3014');
      assert.equal(e.resMsg, '미등록 가맹점');
      assert.equal(e.outcomeKnown, true);
    }));
  });

  it('turns no complete answer into KcpTradeHttpError (a registration charges nothing: never outcome-unknown)', async () => {
    await assert.rejects(registerTrade(conf, { ...REQUEST, amount: 10993 }, { gateway: gateway('T0000', { timeoutMs: 300 }) }), rejectsWith(KcpTradeHttpError, (e) => {
      assert.equal(e.outcomeKnown, true);
      assert.ok(e.cause instanceof KcpOutcomeUnknownError);
      assert.match(e.message, /^Trade registration for order ORD-20261128-0001: no complete answer from https:\/\/127\.0\.0\.1:\d+\/std\/tradeReg\/register \(/);
    }));
  });

  it('turns 0000 without approvalKey/PayUrl into KcpTradeMalformedError', async () => {
    const gw = failing(resultError({ res_cd: '0000', res_msg: '정상처리' }, 'trade registration', 'test'));
    await assert.rejects(registerTrade(conf, REQUEST, { gateway: gw }), rejectsWith(KcpTradeMalformedError, (e) => assert.match(e.message, /answered 0000 without an approvalKey or a PayUrl/)));
  });

  it('refuses SOAP-only options and a gateway of another site before anything is sent, naming the field', async () => {
    for (const [options, field] of [[{ endpoint: 'http://127.0.0.1:1/x' }, 'endpoint'], [{ timeoutMs: 100 }, 'timeoutMs'], [{ maxResponseBytes: 10 }, 'maxResponseBytes']] as const) {
      const gw = failing(new Error('must not be called'));
      await assert.rejects(registerTrade(conf, REQUEST, { ...options, gateway: gw }), (e: unknown) => e instanceof KcpConfigError && e.field === field && e.message.startsWith(`options.${field}: applies to the SOAP registration only`));
      assert.equal(gw.calls.length, 0, field);
    }
    const other = { ...failing(new Error('must not be called')), siteCd: 'T0007' };
    await assert.rejects(registerTrade(conf, REQUEST, { gateway: other }), (e: unknown) => e instanceof KcpConfigError && e.field === 'gateway' && /is for site T0007, the configuration for site T0000/.test(e.message));
    assert.equal(other.calls.length, 0);
    await assert.rejects(registerTrade(conf, { ...REQUEST, amount: 0 }, { gateway: failing(new Error('must not be called')) }), KcpInputError);
  });

  it("registers over SOAP when the gateway is pp_cli's", async () => {
    const ppCli: TradeGateway = { transport: 'pp_cli', registerTrade: () => assert.fail('the pp_cli gateway is not asked') };
    const simConf = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_web.jsp` });
    const before = rest.requests.length;
    const reg = await registerTrade(simConf, REQUEST, { gateway: ppCli });
    assert.equal(reg.endpoint, `${sim.url}/services/KCPPaymentService`);
    assert.equal(rest.requests.length, before);
  });

  it('keeps any other error as it is', async () => {
    const odd = new TypeError('a bug');
    await assert.rejects(registerTrade(conf, REQUEST, { gateway: failing(odd) }), (e: unknown) => e === odd);
    const input = new KcpInputError('x', { field: 'x' });
    await assert.rejects(registerTrade(conf, REQUEST, { gateway: failing(input) }), (e: unknown) => e === input && e instanceof KcpError);
  });
});
