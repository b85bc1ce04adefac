import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { SiteConf } from '../../lib/config/index.js';
import { KcpConfigError } from '../../lib/errors.js';
import { runDoctorCommand, type DoctorCommandDeps } from '../../lib/cli/commands/doctor.js';
import { commands } from '../../lib/cli/commands/index.js';
import { usageOf } from '../../lib/cli/help.js';
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
    assert.deepEqual(report.summary, { pass: 13, warn: 0, fail: 0, skip: 2 });
  });

  it('prints the table and exits 1 when a check fails', async () => {
    const io = capture(async () => testConf(install));
    const code = await runDoctorCommand(['--offline', '--lang', 'en'], io);
    assert.equal(code, 1);
    assert.deepEqual(io.files, ['cfg/site_conf_inc.json']);
    const table = io.out.join('');
    assert.match(table, /^CHECK +RESULT +FIX$/m);
    assert.match(table, /^pp_cli present +FAIL 9502: +upload pp_cli/m);
    assert.match(table, /\n\d+ passed, \d+ warnings?, 1 failed, \d+ skipped\n$/);
  });

  it('reports a configuration that does not load as a failing check with its res_cd', async () => {
    const io = capture(async () => {
      throw new KcpConfigError(
        'cfg/site_conf_inc.json: g_conf_site_cd: "t0000" has lower-case letters. Fix: write it in upper case, as KCP issued it: "T0000". Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
        { field: 'g_conf_site_cd' },
      );
    });
    const code = await runDoctorCommand(['--json'], io);
    assert.equal(code, 1);
    const report = JSON.parse(io.out.join(''));
    assert.deepEqual(report.results, [
      {
        id: 'config.load',
        title: 'Configuration file',
        status: 'fail',
        detail: 'cfg/site_conf_inc.json: g_conf_site_cd: "t0000" has lower-case letters.',
        fix: {
          ko: '설정 파일 cfg/site_conf_inc.json을(를) 고치십시오 (아래 영문 안내의 항목).',
          en: 'write it in upper case, as KCP issued it: "T0000". Left as is, KCP answers res_cd=3014 (미등록 가맹점).',
        },
        kcpCode: '3014',
      },
    ]);
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
