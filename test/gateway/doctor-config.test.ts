/**
 * The PG-API settings (lib/config/rest.ts) and the doctor's REST checks (lib/doctor/checks/rest.ts), with certificates
 * the simulator's CA issues: valid, near expiry, expired, a key of another certificate, a wrong password, open modes.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SiteConf, TEST_JS_URL, TEST_SITE_KEY, type SiteConfFile } from '../../lib/config/index.js';
import { KcpConfigError } from '../../lib/errors.js';
import { restChecks } from '../../lib/doctor/checks/rest.js';
import { currentIdentity } from '../../lib/doctor/permissions.js';
import { createSimPki, type SimPki } from '../../lib/sim/rest/index.js';

function conf(payplus: Record<string, unknown>, extra: Partial<SiteConfFile> = {}): SiteConf {
  return SiteConf.fromFile({
    g_conf_home_dir: '/opt/kcp-payplus', g_conf_gw_url: 'testpaygw.kcp.co.kr', g_conf_js_url: TEST_JS_URL, g_conf_site_cd: 'T0000',
    g_conf_site_key: TEST_SITE_KEY, payplus, ...extra,
  } as SiteConfFile);
}

function refuses(payplus: Record<string, unknown>, field: string, re: RegExp): void {
  assert.throws(() => conf(payplus), (e: unknown) => e instanceof KcpConfigError && e.field === field && re.test(e.message));
}

describe('PG-API settings (payplus.rest_*)', () => {
  it('are optional; set, they are kept and round-trip through the file', () => {
    assert.equal(conf({}).restCertFile, undefined);
    const c = conf({ rest_cert_file: '/etc/kcp/splCert.pem', rest_key_file: '/etc/kcp/splPrikeyPKCS8.pem', rest_key_password_env: 'KCP_PGAPI_KEY_PASSWORD' });
    assert.deepEqual([c.restCertFile, c.restKeyFile, c.restKeyPasswordEnv, c.restUrl], ['/etc/kcp/splCert.pem', '/etc/kcp/splPrikeyPKCS8.pem', 'KCP_PGAPI_KEY_PASSWORD', undefined]);
    assert.deepEqual(SiteConf.fromFile(c.toFile()).toJSON(), c.toJSON());
  });

  it('refuse what a merchant gets wrong, naming the field', () => {
    refuses({ rest_cert_file: '/a/c.pem' }, 'payplus.rest_key_file', /missing while its pair is set/);
    refuses({ rest_cert_file: '/a/c.pem', rest_key_file: '/a/k.pem' }, 'payplus.rest_key_password_env', /password-encrypted/);
    refuses({ rest_cert_file: '/a/c.pem', rest_key_file: '/a/k.pem', rest_key_password_env: 'change it' }, 'payplus.rest_key_password_env', /NAME of the variable/);
    refuses({ rest_cert_file: '/a/c.pem', rest_key_file: '/a/k.pem', rest_key_password_env: 'A', rest_key_password_file: '/a/p' }, 'payplus.rest_key_password_env', /both set/);
    refuses({ rest_cert_file: 'c.pem', rest_key_file: '/a/k.pem', rest_key_password_env: 'A' }, 'payplus.rest_cert_file', /absolute/);
    refuses({ rest_url: 'https://spl.kcp.co.kr' }, 'payplus.rest_url', /REAL host but the site code is a TEST site/);
    refuses({ rest_url: 'http://127.0.0.1:9443' }, 'payplus.rest_url', /not https/);
    refuses({ rest_url: 'https://stg-spl.kcp.co.kr', rest_ca_file: '/a/ca.pem' }, 'payplus.rest_ca_file', /simulator/);
    refuses({ web_roots: ['/var/www'], rest_cert_file: '/var/www/c.pem', rest_key_file: '/a/k.pem', rest_key_password_env: 'A' }, 'payplus.rest_cert_file', /web root/i);
  });
});

describe('doctor: PG-API credentials', function () {
  this.timeout(60_000);
  let pki: SimPki;
  let dir: string;
  const who = currentIdentity();
  const ENV = 'KCP_TEST_REST_DOCTOR_PASSWORD';

  before(async () => {
    pki = await createSimPki();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-doctor-rest-'));
    process.env[ENV] = pki.merchantKeyPassword;
  });
  after(() => {
    delete process.env[ENV];
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const statuses = (c: SiteConf, now?: Date) => Object.fromEntries(restChecks(c, { identity: who, now }).map((r) => [r.id, r.status]));
  const files = (certFile: string, keyFile: string, more: Record<string, unknown> = {}) =>
    conf({ rest_cert_file: certFile, rest_key_file: keyFile, rest_key_password_env: ENV, ...more });

  it('reports nothing while the REST transport is not configured', () => {
    assert.deepEqual(restChecks(conf({}), { identity: who }), []);
  });

  it('a healthy pair passes: private modes, decrypts, matches, valid, TEST host', () => {
    assert.deepEqual(statuses(files(pki.merchantCertFile, pki.merchantKeyFile)), {
      'rest.cert_file': 'pass', 'rest.key_file': 'pass', 'rest.cert_valid': 'pass', 'rest.key': 'pass', 'rest.host': 'pass', 'rest.durable_answers': 'pass',
    });
    const local = restChecks(files(pki.merchantCertFile, pki.merchantKeyFile, { rest_url: 'https://127.0.0.1:9443', rest_ca_file: pki.caFile }), { identity: who });
    assert.match(local.find((r) => r.id === 'rest.host')!.detail, /local simulator/);
  });

  it('shows payplus.rest_durable_answers: on by default, a warning naming the trade-off when off', () => {
    const on = restChecks(files(pki.merchantCertFile, pki.merchantKeyFile), { identity: who }).find((r) => r.id === 'rest.durable_answers')!;
    assert.match(on.detail, /rest_durable_answers: on/);
    const off = restChecks(files(pki.merchantCertFile, pki.merchantKeyFile, { rest_durable_answers: false }), { identity: who }).find((r) => r.id === 'rest.durable_answers')!;
    assert.equal(off.status, 'warn');
    assert.match(off.detail, /rest_durable_answers: off .* stays unknown, its order blocked/);
    assert.match(off.fix?.en ?? '', /set it to true/);
  });

  it('warns 30 days before expiry, fails once expired', async () => {
    const soon = await pki.issueMerchant({ name: 'soon', days: 10 });
    assert.equal(statuses(files(soon.certFile, soon.keyFile))['rest.cert_valid'], 'warn');
    assert.equal(statuses(files(pki.merchantCertFile, pki.merchantKeyFile), new Date(Date.now() + 340 * 86_400_000))['rest.cert_valid'], 'warn');
    const old = await pki.issueMerchant({ name: 'old', expired: true });
    const r = restChecks(files(old.certFile, old.keyFile), { identity: who }).find((x) => x.id === 'rest.cert_valid')!;
    assert.equal(r.status, 'fail');
    assert.match(r.detail, /expired on 2021-01-01/);
  });

  it('fails a key that is not the certificate\'s, a wrong password, an open key file, a missing file', async () => {
    const other = await pki.issueMerchant({ name: 'other' });
    assert.equal(statuses(files(pki.merchantCertFile, other.keyFile))['rest.key'], 'fail');
    const pw = path.join(dir, 'pw');
    writeFileSync(pw, 'wrong\n', { mode: 0o600 });
    const wrong = conf({ rest_cert_file: pki.merchantCertFile, rest_key_file: pki.merchantKeyFile, rest_key_password_file: pw });
    const keyResult = restChecks(wrong, { identity: who }).find((x) => x.id === 'rest.key')!;
    assert.equal(keyResult.status, 'fail');
    assert.match(keyResult.detail, /cannot be decrypted/);
    assert.equal(keyResult.detail.includes('changeit'), false);
    const open = path.join(dir, 'open.key.pem');
    copyFileSync(pki.merchantKeyFile, open);
    chmodSync(open, 0o644);
    assert.equal(statuses(files(pki.merchantCertFile, open))['rest.key_file'], 'fail');
    assert.equal(statuses(files(path.join(dir, 'missing.pem'), pki.merchantKeyFile))['rest.cert_file'], 'fail');
  });
});
