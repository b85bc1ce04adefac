/**
 * The REST transport against the simulator's PG-API over https on 127.0.0.1 with the simulator's own CA: approval,
 * cancel, partial cancel (rem_mny, tax split), inquiry, trade registration, batch key / hub charge / key delete, and
 * the failure classes (time-out after send, oversized or cut answer → unknown; refused connection → connection error).
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  KcpAlreadyCancelledError,
  KcpAmountMismatchError,
  KcpConnectionError,
  KcpError,
  KcpGatewayError,
  KcpInputError,
  KcpOutcomeUnknownError,
} from '../../lib/errors.js';
import { RestCredentials, RestGateway } from '../../lib/gateway/index.js';
import { postJson, DEFAULT_REST_HTTP } from '../../lib/gateway/rest/http.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';
import { closedPort, startRestPair, type RestPair } from '../helpers/rest-conf.js';

describe('REST transport against the simulator (https, own CA)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let credentials: RestCredentials;
  let seq = 0;
  const orderId = () => `REST${process.pid}${Date.now()}${++seq}`;
  const client = (extra: Partial<ConstructorParameters<typeof RestGateway>[0]> = {}) =>
    new RestGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem, ...extra });

  let pair: RestPair | undefined;
  before(async () => {
    pair = await startRestPair({ slowMs: 30_000 });
    ({ sim, rest, credentials } = pair);
  });
  after(() => pair?.close());

  async function paid(amount = 15000, method: 'card' | 'bank' | 'vbank' | 'mobile' = 'card') {
    const id = orderId();
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: amount, method });
    const approval = await client().approve({ orderId: id, amount, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    return { id, approval };
  }

  it('approves a card payment: the typed approval is KCP\'s answer, sent as JSON strings with ordr_mony from the order', async () => {
    const { id, approval } = await paid(15000);
    assert.equal(approval.method, 'card');
    assert.equal(approval.resCd, '0000');
    assert.match(approval.tno, /^\d{14}$/);
    assert.equal(approval.amount, 15000);
    assert.equal(approval.orderNo, id);
    assert.equal(approval.payMethod, 'PACA');
    const req = rest.requests.at(-1)!;
    assert.equal(req.path, '/gw/enc/v1/payment');
    assert.equal(req.contentType, 'application/json');
    assert.deepEqual(Object.keys(req.fields).sort(), ['enc_data', 'enc_info', 'kcp_cert_info', 'ordr_mony', 'site_cd', 'tran_cd']);
    assert.ok(Object.values(req.fields).every((v) => typeof v === 'string'));
    assert.equal(req.fields.ordr_mony, '15000');
    assert.match(req.fields.kcp_cert_info!, /^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=]+-----END CERTIFICATE-----$/);
    // Every answered field is in raw, as answered.
    assert.deepEqual({ ...approval.raw }, req.answer);
  });

  it('bank transfer, virtual account and mobile approvals come out typed per method', async () => {
    assert.equal((await paid(2000, 'bank')).approval.method, 'bank');
    const vbank = (await paid(3000, 'vbank')).approval;
    assert.equal(vbank.method, 'vbank');
    if (vbank.method === 'vbank') assert.ok(vbank.account.length > 0);
    assert.equal((await paid(4000, 'mobile')).approval.method, 'mobile');
  });

  it('ordr_mony other than the window\'s amount → 8059 KcpAmountMismatchError', async () => {
    const id = orderId();
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 1000 });
    await assert.rejects(
      client().approve({ orderId: id, amount: 100, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd }),
      (err: unknown) => err instanceof KcpAmountMismatchError && err.resCd === '8059',
    );
  });

  it('refuses a non-integer amount before sending (KcpInputError naming the field)', async () => {
    const before = rest.requests.length;
    await assert.rejects(
      client().approve({ orderId: 'X', amount: 10.5, encData: 'a', encInfo: 'b', tranCd: '00100000' }),
      (err: unknown) => err instanceof KcpInputError && err.field === 'amount',
    );
    assert.equal(rest.requests.length, before);
  });

  it('cancels (STSC, signed), the inquiry proves it, a second cancel is already-cancelled (8133)', async () => {
    const { approval } = await paid(5000);
    const gw = client();
    const res = await gw.modify({ kind: 'cancel', tno: approval.tno, reason: '고객 요청' });
    assert.equal(res.resCd, '0000');
    assert.equal(res.tno, approval.tno);
    const sent = rest.requests.at(-1)!.fields;
    assert.equal(sent.mod_type, 'STSC');
    assert.equal(sent.mod_desc, '고객 요청');
    const proof = await gw.inquire({ tno: approval.tno, payType: 'PACA' });
    assert.equal(proof.kind, 'proof');
    if (proof.kind === 'proof') {
      assert.equal(proof.state, 'cancelled');
      assert.equal(proof.statusCode, 'STSC');
      assert.equal(proof.amount, 5000);
      assert.equal(proof.remainingAmount, 0);
    }
    await assert.rejects(gw.modify({ kind: 'cancel', tno: approval.tno }), (e: unknown) => e instanceof KcpAlreadyCancelledError && e.resCd === '8133');
  });

  it('partial cancel with rem_mny: balance from the ledger, a wrong rem_mny refused, STSC after a partial refused (8038), the rest by STPC', async () => {
    const { approval } = await paid(10000);
    const gw = client();
    const first = await gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 2000, cancellableBalance: 10000 });
    assert.equal(first.cancelledAmount, 2000);
    assert.equal(first.remainingAmount, 8000);
    assert.equal(first.raw.mod_pcan_seq_no?.length, 14);
    await assert.rejects(
      gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 1000, cancellableBalance: 10000 }),
      (e: unknown) => e instanceof KcpGatewayError && e.resCd === '8735',
    );
    await assert.rejects(gw.modify({ kind: 'cancel', tno: approval.tno }), (e: unknown) => e instanceof KcpError && e.resCd === '8038');
    const taxed = await gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 1100, cancellableBalance: 8000, tax: { taxAmount: 1000, vatAmount: 100, freeAmount: 0 } });
    assert.equal(taxed.remainingAmount, 6900);
    const sent = rest.requests.at(-1)!.fields;
    assert.deepEqual([sent.tax_flag, sent.mod_tax_mny, sent.mod_vat_mny, sent.mod_free_mny, sent.mod_mny, sent.rem_mny], ['TG03', '1000', '100', '0', '1100', '8000']);
    await assert.rejects(
      gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 1100, cancellableBalance: 6900, tax: { taxAmount: 1000, vatAmount: 0, freeAmount: 0 } }),
      (e: unknown) => e instanceof KcpInputError && e.field === 'tax',
    );
    const rest2 = await gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 6900, cancellableBalance: 6900 });
    assert.equal(rest2.remainingAmount, 0);
    const proof = await gw.inquire({ tno: approval.tno, payType: 'PACA' });
    assert.equal(proof.kind === 'proof' && proof.state, 'cancelled');
  });

  it('inquiry: proof of an approval; an unknown tno or a wrong pay_type is unknown (with KCP\'s code), never a throw', async () => {
    const { approval, id } = await paid(7000);
    const proof = await client().inquire({ tno: approval.tno, payType: 'PACA' });
    assert.equal(proof.kind, 'proof');
    if (proof.kind === 'proof') {
      assert.deepEqual([proof.state, proof.orderNo, proof.amount, proof.remainingAmount, proof.payMethod], ['approved', id, 7000, 7000, 'PACA']);
    }
    const missing = await client().inquire({ tno: '20000101000000', payType: 'PACA' });
    assert.equal(missing.kind, 'unknown');
    assert.equal(missing.kind === 'unknown' && missing.resCd, '8120');
    const wrongType = await client().inquire({ tno: approval.tno, payType: 'PABK' });
    assert.equal(wrongType.kind === 'unknown' && wrongType.resCd, 'R104');
  });

  it('smartphone trade registration: Code/approvalKey/PayUrl, registered for the smartphone window', async () => {
    const id = orderId();
    const reg = await client().registerTrade({ orderId: id, amount: 3000, goodName: '상품', payMethod: 'CARD', returnUrl: 'http://127.0.0.1:1/ret' });
    assert.equal(reg.payUrl, `${sim.url}/smpay/mobileGW.kcp`);
    assert.equal(reg.raw.Code, '0000');
    const trade = sim.state.trades.get(reg.approvalKey);
    assert.deepEqual([trade?.ordrIdxx, trade?.amount, trade?.payMethod], [id, '3000', 'CARD']);
  });

  it('recurring billing: batch key issue, hub charge (inquired and cancelled like any card payment), key delete', async () => {
    const gw = client();
    const win = rest.batchWindow({ siteCd: 'T0000', groupId: 'BA0011000348' });
    const key = await gw.issueBatchKey({ encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    assert.match(key.batchKey, /^\d{16}$/);
    assert.equal(key.cardCd, 'CCSS');
    const id = orderId();
    const charge = await gw.chargeBatchKey({ batchKey: key.batchKey, groupId: 'BA0011000348', orderId: id, amount: 9900, goodName: '정기구독' });
    assert.equal(charge.method, 'card');
    assert.equal(charge.amount, 9900);
    assert.equal(charge.orderNo, id);
    const sent = rest.requests.at(-1)!.fields;
    assert.deepEqual([sent.card_tx_type, sent.currency, sent.amount, sent.card_mny, sent.bt_batch_key], ['11511000', '410', '9900', '9900', key.batchKey]);
    // The same order id twice is refused (KCP's duplicate card code): one billing period is never charged twice.
    await assert.rejects(
      gw.chargeBatchKey({ batchKey: key.batchKey, groupId: 'BA0011000348', orderId: id, amount: 9900, goodName: '정기구독' }),
      (e: unknown) => e instanceof KcpError && e.code === 'duplicate_order',
    );
    const proof = await gw.inquire({ tno: charge.tno, payType: 'PACA' });
    assert.equal(proof.kind === 'proof' && proof.state, 'approved');
    assert.equal((await gw.modify({ kind: 'cancel', tno: charge.tno })).resCd, '0000');
    const deleted = await gw.deleteBatchKey({ batchKey: key.batchKey, groupId: 'BA0011000348' });
    assert.equal(deleted.resCd, '0000');
    await assert.rejects(
      gw.chargeBatchKey({ batchKey: key.batchKey, groupId: 'BA0011000348', orderId: orderId(), amount: 9900, goodName: '정기구독' }),
      (e: unknown) => e instanceof KcpGatewayError && e.resCd === 'R201',
    );
  });

  it('a time-out once connected is KcpOutcomeUnknownError (the simulator held the answer); the charge stands in the ledger', async () => {
    const id = orderId();
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 1993 });
    await assert.rejects(
      client({ timeoutMs: 500 }).approve({ orderId: id, amount: 1993, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd }),
      (e: unknown) => e instanceof KcpOutcomeUnknownError && e.outcomeKnown === false && /the request may have been sent/.test(e.message),
    );
    const tx = [...sim.gateway.transactions.values()].find((t) => t.ordrIdxx === id);
    assert.equal(tx?.state, 'approved', 'KCP approved although the client timed out: exactly why it must be unknown');
  });

  it('the simulator refuses a whitespace-stripped certificate (BEGINCERTIFICATE) and an unknown one', async () => {
    const broken = credentials.certInfo.replace('BEGIN CERTIFICATE', 'BEGINCERTIFICATE');
    const url = new URL('/std/inquery', rest.url);
    const http = { ...DEFAULT_REST_HTTP, ca: rest.caPem };
    const a = await postJson(url, JSON.stringify({ site_cd: 'T0000', kcp_cert_info: broken, tno: '20000101000000', pay_type: 'PACA', kcp_sign_data: 'AA==' }), http, 't');
    assert.equal(a.res_cd, 'R101');
    const other = await rest.pki.issueMerchant({ name: 'stranger' });
    const creds2 = RestCredentials.fromPem(other.certPem, other.keyPem, 'changeit');
    const b = await postJson(url, JSON.stringify({ site_cd: 'T0000', kcp_cert_info: creds2.certInfo, tno: '20000101000000', pay_type: 'PACA', kcp_sign_data: 'AA==' }), http, 't');
    assert.equal(b.res_cd, 'R102');
  });

  it('a refused connection and an untrusted certificate are connection errors: nothing was sent', async () => {
    const closed = await closedPort();
    await assert.rejects(client({ baseUrl: `https://127.0.0.1:${closed}` }).modify({ kind: 'cancel', tno: '20000101000000' }), KcpConnectionError);
    await assert.rejects(client({ ca: undefined }).modify({ kind: 'cancel', tno: '20000101000000' }), KcpConnectionError);
  });
});

describe('REST client: cut, oversized and unparseable answers after sending are unknown', function () {
  this.timeout(60_000);
  let server: https.Server;
  let url: string;
  let ca: string;
  let rest: RestSimulator;
  let sim: Simulator;
  let mode = 'big';

  before(async () => {
    sim = await startSimulator({ port: 0 });
    rest = await startRestSimulator(sim);
    ca = rest.caPem;
    server = https.createServer({ key: rest.pki.serverKeyPem, cert: rest.pki.serverCertPem }, (req, res) => {
      req.resume();
      req.on('end', () => {
        if (mode === 'big') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ res_cd: '0000', pad: 'x'.repeat(300 * 1024) }));
        } else if (mode === 'cut') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
          res.write('{"res_cd":"0000",');
          setImmediate(() => res.destroy());
        } else if (mode === 'html') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<html>gateway error</html>');
        } else {
          res.writeHead(502);
          res.end('{}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await rest?.close();
    await sim?.close();
  });

  for (const m of ['big', 'cut', 'html', 'status']) {
    it(`${m} answer → KcpOutcomeUnknownError`, async () => {
      mode = m;
      const creds = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: 'changeit' } });
      const gw = new RestGateway({ siteCd: 'T0000', credentials: creds, baseUrl: url, ca });
      await assert.rejects(
        gw.chargeBatchKey({ batchKey: '1234567890123456', groupId: 'G', orderId: 'O1', amount: 1000, goodName: 'g' }),
        (e: unknown) => e instanceof KcpOutcomeUnknownError && e.outcomeKnown === false,
      );
      // Inquiry never throws: the same failure is `unknown`.
      const out = await gw.inquire({ tno: '20000101000000', payType: 'PACA' });
      assert.equal(out.kind, 'unknown');
    });
  }
});

describe('RestGateway.fromConfig: the site configuration names the files, the password comes from the environment', function () {
  this.timeout(60_000);
  it('approves against the simulator with only what `kcp-payplus sim --rest-port` prints', async () => {
    const { SiteConf } = await import('../../lib/config/index.js');
    const sim = await startSimulator({ port: 0 });
    const rest = await startRestSimulator(sim);
    const ENV = 'KCP_TEST_FROMCONFIG_PASSWORD';
    process.env[ENV] = rest.merchant.password;
    try {
      const conf = SiteConf.testPreset({
        homeDir: '/opt/kcp-payplus', gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_test.js`,
      });
      const withRest = SiteConf.fromFile({
        ...conf.toFile(),
        payplus: { ...conf.toFile().payplus, rest_url: rest.url, rest_ca_file: rest.caFile, rest_cert_file: rest.merchant.certFile, rest_key_file: rest.merchant.keyFile, rest_key_password_env: ENV },
      });
      const gw = RestGateway.fromConfig(withRest);
      const id = `CONF${Date.now()}`;
      const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 2500 });
      const approval = await gw.approve({ orderId: id, amount: 2500, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
      assert.equal(approval.amount, 2500);
      assert.throws(() => RestGateway.fromConfig(conf), (e: unknown) => e instanceof KcpError && e.field === 'payplus.rest_cert_file');
    } finally {
      delete process.env[ENV];
      await rest.close();
      await sim.close();
    }
  });
});
