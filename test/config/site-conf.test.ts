import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { KcpConfigError } from '../../lib/errors.js';
import {
  REAL_JS_URL,
  REAL_JS_URL_UTF8,
  SiteConf,
  SITE_CONF_FIELDS,
  siteConfFileSchema,
  TEST_JS_URL,
  TEST_JS_URL_UTF8,
  TEST_SITE_KEY,
  type SiteConfFile,
} from '../../lib/config/index.js';

const REAL_KEY = 'Ab3dEf6hIj9kLm2oPq5sTu8__';

function base(extra: Partial<SiteConfFile> = {}): SiteConfFile {
  return {
    g_conf_home_dir: '/opt/kcp-payplus',
    g_conf_gw_url: 'testpaygw.kcp.co.kr',
    g_conf_js_url: TEST_JS_URL,
    g_conf_site_cd: 'T0000',
    g_conf_site_key: TEST_SITE_KEY,
    ...extra,
  };
}

function real(extra: Partial<SiteConfFile> = {}): SiteConfFile {
  return base({ g_conf_gw_url: 'paygw.kcp.co.kr', g_conf_js_url: REAL_JS_URL, g_conf_site_cd: 'A52Q7', g_conf_site_key: REAL_KEY, ...extra });
}

function rejects(raw: unknown, field: string, message: string): void {
  assert.throws(
    () => SiteConf.fromFile(raw as SiteConfFile),
    (e: unknown) => {
      assert.ok(e instanceof KcpConfigError, `expected KcpConfigError, got ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.field, field);
      assert.equal(e.code, 'config_invalid');
      assert.equal(e.resCd, undefined, 'resCd is for real gateway answers only');
      return true;
    },
  );
}

describe('SiteConf.fromFile', () => {
  it('derives every field from a minimal TEST file', () => {
    const c = SiteConf.fromFile(base());
    assert.deepEqual(
      { ...c.toJSON(), siteKey: c.siteKey },
      {
        env: 'TEST',
        window: 'plugin',
        siteCd: 'T0000',
        siteKey: TEST_SITE_KEY,
        siteName: '',
        homeDir: '/opt/kcp-payplus',
        keyDir: '',
        logDir: '/opt/kcp-payplus/log',
        gwUrl: 'testpaygw.kcp.co.kr',
        gwPort: '8090',
        jsUrl: TEST_JS_URL,
        moduleType: '01',
        logLevel: 3,
        ppCliLogLevel: 3,
        ppCliVersion: '2.14',
        binary: 'auto',
        webRoots: [],
        allowNonstandardPort: false,
        notifyUrl: undefined,
        timeoutMs: 60000,
        // toJSON used to miss these three; it is now derived from SITE_CONF_FIELDS like toFile.
        logRetentionDays: undefined,
        prunePpCliLogs: false,
        allowPpCliRequestDump: false,
        extraKcpHosts: undefined,
        transport: undefined,
        restUrl: undefined,
        restCertFile: undefined,
        restKeyFile: undefined,
        restKeyPasswordEnv: undefined,
        restKeyPasswordFile: undefined,
        restCaFile: undefined,
        restDurableAnswers: undefined,
        cfgDir: undefined,
      },
    );
    assert.equal(c.binDir, '/opt/kcp-payplus/bin');
  });

  it('has one row in SITE_CONF_FIELDS for every key of the file schema, and no other', () => {
    const payplusKeys = Object.keys(siteConfFileSchema.shape.payplus.unwrap().unwrap().shape).map((k) => `payplus.${k}`);
    const schemaKeys = [...Object.keys(siteConfFileSchema.shape).filter((k) => k !== 'payplus'), ...payplusKeys].sort();
    assert.deepEqual(Object.values(SITE_CONF_FIELDS).map((row) => row.file).sort(), schemaKeys);
    // Every row survives the round trip file → SiteConf → file → SiteConf → JSON, opt-ins included.
    const c = SiteConf.fromFile(
      real({ payplus: { log_retention_days: 30, prune_pp_cli_logs: true, pp_cli_log_level: 5, allow_pp_cli_request_dump: true, notify_url: 'https://shop.example.com/n' } }),
    );
    const json = c.toJSON();
    for (const prop of Object.keys(SITE_CONF_FIELDS)) assert.ok(prop in json, prop);
    assert.deepEqual(
      { ...json, siteKey: '' },
      { ...SiteConf.fromFile(c.toFile()).toJSON(), siteKey: '' },
    );
    assert.equal(json['logRetentionDays'], 30);
    assert.equal(json['prunePpCliLogs'], true);
    assert.equal(json['allowPpCliRequestDump'], true);
  });

  it('reads a REAL site', () => {
    const c = SiteConf.fromFile(real({ g_conf_js_url: REAL_JS_URL_UTF8 }));
    assert.equal(c.env, 'REAL');
    assert.equal(c.siteCd, 'A52Q7');
  });

  it('normalises paths, ports and levels', () => {
    const c = SiteConf.fromFile(
      base({
        g_conf_home_dir: '/opt/kcp/../kcp-payplus/',
        g_conf_log_dir: '/var/log/kcp/',
        g_conf_key_dir: '/opt/kcp-payplus/key',
        g_conf_gw_port: 8090,
        g_conf_log_level: '03',
        payplus: { pp_cli_log_level: '5', allow_pp_cli_request_dump: true },
      }),
    );
    assert.equal(c.homeDir, '/opt/kcp-payplus');
    assert.equal(c.logDir, '/var/log/kcp');
    assert.equal(c.keyDir, '/opt/kcp-payplus/key');
    assert.equal(c.gwPort, '8090');
    assert.equal(c.logLevel, 3);
    assert.equal(c.ppCliLogLevel, 5);
  });

  it('accepts a port list and non-standard ports only when allowed', () => {
    assert.equal(SiteConf.fromFile(base({ g_conf_gw_port: '8090:8090' })).gwPort, '8090:8090');
    assert.equal(SiteConf.fromFile(base({ g_conf_gw_port: '8090:08080', payplus: { allow_nonstandard_port: true } })).gwPort, '8090:8080');
    rejects(
      base({ g_conf_gw_port: '8090:8080' }),
      'g_conf_gw_port',
      'g_conf_gw_port: port 8080 is not KCP\'s gateway port 8090. Fix: write "8090" (TEST and REAL both use it), or set payplus.allow_nonstandard_port to true when another port is deliberate (e.g. a local simulator).',
    );
    rejects(base({ g_conf_gw_port: '80a0' }), 'g_conf_gw_port', 'g_conf_gw_port: "80a0" is not a port number or a \':\'-separated list of ports. Fix: write "8090".');
    rejects(base({ g_conf_gw_port: '70000', payplus: { allow_nonstandard_port: true } }), 'g_conf_gw_port', 'g_conf_gw_port: "70000" is not a port number or a \':\'-separated list of ports. Fix: write "8090".');
  });

  describe('site_cd', () => {
    it('refuses lower case (3014)', () => {
      rejects(
        base({ g_conf_site_cd: 't0000' }),
        'g_conf_site_cd',
        'g_conf_site_cd: "t0000" has lower-case letters. Fix: write it in upper case, as KCP issued it: "T0000". Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
    it('refuses a length other than 5 (3014)', () => {
      rejects(
        base({ g_conf_site_cd: 'T000' }),
        'g_conf_site_cd',
        'g_conf_site_cd: "T000" is not 5 upper-case letters or digits (it has 4 characters). Fix: write the 5-character site code from KCP\'s 연동 메일 exactly, e.g. "T0000" for TEST, without spaces. Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
      rejects(
        base({ g_conf_site_cd: 'T0000 ' }),
        'g_conf_site_cd',
        'g_conf_site_cd: "T0000 " is not 5 upper-case letters or digits (it has 6 characters). Fix: write the 5-character site code from KCP\'s 연동 메일 exactly, e.g. "T0000" for TEST, without spaces. Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
  });

  describe('site_key', () => {
    const fix = 'Fix: copy the 25-character site key from KCP\'s 연동 메일 exactly, including the trailing "__", between one pair of quotes. Left as is, KCP answers res_cd=3014 (미등록 가맹점).';
    it('refuses a key without the trailing __ (3014)', () => {
      rejects(
        base({ g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsF' }),
        'g_conf_site_key',
        `g_conf_site_key: [masked:23] is not 25 characters long (a missing quote or trailing "__" is the classic cause). ${fix}`,
      );
      rejects(
        base({ g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsFxx' }),
        'g_conf_site_key',
        `g_conf_site_key: [masked:25] does not end in "__" (a missing quote or trailing "__" is the classic cause). ${fix}`,
      );
    });
    it('refuses a stray quote (3014) and never shows the key in full', () => {
      const key = "3grptw1.zW0GSo4PQdaGvsF__'";
      assert.throws(
        () => SiteConf.fromFile(base({ g_conf_site_key: key })),
        (e: unknown) => {
          assert.ok(e instanceof KcpConfigError);
          assert.equal(
            e.message,
            `g_conf_site_key: [masked:26] contains a quote, comma, space or non-ASCII character (a missing or extra quote in site_conf_inc is the classic cause). ${fix}`,
          );
          assert.ok(!e.message.includes('3grptw1'));
          return true;
        },
      );
    });
  });

  describe('environment consistency', () => {
    it('refuses a TEST site code with the REAL JS (3014)', () => {
      rejects(
        base({ g_conf_js_url: REAL_JS_URL }),
        'g_conf_js_url',
        'g_conf_js_url: "https://pay.kcp.co.kr/plugin/payplus.js" is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code. Fix: use payplus_test.js (payplus_test_un.js for UTF-8 pages) with a TEST site code, or your contracted site code with payplus.js. Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
    it('refuses a REAL site code with the TEST JS (3014)', () => {
      rejects(
        real({ g_conf_js_url: TEST_JS_URL_UTF8 }),
        'g_conf_js_url',
        'g_conf_js_url: "https://pay.kcp.co.kr/plugin/payplus_test_un.js" is the TEST payment window but g_conf_site_cd "A52Q7" is a REAL site code. Fix: use payplus.js (payplus_un.js for UTF-8 pages) with your contracted site code, or a TEST site code such as "T0000" with payplus_test.js. Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
    it('accepts the standard-web window for TEST and REAL and knows which window a config targets', () => {
      const test = SiteConf.fromFile(base({ g_conf_js_url: 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp' }));
      assert.deepEqual([test.env, test.window], ['TEST', 'standard-web']);
      const live = SiteConf.fromFile(real({ g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_web.jsp' }));
      assert.deepEqual([live.env, live.window], ['REAL', 'standard-web']);
      assert.equal(SiteConf.fromFile(base()).window, 'plugin');
      const preset = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus', window: 'standard-web' });
      assert.deepEqual([preset.jsUrl, preset.window], ['https://testpay.kcp.co.kr/plugin/payplus_web.jsp', 'standard-web']);
    });
    it('refuses a REAL site code with the TEST standard-web script (3014)', () => {
      rejects(
        real({ g_conf_js_url: 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp' }),
        'g_conf_js_url',
        'g_conf_js_url: "https://testpay.kcp.co.kr/plugin/payplus_web.jsp" is the TEST payment window but g_conf_site_cd "A52Q7" is a REAL site code. Fix: use "https://pay.kcp.co.kr/plugin/payplus_web.jsp" with your contracted site code, or a TEST site code such as "T0000" with "https://testpay.kcp.co.kr/plugin/payplus_web.jsp". Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
    it('refuses a TEST site code with the REAL standard-web script (3014)', () => {
      rejects(
        base({ g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_web.jsp' }),
        'g_conf_js_url',
        'g_conf_js_url: "https://pay.kcp.co.kr/plugin/payplus_web.jsp" is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code. Fix: use "https://testpay.kcp.co.kr/plugin/payplus_web.jsp" with a TEST site code, or your contracted site code with "https://pay.kcp.co.kr/plugin/payplus_web.jsp". Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
      );
    });
    it('refuses a REAL site code and standard-web script with the TEST gateway (8001)', () => {
      rejects(
        real({ g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_web.jsp', g_conf_gw_url: 'testpaygw.kcp.co.kr' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "testpaygw.kcp.co.kr" is the TEST gateway but g_conf_site_cd "A52Q7" and g_conf_js_url are REAL. Fix: use "paygw.kcp.co.kr" for a REAL site. Left as is, KCP answers res_cd=8001 (사이트 DB 설정 오류).',
      );
    });
    it('refuses a REAL site code and JS with the TEST gateway (8001)', () => {
      rejects(
        real({ g_conf_gw_url: 'testpaygw.kcp.co.kr' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "testpaygw.kcp.co.kr" is the TEST gateway but g_conf_site_cd "A52Q7" and g_conf_js_url are REAL. Fix: use "paygw.kcp.co.kr" for a REAL site. Left as is, KCP answers res_cd=8001 (사이트 DB 설정 오류).',
      );
    });
    // Reconciled with doctor (which said 8001 here while SiteConf said nothing): the manual's FAQ says JS and gateway
    // out of step in either direction may give 8001 ("한 부분이라도 동기화가 이루어져있지 않을 경우 8001",
    // docs/kcp-manual.md §6); both now render config/environment.ts classifyEnvironment.
    it('refuses a TEST site code and JS with the REAL gateway (8001, as doctor says)', () => {
      rejects(
        base({ g_conf_gw_url: 'paygw.kcp.co.kr' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "paygw.kcp.co.kr" is the REAL gateway but g_conf_site_cd "T0000" and g_conf_js_url are TEST. Fix: use "testpaygw.kcp.co.kr" (or a local simulator) for a TEST site code. Left as is, KCP answers res_cd=8001 (사이트 DB 설정 오류).',
      );
    });
    it('accepts a local simulator with a TEST site code', () => {
      for (const host of ['127.0.0.1', 'localhost', '::1']) {
        const c = SiteConf.fromFile(
          base({ g_conf_gw_url: host, g_conf_gw_port: '40123', g_conf_js_url: 'http://127.0.0.1:40123/plugin/payplus_test.js', payplus: { allow_nonstandard_port: true } }),
        );
        assert.equal(c.env, 'TEST');
        assert.equal(c.gwUrl, host);
      }
    });
    it('refuses a local simulator with a REAL site code', () => {
      rejects(
        real({ g_conf_gw_url: '127.0.0.1' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "127.0.0.1" is a local simulator, which is accepted only with a TEST site code, but g_conf_site_cd "A52Q7" is a REAL site code. Fix: use a TEST site code (e.g. "T0000") with the simulator, or KCP\'s REAL gateway and JS with "A52Q7".',
      );
      rejects(
        real({ g_conf_js_url: 'http://127.0.0.1:40123/payplus.js' }),
        'g_conf_js_url',
        'g_conf_js_url: "http://127.0.0.1:40123/payplus.js" is a local simulator, which is accepted only with a TEST site code, but g_conf_site_cd "A52Q7" is a REAL site code. Fix: use a TEST site code (e.g. "T0000") with the simulator, or KCP\'s REAL gateway and JS with "A52Q7".',
      );
    });
    it('refuses hosts and scripts it cannot place', () => {
      rejects(
        base({ g_conf_gw_url: 'pg.example.com' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "pg.example.com" is neither KCP\'s TEST gateway (testpaygw.kcp.co.kr) nor its REAL gateway (paygw.kcp.co.kr) nor a local simulator (127.0.0.1, localhost, ::1). Fix: use "testpaygw.kcp.co.kr" with a TEST site code or "paygw.kcp.co.kr" with your contracted site code (a gateway KCP announced after this release goes into payplus.extra_kcp_hosts).',
      );
      rejects(
        base({ g_conf_js_url: 'https://cdn.example.com/payplus_test.js' }),
        'g_conf_js_url',
        'g_conf_js_url: "https://cdn.example.com/payplus_test.js" is not a KCP payment-window script (the standard-web payplus_web.jsp on testpay.kcp.co.kr or pay.kcp.co.kr, or the plug-in payplus_test.js, payplus_test_un.js, payplus.js, payplus_un.js on pay.kcp.co.kr) nor a local simulator URL (http://127.0.0.1:<port>/...). Fix: use the standard-web window: "https://testpay.kcp.co.kr/plugin/payplus_web.jsp" for TEST, "https://pay.kcp.co.kr/plugin/payplus_web.jsp" for REAL.',
      );
    });
    it('refuses a gateway written as a URL or with a port', () => {
      rejects(
        base({ g_conf_gw_url: 'https://testpaygw.kcp.co.kr' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "https://testpaygw.kcp.co.kr" has a scheme. Fix: write the host name only, e.g. "testpaygw.kcp.co.kr" (pp_cli opens a TCP connection, not HTTP).',
      );
      rejects(
        base({ g_conf_gw_url: 'testpaygw.kcp.co.kr:8090' }),
        'g_conf_gw_url',
        'g_conf_gw_url: "testpaygw.kcp.co.kr:8090" contains a port. Fix: write the host name only and put the port in g_conf_gw_port.',
      );
    });
  });

  describe('other fields', () => {
    it('refuses a module_type other than 01', () => {
      rejects(
        base({ g_conf_module_type: '02' }),
        'g_conf_module_type',
        'g_conf_module_type: "02" is not "01". Fix: set it to "01"; KCP fixes this value (변경불가) and payments may fail otherwise.',
      );
    });
    it('refuses a log level outside 0–3', () => {
      rejects(base({ g_conf_log_level: '4' }), 'g_conf_log_level', 'g_conf_log_level: "4" is not an integer from 0 to 3. Fix: write "3" (KCP\'s samples) or 0, 1, 2.');
      rejects(base({ g_conf_log_level: 2.5 }), 'g_conf_log_level', 'g_conf_log_level: 2.5 is not an integer from 0 to 3. Fix: write "3" (KCP\'s samples) or 0, 1, 2.');
    });
    it('refuses a pp_cli log level other than 0, 3, 5', () => {
      rejects(
        base({ payplus: { pp_cli_log_level: 2 } }),
        'payplus.pp_cli_log_level',
        'payplus.pp_cli_log_level: 2 is not 0, 3 or 5. Fix: leave it out (3, as in KCP\'s samples), or write 0 for start/end and errors only, 5 to add request dumps.',
      );
    });
    it('refuses pp_cli log level 5 (request dumps with enc_data) without the explicit opt-in', () => {
      rejects(
        base({ payplus: { pp_cli_log_level: 5 } }),
        'payplus.pp_cli_log_level',
        "payplus.pp_cli_log_level: 5 makes pp_cli write every request body (the payment window's enc_data and the buyer's data) into its log, unmasked. Fix: write 3 (KCP's samples) or 0; to debug with request dumps on purpose, also set payplus.allow_pp_cli_request_dump to true, and remove both afterwards.",
      );
      const c = SiteConf.fromFile(base({ payplus: { pp_cli_log_level: 5, allow_pp_cli_request_dump: true } }));
      assert.equal(c.ppCliLogLevel, 5);
      assert.equal(c.toFile().payplus?.allow_pp_cli_request_dump, true);
    });
    it('refuses relative, padded and comma paths', () => {
      rejects(base({ g_conf_home_dir: 'kcp' }), 'g_conf_home_dir', 'g_conf_home_dir: "kcp" is not an absolute path. Fix: write the full path from the root, e.g. "/opt/kcp-payplus".');
      rejects(base({ g_conf_home_dir: '' }), 'g_conf_home_dir', 'g_conf_home_dir: is empty. Fix: set the absolute path, e.g. "/opt/kcp-payplus".');
      rejects(base({ g_conf_log_dir: './log' }), 'g_conf_log_dir', 'g_conf_log_dir: "./log" is not an absolute path. Fix: write the full path from the root, e.g. "/opt/kcp-payplus/log".');
      rejects(base({ g_conf_key_dir: 'key' }), 'g_conf_key_dir', 'g_conf_key_dir: "key" is not an absolute path. Fix: write the full path from the root, e.g. "/opt/kcp-payplus/key".');
      rejects(
        base({ g_conf_home_dir: '/home/pay/ax_hub_linux_php/ ' }),
        'g_conf_home_dir',
        'g_conf_home_dir: "/home/pay/ax_hub_linux_php/ " has leading or trailing spaces. Fix: remove them: "/home/pay/ax_hub_linux_php/".',
      );
      rejects(
        base({ g_conf_home_dir: '/opt/kcp,old' }),
        'g_conf_home_dir',
        'g_conf_home_dir: "/opt/kcp,old" contains \',\', which pp_cli\'s option string uses as a separator. Fix: move the KCP folder to a path without commas.',
      );
    });
    it('refuses a long or non-English site name', () => {
      rejects(base({ g_conf_site_name: 'A'.repeat(21) }), 'g_conf_site_name', `g_conf_site_name: "${'A'.repeat(21)}" has 21 characters, more than 20. Fix: shorten it to 20 characters or fewer.`);
      rejects(base({ g_conf_site_name: '테스트 상점' }), 'g_conf_site_name', 'g_conf_site_name: "테스트 상점" has non-ASCII characters. Fix: write the shop name in English letters, digits and spaces (at most 20 characters).');
      assert.equal(SiteConf.fromFile(base({ g_conf_site_name: 'A'.repeat(20) })).siteName, 'A'.repeat(20));
    });
    it('refuses a notify_url that is not http(s)', () => {
      rejects(
        base({ payplus: { notify_url: 'ftp://shop/x' } }),
        'payplus.notify_url',
        'payplus.notify_url: "ftp://shop/x" is not an http(s) URL. Fix: write the full URL of your common_return page, e.g. "https://shop.example.com/kcp/common_return".',
      );
    });
    it('refuses missing, mistyped and unknown keys', () => {
      const { g_conf_site_key: _omit, ...noKey } = base();
      rejects(noKey, 'g_conf_site_key', 'g_conf_site_key: is missing. Fix: add it (cfg/README.md lists every key and its meaning).');
      rejects(
        base({ g_conf_home_dir: 42 as unknown as string }),
        'g_conf_home_dir',
        'g_conf_home_dir: has the wrong form (Invalid input: expected string, received number). Fix: write it as cfg/README.md shows.',
      );
      rejects(
        { ...base(), g_conf_site_code: 'T0000' },
        'g_conf_site_code',
        'g_conf_site_code: is not a site_conf_inc setting. Fix: remove it or correct its spelling; known keys: g_conf_home_dir, g_conf_key_dir, g_conf_log_dir, g_conf_gw_url, g_conf_gw_port, g_conf_js_url, g_conf_site_cd, g_conf_site_key, g_conf_site_name, g_conf_module_type, g_conf_log_level, payplus.',
      );
      rejects(
        base({ payplus: { webroots: [] } as unknown as SiteConfFile['payplus'] }),
        'payplus.webroots',
        'payplus.webroots: is not a payplus setting. Fix: remove it or correct its spelling; known keys: web_roots, binary, pp_cli_log_level, pp_cli_version, allow_nonstandard_port, notify_url, timeout_ms, log_retention_days, prune_pp_cli_logs, allow_pp_cli_request_dump, extra_kcp_hosts, transport, rest_url, rest_cert_file, rest_key_file, rest_key_password_env, rest_key_password_file, rest_ca_file, rest_durable_answers.',
      );
      rejects(
        base({ payplus: { transport: 'rest' } }),
        'payplus.transport',
        "payplus.transport: is 'rest' but payplus.rest_cert_file is not set. Fix: set payplus.rest_cert_file, payplus.rest_key_file and payplus.rest_key_password_env (or _file) to the PG-API files KCP issued, or leave payplus.transport out to keep pp_cli.",
      );
      rejects(
        base({ payplus: { transport: 'https' } as unknown as SiteConfFile['payplus'] }),
        'payplus.transport',
        'payplus.transport: has the wrong form (Invalid option: expected one of "pp_cli"|"rest"). Fix: write it as cfg/README.md shows.',
      );
      assert.equal(SiteConf.fromFile(base({ payplus: { transport: 'pp_cli' } })).transport, 'pp_cli');
      rejects([], 'site_conf_inc', 'site_conf_inc: is not an object of g_conf_* keys. Fix: write a JSON object like cfg/site_conf_inc.json.');
      assert.equal(SiteConf.fromFile({ ...base(), $comment: 'note' } as SiteConfFile).siteCd, 'T0000');
    });
  });
});

describe('SiteConf presets', () => {
  it('testPreset is T0000 against the TEST gateway and JS', () => {
    const c = SiteConf.testPreset({ homeDir: '/opt/kcp-payplus' });
    assert.deepEqual(c.toFile(), {
      g_conf_home_dir: '/opt/kcp-payplus',
      g_conf_key_dir: '',
      g_conf_log_dir: '/opt/kcp-payplus/log',
      g_conf_gw_url: 'testpaygw.kcp.co.kr',
      g_conf_gw_port: '8090',
      g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_test.js',
      g_conf_site_cd: 'T0000',
      g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsF__',
      g_conf_site_name: 'TEST SHOP',
      g_conf_module_type: '01',
      g_conf_log_level: '3',
      payplus: { web_roots: [], binary: 'auto', pp_cli_log_level: 3, pp_cli_version: '2.14', allow_nonstandard_port: false, timeout_ms: 60000 },
    });
    assert.equal(SiteConf.testPreset({ homeDir: '/opt/k', utf8: true }).jsUrl, TEST_JS_URL_UTF8);
  });

  it('testPreset points at a local simulator, allowing its port', () => {
    const c = SiteConf.testPreset({ homeDir: '/opt/k', gwUrl: '127.0.0.1', gwPort: '40123', jsUrl: 'http://127.0.0.1:40123/payplus_test.js', logLevel: 1, timeoutMs: 5000 });
    assert.equal(c.gwPort, '40123');
    assert.equal(c.allowNonstandardPort, true);
    assert.equal(c.logLevel, 1);
    assert.equal(c.timeoutMs, 5000);
    assert.throws(() => SiteConf.testPreset({ homeDir: '/opt/k', gwPort: '40123', allowNonstandardPort: false }), /port 40123 is not KCP's gateway port 8090/);
  });

  it('realPreset is paygw.kcp.co.kr and payplus.js, and still checks the code', () => {
    const c = SiteConf.realPreset({ siteCd: 'A52Q7', siteKey: REAL_KEY, homeDir: '/opt/kcp-payplus', siteName: 'MY SHOP' });
    assert.equal(c.env, 'REAL');
    assert.equal(c.gwUrl, 'paygw.kcp.co.kr');
    assert.equal(c.jsUrl, REAL_JS_URL);
    assert.equal(SiteConf.realPreset({ siteCd: 'A52Q7', siteKey: REAL_KEY, homeDir: '/opt/k', utf8: true }).jsUrl, REAL_JS_URL_UTF8);
    assert.throws(() => SiteConf.realPreset({ siteCd: 'T0000', siteKey: TEST_SITE_KEY, homeDir: '/opt/k' }), /is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code/);
  });
});

describe('SiteConf rendering', () => {
  it('round-trips through toFile', () => {
    const c = SiteConf.fromFile(
      real({
        g_conf_key_dir: '/opt/kcp-payplus/key',
        g_conf_gw_port: '8090:8080',
        g_conf_site_name: 'MY SHOP',
        g_conf_log_level: 1,
        payplus: { web_roots: ['/var/www/html'], binary: 'pp_cli_x64', pp_cli_log_level: 0, pp_cli_version: '2.00', allow_nonstandard_port: true, notify_url: 'https://shop.example.com/kcp/common_return', timeout_ms: 30000 },
      }),
    );
    const again = SiteConf.fromFile(c.toFile());
    assert.deepEqual(again.toFile(), c.toFile());
    assert.deepEqual(again.toJSON(), c.toJSON());
    assert.equal(c.toFile().g_conf_site_key, REAL_KEY);
    assert.equal(c.toFile().payplus?.notify_url, 'https://shop.example.com/kcp/common_return');
  });

  it('masks the site key in toJSON, JSON.stringify, inspect and String', () => {
    const c = SiteConf.fromFile(real());
    assert.equal(c.toJSON()['siteKey'], '[masked:25]');
    for (const shown of [JSON.stringify(c), inspect(c), inspect(c, { depth: 0 }), String(c), `${c}`]) {
      assert.ok(!shown.includes(REAL_KEY), shown);
      assert.ok(!shown.includes('Ab3dEf6h'), shown);
    }
    assert.match(inspect(c), /^SiteConf \{/);
    assert.equal(String(c), 'SiteConf(A52Q7, REAL)');
  });

  it('is immutable', () => {
    const c = SiteConf.fromFile(base({ payplus: { web_roots: ['/var/www/html'] } }));
    assert.throws(() => {
      (c as unknown as { siteCd: string }).siteCd = 'T0007';
    }, TypeError);
    assert.throws(() => (c.webRoots as string[]).push('/srv'), TypeError);
    assert.equal(c.siteCd, 'T0000');
  });
});
