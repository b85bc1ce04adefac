/**
 * kcp_sign_data as KCP verifies it (docs/kcp-rest-api.md §2.3): SHA256withRSA over `site_cd^tno^mod_type`, standard Base64.
 * The SDK's signature is checked by `openssl dgst -sha256 -verify` with the public key of the simulator-issued
 * certificate, for STSC and STPC; a signature over another mod_type is refused by the simulator.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KcpGatewayError } from '../../lib/errors.js';
import { RestCredentials, RestGateway, certificatePem, serializeCertificate } from '../../lib/gateway/index.js';
import { DEFAULT_REST_HTTP, postJson } from '../../lib/gateway/rest/http.js';
import { buildJson } from '../../lib/gateway/rest/json.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';

const run = promisify(execFile);

describe('kcp_sign_data: the SDK signs, openssl and the simulator verify', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let credentials: RestCredentials;
  let dir: string;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    rest = await startRestSimulator(sim);
    credentials = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: rest.merchant.password } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-sig-'));
  });
  after(async () => {
    await rest?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the worked example\'s bytes and digests (§2.4)', () => {
    const digest = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');
    assert.equal(Buffer.byteLength('T0000^20210719000000^STSC'), 25);
    assert.equal(digest('T0000^20210719000000^STSC'), '50eb352981139ce2169ee02014f5453fa85914621999ae639d1336c55a0c328f');
    assert.equal(digest('T0000^20210719000000^STPC'), '2b2b42ef9bbc0f156e2637073d0e36eb085453c8b0666069a178ae7d53e88b65');
    const sig = credentials.sign('T0000^20210719000000^STSC');
    assert.equal(sig.length, 344);
    assert.match(sig, /^[A-Za-z0-9+/]+==$/);
  });

  for (const modType of ['STSC', 'STPC'] as const) {
    it(`the signature the SDK sends for ${modType} verifies with openssl dgst -sha256 -verify against the simulator's certificate`, async () => {
      const id = `SIG${modType}${Date.now()}`;
      const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 5000 });
      const gw = new RestGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem });
      const approval = await gw.approve({ orderId: id, amount: 5000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
      const res = modType === 'STSC'
        ? await gw.modify({ kind: 'cancel', tno: approval.tno })
        : await gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 1000, cancellableBalance: 5000 });
      assert.equal(res.resCd, '0000');
      const sent = rest.requests.at(-1)!.fields;
      assert.equal(sent.mod_type, modType);
      // What openssl sees: the certificate as sent (one line → PEM), the exact signed string, the decoded signature.
      const certFile = path.join(dir, `${modType}.cert.pem`);
      writeFileSync(certFile, certificatePem(sent.kcp_cert_info!));
      const { stdout: pub } = await run('openssl', ['x509', '-in', certFile, '-pubkey', '-noout']);
      const pubFile = path.join(dir, `${modType}.pub.pem`);
      writeFileSync(pubFile, pub);
      const dataFile = path.join(dir, `${modType}.txt`);
      writeFileSync(dataFile, `${sent.site_cd}^${sent.tno}^${sent.mod_type}`);
      const sigFile = path.join(dir, `${modType}.sig`);
      writeFileSync(sigFile, Buffer.from(sent.kcp_sign_data!, 'base64'));
      const { stdout } = await run('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, dataFile]);
      assert.equal(stdout.trim(), 'Verified OK');
      // The same signature over the other mod_type does not verify (openssl exits 1).
      writeFileSync(dataFile, `${sent.site_cd}^${sent.tno}^${modType === 'STSC' ? 'STPC' : 'STSC'}`);
      await assert.rejects(run('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, dataFile]), (e: { code?: number; stdout?: string }) =>
        e.code === 1 && /Verification failure/.test(e.stdout ?? ''));
    });
  }

  it('a signature over another mod_type (the STSC-signed STPC bug) is refused by the simulator, and nothing is cancelled', async () => {
    const id = `SIGBAD${Date.now()}`;
    const win = sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 8000 });
    const gw = new RestGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem });
    const approval = await gw.approve({ orderId: id, amount: 8000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    const body = {
      site_cd: 'T0000', tno: approval.tno, kcp_cert_info: credentials.certInfo, mod_type: 'STPC', mod_mny: '1000', rem_mny: '8000',
      kcp_sign_data: credentials.sign(`T0000^${approval.tno}^STSC`),
    };
    const answer = await postJson(new URL('/gw/mod/v1/cancel', rest.url), buildJson(body), { ...DEFAULT_REST_HTTP, ca: rest.caPem }, 'cancel');
    assert.equal(answer.res_cd, 'R103');
    assert.equal(sim.gateway.transactions.get(approval.tno)?.balance, 8000);
    // Signed over the tno of another transaction: refused too.
    const other = { ...body, kcp_sign_data: credentials.sign(`T0000^20000101000000^STPC`) };
    const again = await postJson(new URL('/gw/mod/v1/cancel', rest.url), buildJson(other), { ...DEFAULT_REST_HTTP, ca: rest.caPem }, 'cancel');
    assert.equal(again.res_cd, 'R103');
    // The SDK's own call signs what it sends and goes through.
    const ok = await gw.modify({ kind: 'partial_cancel', tno: approval.tno, amount: 1000, cancellableBalance: 8000 });
    assert.equal(ok.remainingAmount, 7000);
  });

  it('a signature by another key (not the certificate\'s) is refused', async () => {
    const other = await rest.pki.issueMerchant({ name: 'otherkey' });
    const wrong = RestCredentials.fromPem(other.certPem, other.keyPem, 'changeit');
    const body = { site_cd: 'T0000', tno: '20000101000000', kcp_cert_info: credentials.certInfo, mod_type: 'STSC', kcp_sign_data: wrong.sign('T0000^20000101000000^STSC') };
    const answer = await postJson(new URL('/gw/mod/v1/cancel', rest.url), buildJson(body), { ...DEFAULT_REST_HTTP, ca: rest.caPem }, 'cancel');
    assert.equal(answer.res_cd, 'R103');
    const gw = new RestGateway({ siteCd: 'T0000', credentials: wrong, baseUrl: rest.url, ca: rest.caPem });
    await assert.rejects(gw.modify({ kind: 'cancel', tno: '20000101000000' }), (e: unknown) => e instanceof KcpGatewayError && e.resCd === 'R102');
  });

  it('serializeCertificate: one line, markers intact, from LF, CRLF or already serialised PEM', () => {
    const pem = rest.merchant.certPem;
    const one = serializeCertificate(pem);
    assert.equal(one, credentials.certInfo);
    assert.doesNotMatch(one, /[\r\n\t]/);
    assert.ok(one.startsWith('-----BEGIN CERTIFICATE-----M'));
    assert.ok(one.endsWith('-----END CERTIFICATE-----'));
    assert.equal(one.split(' ').length, 3, 'the two spaces inside the markers are kept, no other');
    assert.equal(serializeCertificate(pem.replace(/\n/g, '\r\n')), one);
    assert.equal(serializeCertificate(one), one);
    assert.throws(() => serializeCertificate(pem + pem), /exactly one/);
    assert.throws(() => serializeCertificate(rest.merchant.keyPem), /one PEM certificate/);
  });

  it('a wrong password or a key that is not the certificate\'s is a KcpConfigError naming the field', async () => {
    assert.throws(
      () => RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: 'wrong' } }),
      (e: unknown) => e instanceof Error && (e as { field?: string }).field === 'rest_key_file' && /cannot be decrypted/.test(e.message),
    );
    const other = await rest.pki.issueMerchant({ name: 'mismatch' });
    assert.throws(
      () => RestCredentials.fromPem(rest.merchant.certPem, other.keyPem, 'changeit'),
      (e: unknown) => e instanceof Error && /does not belong to the certificate/.test(e.message),
    );
    delete process.env.KCP_TEST_NO_SUCH_PASSWORD_VAR;
    assert.throws(
      () => RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { env: 'KCP_TEST_NO_SUCH_PASSWORD_VAR' } }),
      (e: unknown) => e instanceof Error && (e as { field?: string }).field === 'rest_key_password_env',
    );
  });
});
