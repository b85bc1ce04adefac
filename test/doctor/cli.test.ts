import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { SiteConf } from '../../lib/config/index.js';
import { KcpConfigError } from '../../lib/errors.js';
import { runDoctorCommand, type DoctorCommandDeps } from '../../lib/cli/commands/doctor.js';
import { commands } from '../../lib/cli/commands/index.js';
import { usageOf } from '../../lib/cli/help.js';
import { DEFAULT_CONFIG_PATH } from '../../lib/config/default-path.js';
import { makeInstall, removeInstalls, standInScript, testConf, TEST_KEY, writeModule, type Install } from '../fixtures/doctor/install.js';
import type { SiteConfData } from '../../lib/config/site-conf.js';

function capture(loadConf: (file: string) => Promise<SiteConfData>): DoctorCommandDeps & { out: string[]; err: string[]; files: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const files: string[] = [];
  return {
    out,
    err,
    files,
    loadConf: (file) => {
      files.push(file);
      return loadConf(file);
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
}

describe('kcp-payplus doctor (CLI)', () => {
  after(removeInstalls);

  let install: Install;
  beforeEach(() => {
    install = makeInstall();
  });

  it('is registered as a sub-command', () => {
    assert.ok(commands.some((c) => c.name === 'doctor'));
  });

  it('prints JSON and exits 0 for a healthy install, reading --config', async () => {
    writeModule(install, standInScript());
    const io = capture(async () => testConf(install));
    const code = await runDoctorCommand(['--config', '/etc/kcp/site_conf_inc.json', '--offline', '--json'], io);
    assert.equal(code, 0);
    assert.deepEqual(io.files, ['/etc/kcp/site_conf_inc.json']);
    const report = JSON.parse(io.out.join(''));
    assert.equal(report.ok, true);
    assert.deepEqual(report.summary, { pass: 14, warn: 0, fail: 0, skip: 3 }, 'network offline (2), the PG-API checks not used (1)');
  });

  it('prints the table and exits 1 when a check fails', async () => {
    const io = capture(async () => testConf(install));
    const saved = process.env['KCP_CONFIG'];
    delete process.env['KCP_CONFIG'];
    let code;
    try {
      code = await runDoctorCommand(['--offline', '--lang', 'en'], io);
    } finally {
      if (saved !== undefined) process.env['KCP_CONFIG'] = saved;
    }
    assert.equal(code, 1);
    assert.deepEqual(io.files, [DEFAULT_CONFIG_PATH]);
    const table = io.out.join('');
    assert.equal(table.split('\n')[0], `kcp-payplus doctor: config ${DEFAULT_CONFIG_PATH} (default), transport pp_cli`);
    assert.match(table, /^CHECK +RESULT +FIX$/m);
    assert.match(table, /^pp_cli present +FAIL 9502: +upload pp_cli/m);
    assert.match(table, /\n\d+ passed, \d+ warnings?, 1 failed, \d+ skipped\n$/);
  });

  it('reports a file that cannot be read as one failing check, in Korean too', async () => {
    const missing = path.join(install.home, 'cfg', 'nope.json');
    const io = capture((file) => SiteConf.load(file));
    assert.equal(await runDoctorCommand(['--config', missing, '--json'], io), 1);
    assert.deepEqual(JSON.parse(io.out.join('')).results, [
      {
        id: 'config.load',
        title: 'Configuration file',
        status: 'fail',
        detail: `${missing}: cannot be read (ENOENT).`,
        fix: {
          ko: `${missing}을(를) 읽을 수 있는지(경로, 권한)와 형식(JSON 문법 등)을 확인하십시오. cfg/site_conf_inc.json 예제와 비교하십시오.`,
          en: 'check the path and that this process may read it.',
        },
        ko: { title: '설정 파일', detail: `설정 파일을 읽을 수 없습니다: ${missing}: cannot be read (ENOENT).` },
      },
    ]);
  });

  describe('a cfg file with five mistakes and a module at mode 644', () => {
    let cfg: string;
    beforeEach(() => {
      writeModule(install, standInScript());
      fs.chmodSync(path.join(install.bin, 'pp_cli'), 0o644);
      cfg = path.join(install.home, 'cfg', 'site_conf_inc.json');
      fs.writeFileSync(cfg, JSON.stringify({
        g_conf_home_dir: install.home,
        g_conf_log_dir: install.log,
        g_conf_gw_url: 'testpaygw.kcp.co.kr',
        g_conf_gw_port: '8091',
        g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus.js',
        g_conf_site_cd: 't0000',
        g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsF',
        g_conf_site_nmae: 'TEST SHOP',
        payplus: { web_roots: ['/var/www/html'], notify_url: 'https://shop.example.com/kcp/common_return' },
      }));
    });

    it('reports every problem in one run, the module checks included (English)', async () => {
      const io = capture((file) => SiteConf.load(file));
      assert.equal(await runDoctorCommand(['--config', cfg, '--offline', '--json'], io), 1);
      const results: { id: string; status: string; detail: string; kcpCode?: string }[] = JSON.parse(io.out.join('')).results;
      const failed = results.filter((r) => r.status === 'fail').map((r) => [r.id, r.kcpCode ?? '', r.detail]);
      assert.deepEqual(failed, [
        ['config.file', '', `${cfg}: g_conf_site_nmae: is not a site_conf_inc setting.`],
        ['config.values', '', "g_conf_gw_port: port 8091 is not KCP's gateway port 8090."],
        ['config.env', '3014', 'g_conf_site_cd "t0000" is a TEST site code but g_conf_js_url "https://pay.kcp.co.kr/plugin/payplus.js" is the REAL payment window.'],
        ['site.code', '3014', 'g_conf_site_cd: "t0000" has lower-case letters.'],
        ['site.key', '3014', 'g_conf_site_key: [masked:23] is not 25 characters long (a missing quote or trailing "__" is the classic cause).'],
        ['module.mode', '9502', 'mode 0644 is below 0755 and not executable by uid 0.'.replace('uid 0', `uid ${process.getuid!()}`)],
      ]);
      assert.equal(results.find((r) => r.id === 'module.smoke')?.status, 'skip');
    });

    it('says the same in Korean with --lang ko: titles, results and fixes', async () => {
      const io = capture((file) => SiteConf.load(file));
      assert.equal(await runDoctorCommand(['--config', cfg, '--offline', '--lang', 'ko', '--json'], io), 1);
      const results: { id: string; status: string; ko: { title: string; detail: string }; fix: { ko: string } }[] = JSON.parse(io.out.join('')).results;
      const hangul = /[\uac00-\ud7a3]/;
      for (const r of results) {
        assert.match(r.ko.title, hangul, `${r.id} has no Korean title`);
        if (r.status === 'fail' || r.status === 'warn') {
          assert.match(r.ko.detail, hangul, `${r.id} has no Korean finding`);
          assert.match(r.fix.ko, hangul, `${r.id} has no Korean fix`);
          assert.doesNotMatch(r.fix.ko, /아래 영문 안내/, `${r.id} points at the English text`);
        }
      }
      const byId = (id: string) => results.find((r) => r.id === id)!;
      assert.equal(byId('config.file').ko.detail, `${cfg}: 항목 문제 1개: g_conf_site_nmae.`);
      assert.equal(byId('config.file').fix.ko, 'g_conf_site_nmae 항목을 지우거나 철자를 고치십시오 (cfg/README.md에 모든 항목이 있습니다).');
      assert.equal(byId('config.values').ko.detail, '잘못된 설정 1개: g_conf_gw_port = "8091".');
      assert.equal(byId('site.code').fix.ko, '사이트코드의 영문은 반드시 대문자로 입력하십시오: "T0000".');

      const table = capture((file) => SiteConf.load(file));
      await runDoctorCommand(['--config', cfg, '--offline', '--lang', 'ko'], table);
      const text = table.out.join('');
      assert.match(text, /^점검 +결과 +조치$/m);
      assert.match(text, /^사이트코드 \(g_conf_site_cd\) +FAIL 3014: "t0000"에 소문자가 +사이트코드의 영문은 반드시 대문자로\n +있습니다\. +입력하십시오: "T0000"\.\n/m);
      assert.match(text, /\n통과 \d+, 경고 \d+, 실패 6, 건너뜀 \d+\n$/);
      assert.doesNotMatch(text, /Configuration|is not|does not/);
    });

    it('keeps the offending value in Korean: log level 7 is named with its value', async () => {
      const file = JSON.parse(fs.readFileSync(cfg, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(cfg, JSON.stringify({ ...file, g_conf_log_level: '7', g_conf_gw_port: '8090' }));
      const io = capture((f) => SiteConf.load(f));
      assert.equal(await runDoctorCommand(['--config', cfg, '--offline', '--lang', 'ko', '--json'], io), 1);
      const values = (JSON.parse(io.out.join('')).results as { id: string; detail: string; ko: { detail: string } }[]).find((r) => r.id === 'config.values')!;
      assert.equal(values.ko.detail, '잘못된 설정 1개: g_conf_log_level = "7".');
      assert.match(values.detail, /g_conf_log_level: "7" is not/);
    });

    it('prints titles and results in both languages by default (Korean line, then English)', async () => {
      const io = capture((file) => SiteConf.load(file));
      assert.equal(await runDoctorCommand(['--config', cfg, '--offline'], io), 1);
      const text = io.out.join('');
      assert.match(text, /^점검 CHECK +결과 RESULT +조치 FIX$/m);
      assert.match(text, /^사이트코드 \(g_conf_site_cd\) +FAIL 3014: "t0000"에 소문자가 +사이트코드의 영문은 반드시 대문자로\n/m);
      assert.match(text, /^Site code \(g_conf_site_cd\) +있습니다\. +입력하십시오: "T0000"\.\n +g_conf_site_cd: "t0000" has +write it in upper case/m);
      assert.match(text, /^설정값 +FAIL: 잘못된 설정 1개:/m);
      assert.match(text, /\n통과 \d+, 경고 \d+, 실패 6, 건너뜀 \d+\n\d+ passed, \d+ warnings?, 6 failed, \d+ skipped\n$/);
    });
  });

  it('loads a real cfg file with SiteConf.load and checks it', async () => {
    writeModule(install, standInScript());
    const cfg = path.join(install.home, 'cfg', 'site_conf_inc.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        g_conf_home_dir: install.home,
        g_conf_log_dir: install.log,
        g_conf_gw_url: 'testpaygw.kcp.co.kr',
        g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_test.js',
        g_conf_site_cd: 'T0000',
        g_conf_site_key: TEST_KEY,
        payplus: { binary: 'pp_cli', web_roots: [path.join(install.home, 'www')], notify_url: 'https://shop.example.com/kcp/common_return' },
      }),
    );
    const io = capture((file) => SiteConf.load(file));
    const code = await runDoctorCommand(['--config', cfg, '--offline', '--json'], io);
    const report = JSON.parse(io.out.join(''));
    assert.deepEqual(
      report.results.filter((r: { status: string }) => r.status !== 'pass' && r.status !== 'skip'),
      [],
    );
    assert.equal(code, 0);
  });

  it('rejects bad options with exit 2', async () => {
    const io = capture(async () => testConf(install));
    assert.equal(await runDoctorCommand(['--lang', 'jp'], io), 2);
    assert.equal(io.err.join(''), 'kcp-payplus doctor: --lang must be ko, en or both, not "jp"\n' + usageOf('doctor'));
    assert.equal(await runDoctorCommand(['--bogus'], io), 2);
    assert.equal(await runDoctorCommand(['--expect-size', '12k'], io), 2);
    assert.equal(await runDoctorCommand(['--expect-sha256', 'abc'], io), 2);
    assert.deepEqual(io.files, []);
  });

  it('passes --expect-size through to the integrity check', async () => {
    writeModule(install, standInScript());
    const size = fs.statSync(path.join(install.bin, 'pp_cli')).size;
    const io = capture(async () => testConf(install));
    const code = await runDoctorCommand(['--offline', '--json', '--expect-size', String(size + 1)], io);
    assert.equal(code, 1);
    const integrity = JSON.parse(io.out.join('')).results.find((r: { id: string }) => r.id === 'module.integrity');
    assert.equal(integrity.status, 'fail');
    assert.equal(integrity.kcpCode, '9502');
  });
});
