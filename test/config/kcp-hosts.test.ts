/**
 * REAL means KCP (issue 18 item 6): exact hosts from one table (environment.ts KCP_HOSTS), https only for the window
 * script and the SOAP trade registration of a REAL site, and an explicit, doctor-visible override for a host KCP
 * announces later (payplus.extra_kcp_hosts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpConfigError } from '../../lib/errors.js';
import { KCP_HOSTS, kcpHost, realUrlProblem } from '../../lib/config/environment.js';
import { gatewayEnvironment, jsUrlEnvironment, REAL_JS_URL, REAL_TRADE_URL, REAL_WEB_JS_URL, SiteConf, type SiteConfFile } from '../../lib/config/index.js';
import { checkExtraKcpHosts as doctorExtraHosts, checkEnvironmentConsistency } from '../../lib/doctor/checks/config.js';
import type { DoctorContext } from '../../lib/doctor/types.js';
import { readConfigLeniently } from '../../lib/doctor/config-file.js';
import { registerTrade, tradeRegistrationUrl } from '../../lib/trade/register.js';

const REAL_KEY = 'Ab3dEf6hIj9kLm2oPq5sTu8__';

function real(extra: Partial<SiteConfFile> = {}): SiteConfFile {
  return {
    g_conf_home_dir: '/opt/kcp-payplus',
    g_conf_gw_url: 'paygw.kcp.co.kr',
    g_conf_js_url: REAL_WEB_JS_URL,
    g_conf_site_cd: 'A52Q7',
    g_conf_site_key: REAL_KEY,
    ...extra,
  };
}

function refused(raw: SiteConfFile, field: string, message: string): void {
  assert.throws(
    () => SiteConf.fromFile(raw),
    (e: unknown) => {
      assert.ok(e instanceof KcpConfigError, String(e));
      assert.equal(e.message, message);
      assert.equal(e.field, field);
      return true;
    },
  );
}

describe('KCP hosts: one table, exact names', () => {
  it('holds exactly the hosts of the docs (docs/kcp-manual.md, docs/windows-today.md, docs/pp-cli-protocol.md)', () => {
    assert.deepEqual(
      KCP_HOSTS.map((e) => `${e.env} ${e.role} ${e.host}`),
      [
        'TEST gateway testpaygw.kcp.co.kr',
        'TEST gateway 203.238.36.58',
        'REAL gateway paygw.kcp.co.kr',
        'REAL gateway 203.238.36.136',
        'REAL gateway 203.238.36.139',
        'REAL gateway 203.238.36.173',
        'REAL gateway 203.238.36.178',
        'TEST script testpay.kcp.co.kr',
        'REAL script pay.kcp.co.kr',
        'TEST trade testsmpay.kcp.co.kr',
        'REAL trade smpay.kcp.co.kr',
      ],
    );
    assert.ok(Object.isFrozen(KCP_HOSTS));
  });

  it('does not take a host for KCP by its shape: paygw.* and testpaygw.* elsewhere are nobody', () => {
    for (const host of ['paygw.attacker.example', 'testpaygw.attacker.example', 'paygw.kcp.co.kr.attacker.example', 'paygw2.kcp.co.kr', 'xpaygw.kcp.co.kr']) {
      assert.equal(gatewayEnvironment(host), undefined, host);
    }
    assert.deepEqual(gatewayEnvironment('PAYGW.KCP.CO.KR.'), { env: 'REAL', local: false });
    assert.equal(jsUrlEnvironment('https://testpay.kcp.co.kr/plugin/payplus.js'), undefined, 'plug-in scripts live on pay.kcp.co.kr only');
    assert.equal(jsUrlEnvironment('https://spay.kcp.co.kr/plugin/payplus_web.jsp'), undefined);
    assert.equal(kcpHost('pay.kcp.co.kr', 'gateway'), undefined, 'a host counts only for its role');
  });

  it('refuses a REAL configuration whose gateway is paygw.attacker.example, before the site key is ever sent', () => {
    refused(
      real({ g_conf_gw_url: 'paygw.attacker.example' }),
      'g_conf_gw_url',
      'g_conf_gw_url: "paygw.attacker.example" is neither KCP\'s TEST gateway (testpaygw.kcp.co.kr) nor its REAL gateway (paygw.kcp.co.kr) nor a local simulator (127.0.0.1, localhost, ::1). Fix: use "testpaygw.kcp.co.kr" with a TEST site code or "paygw.kcp.co.kr" with your contracted site code (a gateway KCP announced after this release goes into payplus.extra_kcp_hosts).',
    );
  });

  it('refuses http:// for a REAL window script (standard-web and plug-in), and accepts https', () => {
    for (const url of ['http://pay.kcp.co.kr/plugin/payplus_web.jsp', 'http://pay.kcp.co.kr/plugin/payplus.js']) {
      refused(
        real({ g_conf_js_url: url }),
        'g_conf_js_url',
        `g_conf_js_url: "${url}" is not https (http), and a REAL site talks to KCP over https only: the browser would load the payment window from where anyone on the way can change it. Fix: use "https://pay.kcp.co.kr/plugin/payplus_web.jsp" (or https://pay.kcp.co.kr/plugin/payplus.js for the plug-in window).`,
      );
    }
    refused(
      real({ g_conf_js_url: 'https://pay.kcp.co.kr:8443/plugin/payplus_web.jsp' }),
      'g_conf_js_url',
      'g_conf_js_url: "https://pay.kcp.co.kr:8443/plugin/payplus_web.jsp" names port 8443; KCP serves it on the https port 443: the browser would load the payment window from where anyone on the way can change it. Fix: use "https://pay.kcp.co.kr/plugin/payplus_web.jsp" (or https://pay.kcp.co.kr/plugin/payplus.js for the plug-in window).',
    );
    assert.equal(SiteConf.fromFile(real()).env, 'REAL');
    assert.equal(SiteConf.fromFile(real({ g_conf_js_url: REAL_JS_URL })).window, 'plugin');
    // TEST keeps KCP's old http samples and the local simulator working.
    const test = SiteConf.fromFile({ ...real({ g_conf_site_cd: 'T0000', g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsF__', g_conf_gw_url: 'testpaygw.kcp.co.kr' }), g_conf_js_url: 'http://pay.kcp.co.kr/plugin/payplus_test.js' });
    assert.equal(test.env, 'TEST');
  });

  it('checks SOAP URLs of REAL by the same table: https on smpay.kcp.co.kr only', () => {
    assert.equal(realUrlProblem(REAL_TRADE_URL, 'trade'), undefined);
    assert.equal(realUrlProblem('http://smpay.kcp.co.kr/services/KCPPaymentService', 'trade'), '"http://smpay.kcp.co.kr/services/KCPPaymentService" is not https (http), and a REAL site talks to KCP over https only');
    assert.equal(realUrlProblem('https://testsmpay.kcp.co.kr/services/KCPPaymentService', 'trade'), '"testsmpay.kcp.co.kr" is not KCP\'s REAL trade-registration host (smpay.kcp.co.kr)');
    assert.equal(realUrlProblem('https://smpay.attacker.example/x', 'trade'), '"smpay.attacker.example" is not KCP\'s REAL trade-registration host (smpay.kcp.co.kr)');
  });

  it('registerTrade refuses a REAL endpoint that is not https on KCP, before anything is sent', async () => {
    const conf = SiteConf.fromFile(real());
    assert.equal(tradeRegistrationUrl(conf), REAL_TRADE_URL);
    const request = { ordrIdxx: 'ORDER0001', amount: 1004, payMethod: 'CARD', goodName: 'book', returnUrl: 'https://shop.example/ret' } as const;
    let fetched = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async () => {
      fetched += 1;
      throw new Error('no network in tests');
    }) as typeof fetch;
    try {
      await assert.rejects(registerTrade(conf, request as never, { endpoint: 'http://smpay.kcp.co.kr/services/KCPPaymentService' }), {
        name: 'KcpConfigError',
        message:
          'options.endpoint: "http://smpay.kcp.co.kr/services/KCPPaymentService" is not https (http), and a REAL site talks to KCP over https only. Fix: leave options.endpoint out for a REAL site (the SDK uses https://smpay.kcp.co.kr/services/KCPPaymentService.KCPPaymentServiceHttpSoap11Endpoint/), or add a host KCP announced to payplus.extra_kcp_hosts.',
      });
      await assert.rejects(registerTrade(conf, request as never, { endpoint: 'https://smpay.attacker.example/services/KCPPaymentService' }), { field: 'endpoint' });
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(fetched, 0);
  });
});

describe('payplus.extra_kcp_hosts: an explicit override doctor shows', () => {
  const extra = [{ host: 'PayGW2.kcp.co.kr', role: 'gateway', env: 'REAL' }] as const;

  it('lets a host KCP announced count as KCP, in its role and world only', () => {
    const conf = SiteConf.fromFile(real({ g_conf_gw_url: 'paygw2.kcp.co.kr', payplus: { extra_kcp_hosts: [...extra] } }));
    assert.deepEqual(conf.extraKcpHosts, [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }]);
    assert.deepEqual(conf.toFile().payplus?.extra_kcp_hosts, [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }]);
    assert.equal(SiteConf.from({ ...conf }).gwUrl, 'paygw2.kcp.co.kr', 'a plain copy goes through the same rules with its extra hosts');
    // Without the entry, the same file is refused; as a TEST gateway it is the wrong world (8001).
    refused(real({ g_conf_gw_url: 'paygw2.kcp.co.kr' }), 'g_conf_gw_url', /* same message as any unknown gateway */ SiteConfMessageFor('paygw2.kcp.co.kr'));
    assert.throws(() => SiteConf.fromFile(real({ g_conf_gw_url: 'paygw2.kcp.co.kr', payplus: { extra_kcp_hosts: [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'TEST' }] } })), {
      field: 'g_conf_gw_url',
      message: /is the TEST gateway but g_conf_site_cd "A52Q7" and g_conf_js_url are REAL/,
    });
  });

  it('refuses entries that are not a bare host, loopback, already KCP\'s, or listed twice', () => {
    const bad = (entry: object, message: string, list: object[] = [entry]) =>
      refused(real({ payplus: { extra_kcp_hosts: list as never } }), 'payplus.extra_kcp_hosts[' + (list.length - 1) + '].host', message);
    bad({ host: 'https://paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }, 'payplus.extra_kcp_hosts[0].host: "https://paygw2.kcp.co.kr" is not a host name. Fix: write the host name KCP announced only, e.g. "paygw2.kcp.co.kr" (no scheme, port or path).');
    bad({ host: 'localhost.', role: 'gateway', env: 'TEST' }, 'payplus.extra_kcp_hosts[0].host: "localhost." is not a host name. Fix: write the host name KCP announced only, e.g. "paygw2.kcp.co.kr" (no scheme, port or path).');
    bad({ host: '127.0.0.1', role: 'gateway', env: 'TEST' }, 'payplus.extra_kcp_hosts[0].host: "127.0.0.1" is a loopback host, which is the local simulator, not KCP. Fix: remove the entry; the local simulator needs no entry.');
    bad({ host: 'paygw.kcp.co.kr', role: 'gateway', env: 'TEST' }, 'payplus.extra_kcp_hosts[0].host: "paygw.kcp.co.kr" is already KCP\'s REAL gateway host in the SDK\'s table. Fix: remove the entry.');
    bad(
      { host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' },
      'payplus.extra_kcp_hosts[1].host: "PAYGW2.kcp.co.kr" is listed twice as a gateway host. Fix: keep one entry.',
      [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }, { host: 'PAYGW2.kcp.co.kr', role: 'gateway', env: 'REAL' }],
    );
    assert.throws(() => SiteConf.fromFile(real({ payplus: { extra_kcp_hosts: [{ host: 'x.kcp.co.kr', role: 'cdn', env: 'REAL' }] as never } })), {
      field: 'payplus.extra_kcp_hosts.0.role',
    });
  });

  it('doctor warns about every extra host (and says nothing when there is none)', () => {
    const conf = SiteConf.fromFile(real({ g_conf_gw_url: 'paygw2.kcp.co.kr', payplus: { extra_kcp_hosts: [...extra] } }));
    const ctx = { conf, options: {}, arch: 'x64', identity: { uid: 1000, gid: 1000 } } as unknown as DoctorContext;
    const [result, ...more] = doctorExtraHosts(ctx);
    assert.equal(more.length, 0);
    assert.equal(result!.id, 'config.extra_kcp_hosts');
    assert.equal(result!.status, 'warn');
    assert.equal(result!.detail, "payplus.extra_kcp_hosts makes these count as KCP's: paygw2.kcp.co.kr (REAL gateway). The site key and payment data go to them.");
    assert.equal(checkEnvironmentConsistency(ctx).status, 'pass');
    assert.deepEqual(doctorExtraHosts({ ...ctx, conf: SiteConf.fromFile(real()) }), []);
  });
});

describe('doctor on a cfg file SiteConf refused: extra_kcp_hosts still counts, and its mistakes are reported', () => {
  it('keeps a valid extra host for the other checks and names a loopback entry', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-extra-'));
    try {
      const file = path.join(dir, 'site_conf_inc.json');
      // site_name is wrong (non-ASCII), so SiteConf refuses the file and doctor reads it leniently.
      writeFileSync(file, JSON.stringify(real({ g_conf_site_name: '상점', g_conf_gw_url: 'paygw2.kcp.co.kr', payplus: { extra_kcp_hosts: [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }] } })));
      const lenient = await readConfigLeniently(file);
      assert.deepEqual(lenient.conf?.extraKcpHosts, [{ host: 'paygw2.kcp.co.kr', role: 'gateway', env: 'REAL' }]);
      const ctx = { conf: lenient.conf!, options: {}, arch: 'x64', identity: { uid: 0, gids: [0] } } as unknown as DoctorContext;
      assert.equal(checkEnvironmentConsistency(ctx).status, 'pass');
      writeFileSync(file, JSON.stringify(real({ payplus: { extra_kcp_hosts: [{ host: '127.0.0.1', role: 'gateway', env: 'REAL' }] } })));
      const bad = await readConfigLeniently(file);
      assert.equal(bad.results[0]!.status, 'fail');
      assert.match(bad.results[0]!.detail, /payplus\.extra_kcp_hosts\[0\]\.host/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function SiteConfMessageFor(host: string): string {
  return `g_conf_gw_url: "${host}" is neither KCP's TEST gateway (testpaygw.kcp.co.kr) nor its REAL gateway (paygw.kcp.co.kr) nor a local simulator (127.0.0.1, localhost, ::1). Fix: use "testpaygw.kcp.co.kr" with a TEST site code or "paygw.kcp.co.kr" with your contracted site code (a gateway KCP announced after this release goes into payplus.extra_kcp_hosts).`;
}
