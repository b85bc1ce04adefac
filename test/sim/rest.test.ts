/**
 * The simulator's PG-API shares the simulator's ledger: a virtual account issued over REST is deposited and notified
 * as today, and the inquiry follows it; strict request checks (strings only, Content-Type, required ordr_mony). And the
 * client's conservative line: a server that accepts TCP but never completes TLS is an unknown outcome after the time limit.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { KcpOutcomeUnknownError } from '../../lib/errors.js';
import { RestCredentials, RestGateway, serializeCertificate } from '../../lib/gateway/index.js';
import { DEFAULT_REST_HTTP, postJson } from '../../lib/gateway/rest/http.js';
import { startRestSimulator, startSimulator, type RestSimulator, type Simulator } from '../../lib/sim/index.js';

describe('simulator: REST (PG-API) next to the pp_cli gateway', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let gw: RestGateway;
  let shop: http.Server;
  const received: Array<Record<string, string>> = [];

  before(async () => {
    shop = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('latin1'))));
        res.end('<input type="hidden" name="result" value="0000">');
      });
    });
    await new Promise<void>((r) => shop.listen(0, '127.0.0.1', () => r()));
    sim = await startSimulator({ port: 0, notifyUrl: `http://127.0.0.1:${(shop.address() as AddressInfo).port}/common_return`, retryDelaysMs: [20] });
    rest = await startRestSimulator(sim);
    const credentials = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: rest.merchant.password } });
    gw = new RestGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem });
  });
  after(async () => {
    await rest?.close();
    await sim?.close();
    shop?.closeAllConnections();
    await new Promise<void>((r) => (shop ? shop.close(() => r()) : r()));
  });

  it('a virtual account approved over REST is deposited and notified as today; the inquiry follows it', async () => {
    const id = `RESTVA${Date.now()}`;
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 12000, method: 'vbank' });
    const approval = await gw.approve({ orderId: id, amount: 12000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    assert.equal(approval.method, 'vbank');
    const before = await gw.inquire({ tno: approval.tno, payType: 'PAVC' });
    assert.equal(before.kind === 'proof' && before.statusCode, 'STIR');
    const report = await sim.deposit(approval.tno);
    assert.equal(report.delivered, true);
    const notice = received.find((r) => r.tno === approval.tno);
    assert.equal(notice?.tx_cd, 'TX00');
    assert.equal(notice?.order_no, id);
    const after = await gw.inquire({ tno: approval.tno, payType: 'PAVC' });
    assert.equal(after.kind === 'proof' && after.state, 'approved');
  });

  it('refuses a number where KCP sends strings (R001), a non-JSON type (415), and an approval without ordr_mony (R002)', async () => {
    const url = new URL('/gw/enc/v1/payment', rest.url);
    const opts = { ...DEFAULT_REST_HTTP, ca: rest.caPem };
    const id = `RESTNUM${Date.now()}`;
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 1000 });
    const certInfo = serializeCertificate(rest.merchant.certPem);
    const base = { tran_cd: '00100000', site_cd: 'T0000', kcp_cert_info: certInfo, enc_data: win.enc_data, enc_info: win.enc_info };
    assert.equal((await postJson(url, JSON.stringify({ ...base, ordr_mony: 1000 }), opts, 't')).res_cd, 'R001');
    assert.equal((await postJson(url, JSON.stringify(base), opts, 't')).res_cd, 'R002');
    // Whitespace between tokens (KCP's JSP sample adds CR-LF after commas) is fine; the window is still unused.
    const spaced = JSON.stringify({ ...base, ordr_mony: '1000' }).replace(/","/g, '",\r\n"');
    assert.equal((await postJson(url, spaced, opts, 't')).res_cd, '0000');
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(url, { method: 'POST', ca: rest.caPem, headers: { 'Content-Type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 415);
  });

  it('a server that accepts TCP but never completes TLS: unknown after the time limit (the line is drawn at TCP connect)', async () => {
    const sockets = new Set<net.Socket>();
    const mute = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (mute.address() as AddressInfo).port;
      const slow = new RestGateway({
        siteCd: 'T0000', credentials: RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: 'changeit' } }),
        baseUrl: `https://127.0.0.1:${port}`, timeoutMs: 300,
      });
      await assert.rejects(slow.modify({ kind: 'cancel', tno: '20000101000000' }), (e: unknown) => e instanceof KcpOutcomeUnknownError && /within 300 ms/.test(e.message));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });
});
