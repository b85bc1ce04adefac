import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { runDoctor, doctorPassed, type CheckResult, type DoctorOptions } from '../../lib/doctor/index.js';
import { EM_386, EM_AARCH64, EM_X86_64 } from '../../lib/doctor/elf.js';
import type { SiteConfData } from '../../lib/config/site-conf.js';
import {
  asciiUpload,
  craftElf,
  makeInstall,
  removeInstalls,
  standInScript,
  testConf,
  writeModule,
  type Install,
} from '../fixtures/doctor/install.js';

const OFFLINE: DoctorOptions = { offline: true };

function byId(results: CheckResult[], id: string): CheckResult {
  const found = results.find((r) => r.id === id);
  assert.ok(found, `no result ${id} in ${results.map((r) => r.id).join(', ')}`);
  return found;
}

async function run(conf: SiteConfData, options: DoctorOptions = OFFLINE): Promise<CheckResult[]> {
  return runDoctor(conf, options);
}

describe('doctor', () => {
  after(removeInstalls);

  let install: Install;
  beforeEach(() => {
    install = makeInstall();
  });

  describe('a healthy install', () => {
    it('passes every check (network skipped offline) and records the banner version', async () => {
      writeModule(install, standInScript('2.14'));
      const results = await run(testConf(install));
      assert.deepEqual(
        results.map((r) => [r.id, r.status]),
        [
          ['config.values', 'pass'],
          ['config.env', 'pass'],
          ['site.code', 'pass'],
          ['site.key', 'pass'],
          ['module.present', 'pass'],
          ['module.mode', 'pass'],
          ['module.integrity', 'pass'],
          ['module.format', 'pass'],
          ['module.smoke', 'pass'],
          ['module.standin', 'pass'],
          ['log.dir', 'pass'],
          ['log.pp_cli_level', 'pass'],
          ['webroot.outside', 'pass'],
          ['network.dns', 'skip'],
          ['network.connect:8090', 'skip'],
          ['notify.url', 'pass'],
          // payplus.transport pp_cli: the PG-API checks are one skip line.
          ['rest', 'skip'],
        ],
      );
      assert.equal(doctorPassed(results), true);
      assert.equal(
        byId(results, 'module.smoke').detail,
        '"pp_cli - KCP PG CLIENT MODULE ver 2.14" on stderr, res_cd=S102 on stdout; UTF-8 (opt=1) available',
      );
      assert.equal(byId(results, 'module.format').detail, 'script run by /bin/sh');
      assert.equal(byId(results, 'config.env').detail, 'all TEST: site code T0000, gateway testpaygw.kcp.co.kr, JS https://pay.kcp.co.kr/plugin/payplus_test.js');
      for (const r of results) {
        assert.equal(JSON.stringify(r).includes('3grptw1.zW0GSo4PQdaGvsF__'), false, `${r.id} shows the site key`);
        if (r.status === 'pass') assert.deepEqual(r.fix, { ko: '', en: '' });
      }
    });

    it('reports a v2.00 module: no UTF-8, and a warning when the configuration says 2.14', async () => {
      writeModule(install, standInScript('2.00'));
      const smoke = byId(await run(testConf(install)), 'module.smoke');
      assert.equal(smoke.status, 'warn');
      assert.equal(
        smoke.detail,
        '"pp_cli - PayPLUS CLIENT 모듈 ver 2.00" on stderr, res_cd=S102 on stdout; no UTF-8 (opt=1): Korean text needs the native runner (EUC-KR argv); but payplus.pp_cli_version is 2.14.',
      );
      assert.equal(smoke.fix.en, 'set payplus.pp_cli_version to "2.00" (2.00 takes no log_path; only 2.14 has opt=1).');
      const ok = byId(await run(testConf(install, { ppCliVersion: '2.00' })), 'module.smoke');
      assert.equal(ok.status, 'pass');
    });

    it('picks pp_cli_x64 with binary "auto" on a 64-bit host', async () => {
      writeModule(install, standInScript('2.14'), 'pp_cli_x64');
      const results = await run(testConf(install, { binary: 'auto' }), { ...OFFLINE, arch: 'x64' });
      assert.equal(byId(results, 'module.present').detail, `${path.join(install.bin, 'pp_cli_x64')} (${fs.statSync(path.join(install.bin, 'pp_cli_x64')).size} bytes)`);
      assert.equal(byId(results, 'module.smoke').status, 'pass');
      assert.match(byId(results, 'module.smoke').detail, /^"pp_cli_x64 - KCP PG CLIENT MODULE ver 2\.14"/);
    });
  });

  describe('the module (9502)', () => {
    it('fails when pp_cli is missing and skips the checks that need it', async () => {
      const results = await run(testConf(install));
      const present = byId(results, 'module.present');
      assert.equal(present.status, 'fail');
      assert.equal(present.kcpCode, '9502');
      assert.equal(present.detail, `${path.join(install.bin, 'pp_cli')} is missing. ${install.bin} holds no pp_cli.`);
      assert.equal(
        present.fix.en,
        `upload pp_cli (pp_cli_x64 on 64-bit servers) from KCP's package to ${install.bin} in binary mode and chmod 755 it, or fix g_conf_home_dir if it lives elsewhere.`,
      );
      assert.match(present.fix.ko, /바이너리 모드로 올리고 chmod 755/);
      for (const id of ['module.mode', 'module.integrity', 'module.format', 'module.smoke']) {
        assert.equal(byId(results, id).status, 'skip', id);
      }
      assert.equal(doctorPassed(results), false);
    });

    it('names the module that is there when the configured one is missing', async () => {
      writeModule(install, standInScript(), 'pp_cli_x64');
      const present = byId(await run(testConf(install, { binary: 'pp_cli' })), 'module.present');
      assert.equal(present.detail, `${path.join(install.bin, 'pp_cli')} is missing. ${install.bin} holds: pp_cli_x64.`);
    });

    it('fails when g_conf_home_dir does not exist', async () => {
      const present = byId(await run(testConf(install, { homeDir: path.join(install.home, 'nowhere') })), 'module.present');
      assert.equal(present.status, 'fail');
      assert.equal(present.detail, `g_conf_home_dir ${path.join(install.home, 'nowhere')} does not exist.`);
    });

    it('fails on mode 644 with chmod 755 as the fix, and does not run it', async () => {
      const file = writeModule(install, standInScript(), 'pp_cli', 0o644);
      const results = await run(testConf(install), { ...OFFLINE, identity: { uid: 0, gids: [0] } });
      const mode = byId(results, 'module.mode');
      assert.equal(mode.status, 'fail');
      assert.equal(mode.kcpCode, '9502');
      assert.equal(mode.detail, 'mode 0644 is below 0755 and not executable by uid 0.');
      assert.deepEqual(mode.fix, {
        ko: `실행 권한을 755로 설정하십시오: chmod 755 ${file}`,
        en: `make it executable for the web server's user: chmod 755 ${file}`,
      });
      assert.equal(byId(results, 'module.smoke').status, 'skip');
    });

    it('fails on mode 744: others (the web server) cannot execute it', async () => {
      writeModule(install, standInScript(), 'pp_cli', 0o744);
      const mode = byId(await run(testConf(install)), 'module.mode');
      assert.equal(mode.status, 'fail');
      assert.equal(mode.detail, 'mode 0744 is below 0755.');
    });

    it('judges execution by the bits that apply to the user (owner, group, other)', async () => {
      writeModule(install, standInScript(), 'pp_cli', 0o755);
      const asStranger = byId(await run(testConf(install), { ...OFFLINE, identity: { uid: 4242, gids: [4242] }, noSmoke: true }), 'module.mode');
      assert.equal(asStranger.status, 'pass');
      fs.chmodSync(path.join(install.bin, 'pp_cli'), 0o750);
      const denied = byId(await run(testConf(install), { ...OFFLINE, identity: { uid: 4242, gids: [4242] }, noSmoke: true }), 'module.mode');
      assert.equal(denied.detail, 'mode 0750 is below 0755 and not executable by uid 4242.');
    });

    it('warns when group or others may write the module', async () => {
      writeModule(install, standInScript(), 'pp_cli', 0o777);
      const mode = byId(await run(testConf(install)), 'module.mode');
      assert.equal(mode.status, 'warn');
      assert.equal(mode.detail, 'mode 0777: group or others may replace the module.');
    });

    it('fails on an ELF damaged by an ASCII-mode upload (every LF became CRLF)', async () => {
      const sound = craftElf({ bits: 64, machine: EM_X86_64, interpreter: '/lib64/ld-linux-x86-64.so.2' });
      const lfs = [...sound].filter((b) => b === 0x0a).length;
      assert.equal(lfs, 2);
      writeModule(install, asciiUpload(sound));
      const results = await run(testConf(install), { ...OFFLINE, arch: 'x64' });
      const integrity = byId(results, 'module.integrity');
      assert.equal(integrity.status, 'fail');
      assert.equal(integrity.kcpCode, '9502');
      assert.equal(integrity.detail, 'every LF byte in this ELF file is preceded by CR (2 CRLF pairs): it was uploaded in ASCII mode.');
      assert.equal(integrity.fix.en, "upload pp_cli from KCP's package again in FTP BINARY mode (not ASCII), then chmod 755 it.");
      assert.equal(byId(results, 'module.smoke').status, 'skip');
    });

    it('passes the same ELF uploaded in binary mode', async () => {
      writeModule(install, craftElf({ bits: 64, machine: EM_X86_64 }));
      const integrity = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64', noSmoke: true }), 'module.integrity');
      assert.equal(integrity.status, 'pass');
      assert.match(integrity.detail, /^no ASCII-mode damage found; \d+ bytes, sha256 [0-9a-f]{64}$/);
    });

    it('fails when size or sha256 differ from the expected module', async () => {
      const bytes = craftElf({ bits: 64, machine: EM_X86_64 });
      writeModule(install, bytes);
      const bySize = byId(await run(testConf(install), { ...OFFLINE, expectedModule: { size: bytes.length + 10 } }), 'module.integrity');
      assert.equal(bySize.status, 'fail');
      assert.equal(bySize.detail, `size ${bytes.length} bytes differs from KCP's ${bytes.length + 10} bytes (an ASCII-mode upload changes the size).`);
      const byHash = byId(await run(testConf(install), { ...OFFLINE, expectedModule: { sha256: 'AB'.repeat(32) } }), 'module.integrity');
      assert.equal(byHash.status, 'fail');
      assert.match(byHash.detail, /^sha256 [0-9a-f]{64} differs from the expected (ab){32}\.$/);
    });

    describe('ELF class, machine and loader', () => {
      it('fails on a 32-bit module on a 64-bit server without the 32-bit loader', async () => {
        const loader = path.join(install.home, 'no-such-dir', 'ld-linux.so.2');
        writeModule(install, craftElf({ bits: 32, machine: EM_386, interpreter: loader }));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(format.status, 'fail');
        assert.equal(format.kcpCode, '9502');
        assert.equal(
          format.detail,
          `ELF 32-bit i386 on a x86-64 (64-bit) server without its loader ${loader} (the kernel reports "No such file or directory").`,
        );
        assert.equal(
          format.fix.en,
          'use pp_cli_x64 on a 64-bit server (payplus.binary: "pp_cli_x64"), or install the 32-bit C library (apt-get install libc6-i386 / yum install glibc.i686).',
        );
      });

      it('accepts a 32-bit module on a 64-bit server when the loader exists', async () => {
        const loader = path.join(install.home, 'ld-linux.so.2');
        fs.writeFileSync(loader, '');
        writeModule(install, craftElf({ bits: 32, machine: EM_386, interpreter: loader }));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64', noSmoke: true }), 'module.format');
        assert.equal(format.status, 'pass');
        assert.equal(format.detail, `ELF 32-bit i386, loader ${loader}; a 32-bit module on a 64-bit server (pp_cli_x64 is the native choice)`);
      });

      it('fails on the wrong ELF class (32-bit class with the x86-64 machine)', async () => {
        writeModule(install, craftElf({ bits: 32, machine: EM_X86_64, interpreter: '/lib64/ld-linux-x86-64.so.2' }));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(format.status, 'fail');
        assert.equal(format.detail, 'ELF 32-bit x86-64, but this server is x86-64 (64-bit).');
      });

      it('fails on a 64-bit module on a 32-bit server, and on another machine', async () => {
        writeModule(install, craftElf({ bits: 64, machine: EM_X86_64 }));
        const on32 = byId(await run(testConf(install), { ...OFFLINE, arch: 'ia32' }), 'module.format');
        assert.equal(on32.detail, 'ELF 64-bit x86-64, but this server is i386 (32-bit).');
        writeModule(install, craftElf({ bits: 64, machine: EM_AARCH64 }));
        const arm = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(arm.status, 'fail');
        assert.equal(arm.detail, 'ELF 64-bit aarch64, but this server is x86-64 (64-bit).');
      });

      it('fails on a big-endian module', async () => {
        writeModule(install, craftElf({ bits: 64, machine: EM_X86_64, bigEndian: true }));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(format.status, 'fail');
      });

      it('fails on a truncated ELF, naming what is cut off', async () => {
        const whole = craftElf({ bits: 64, machine: EM_X86_64, interpreter: '/lib64/ld-linux-x86-64.so.2' });
        writeModule(install, whole.subarray(0, 80));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(format.status, 'fail');
        assert.equal(format.detail, 'damaged ELF file: program headers (1 at offset 64) run past the end of the file (80 bytes).');
      });

      it('fails on a native module whose loader is missing (a glibc module on musl)', async () => {
        const loader = path.join(install.home, 'missing', 'ld-linux-x86-64.so.2');
        writeModule(install, craftElf({ bits: 64, machine: EM_X86_64, interpreter: loader }));
        const format = byId(await run(testConf(install), { ...OFFLINE, arch: 'x64' }), 'module.format');
        assert.equal(format.detail, `ELF 64-bit x86-64 whose loader ${loader} does not exist (e.g. a glibc module on a musl system).`);
      });

      it('fails on the Windows executable and on a file that is neither ELF nor script', async () => {
        writeModule(install, Buffer.from('MZ\x90\x00windows', 'latin1'));
        assert.equal(byId(await run(testConf(install)), 'module.format').detail, 'a Windows executable (pp_cli_exe.exe), which Linux cannot run.');
        writeModule(install, '<html>404 Not Found</html>');
        assert.equal(byId(await run(testConf(install)), 'module.format').detail, 'neither an ELF executable nor a #! script.');
      });
    });

    describe('scripts', () => {
      it('fails on a script whose interpreter does not exist', async () => {
        writeModule(install, '#!/nonexistent/bash\necho hi\n');
        const results = await run(testConf(install));
        const format = byId(results, 'module.format');
        assert.equal(format.status, 'fail');
        assert.equal(format.kcpCode, '9502');
        assert.equal(format.detail, 'script whose interpreter /nonexistent/bash does not exist.');
        assert.equal(format.fix.en, 'install /nonexistent/bash or use a module built for this server.');
        assert.equal(byId(results, 'module.smoke').status, 'skip');
      });

      it('fails on a script with CRLF line endings (bad interpreter ^M)', async () => {
        writeModule(install, '#!/bin/sh\r\necho hi\r\n');
        const format = byId(await run(testConf(install)), 'module.format');
        assert.equal(format.status, 'fail');
        assert.equal(format.detail, 'script with CRLF line endings: the kernel looks for the interpreter "/bin/sh\\r" ("bad interpreter: ^M").');
      });

      it('fails on an env script whose program is not on PATH', async () => {
        writeModule(install, '#!/usr/bin/env no-such-program-kcp\n');
        const format = byId(await run(testConf(install)), 'module.format');
        assert.equal(format.detail, 'script run through env, but no-such-program-kcp is not on PATH.');
      });
    });

    describe('smoke run (pp_cli -x)', () => {
      it('fails when the module prints neither banner nor S102', async () => {
        writeModule(install, standInScript('2.14', { silent: true }));
        const smoke = byId(await run(testConf(install)), 'module.smoke');
        assert.equal(smoke.status, 'fail');
        assert.equal(smoke.kcpCode, '9502');
        assert.equal(smoke.detail, 'expected the usage banner on stderr and res_cd=S102 on stdout; got stdout "", stderr "", exit 0.');
      });

      it('fails when the module hangs, after the timeout', async () => {
        writeModule(install, '#!/bin/sh\nexec sleep 30\n');
        const smoke = byId(await run(testConf(install), { ...OFFLINE, smokeTimeoutMs: 300 }), 'module.smoke');
        assert.equal(smoke.status, 'fail');
        assert.equal(smoke.detail, 'no answer within 300 ms.');
      });
    });
  });

  describe('configuration', () => {
    it('fails a TEST site code with the REAL gateway (8001: JS and gateway out of step)', async () => {
      writeModule(install, standInScript());
      const env = byId(await run(testConf(install, { gwUrl: 'paygw.kcp.co.kr' })), 'config.env');
      assert.equal(env.status, 'fail');
      assert.equal(env.kcpCode, '8001');
      assert.equal(env.detail, 'g_conf_gw_url "paygw.kcp.co.kr" is the REAL gateway but g_conf_site_cd "T0000" and g_conf_js_url are TEST.');
      assert.deepEqual(env.fix, {
        ko: '테스트 사이트코드와 테스트 JS에는 테스트 게이트웨이 testpaygw.kcp.co.kr(또는 로컬 시뮬레이터)를 설정하십시오.',
        en: 'use the TEST gateway testpaygw.kcp.co.kr (or the local simulator) with a TEST site code and payplus_test.js.',
      });
    });

    it('fails a REAL site code with the TEST gateway (8001)', async () => {
      const conf = testConf(install, {
        siteCd: 'A52Q7',
        siteKey: 'abcdefghijklmnopqrstuvw__',
        jsUrl: 'https://pay.kcp.co.kr/plugin/payplus.js',
        env: 'REAL',
      });
      const env = byId(await run(conf), 'config.env');
      assert.equal(env.kcpCode, '8001');
      assert.equal(env.fix.en, 'use the REAL gateway paygw.kcp.co.kr with a REAL site code and payplus.js (testpaygw.kcp.co.kr is for TEST only).');
    });

    it('fails a REAL site code with the TEST payment window (3014)', async () => {
      const conf = testConf(install, { siteCd: 'A52Q7', siteKey: 'abcdefghijklmnopqrstuvw__', gwUrl: 'paygw.kcp.co.kr', env: 'REAL' });
      const env = byId(await run(conf), 'config.env');
      assert.equal(env.status, 'fail');
      assert.equal(env.kcpCode, '3014');
      assert.equal(
        env.detail,
        'g_conf_site_cd "A52Q7" is a REAL site code but g_conf_js_url "https://pay.kcp.co.kr/plugin/payplus_test.js" is the TEST payment window.',
      );
    });

    it('fails a lower-case site code (3014) and a site key without its trailing "__" (3014), never showing the key', async () => {
      const results = await run(testConf(install, { siteCd: 't0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF' }));
      const code = byId(results, 'site.code');
      assert.equal(code.status, 'fail');
      assert.equal(code.kcpCode, '3014');
      assert.equal(code.fix.ko, '사이트코드의 영문은 반드시 대문자로 입력하십시오: "T0000".');
      const key = byId(results, 'site.key');
      assert.equal(key.status, 'fail');
      assert.equal(key.kcpCode, '3014');
      assert.match(key.detail, /is not 25 characters long/);
      assert.equal(JSON.stringify(results).includes('3grptw1.zW0GSo4PQdaGvsF'), false);
    });

    it("fails T0000 with a key other than KCP's published test key", async () => {
      const key = byId(await run(testConf(install, { siteKey: 'XXXXXXXXXXXXXXXXXXXXXXX__' })), 'site.key');
      assert.equal(key.status, 'fail');
      assert.equal(key.detail, "g_conf_site_key is not KCP's published test key for T0000.");
    });

    it('fails values out of range, listing every problem', async () => {
      const values = byId(await run(testConf(install, { gwPort: '8091', homeDir: 'relative/home' })), 'config.values');
      assert.equal(values.status, 'fail');
      assert.equal(
        values.detail,
        'g_conf_home_dir: "relative/home" is not an absolute path. g_conf_gw_port: port 8091 is not KCP\'s gateway port 8090.',
      );
      assert.match(values.fix.ko, /^bin 폴더 바로 위 폴더의 절대경로를 입력하십시오/);
    });

    it('warns when a REAL site lets pp_cli log at level 3', async () => {
      const conf = testConf(install, {
        siteCd: 'A52Q7',
        siteKey: 'abcdefghijklmnopqrstuvw__',
        gwUrl: 'paygw.kcp.co.kr',
        jsUrl: 'https://pay.kcp.co.kr/plugin/payplus.js',
        env: 'REAL',
        ppCliLogLevel: 3,
      });
      const level = byId(await run(conf), 'log.pp_cli_level');
      assert.equal(level.status, 'warn');
      assert.equal(level.detail, 'REAL site with pp_cli log_level 3: pp_cli logs every full response.');
      assert.match(level.fix.en, /^set payplus\.pp_cli_log_level to 0\. pp_cli log level 3 writes full responses/);
    });

    it('warns whenever pp_cli dumps request bodies (log level 5, opted in), even on TEST', async () => {
      const level = byId(await run(testConf(install, { ppCliLogLevel: 5, allowPpCliRequestDump: true })), 'log.pp_cli_level');
      assert.equal(level.status, 'warn');
      assert.equal(
        level.detail,
        "TEST site with pp_cli log_level 5 (payplus.allow_pp_cli_request_dump): pp_cli writes every request body into its log, the payment window's enc_data and the buyer's data included, unmasked.",
      );
    });

    it('warns when the notification URL is not configured', async () => {
      const notify = byId(await run(testConf(install, { notifyUrl: undefined })), 'notify.url');
      assert.equal(notify.status, 'warn');
      assert.equal(notify.detail, 'payplus.notify_url is not set; virtual-account deposits and other notifications need it.');
      assert.equal(doctorPassed([notify]), true);
    });
  });

  describe('log folder', () => {
    it('fails when the folder is not writable by its user (by mode bits, even as root)', async () => {
      fs.chmodSync(install.log, 0o500);
      const dir = byId(await run(testConf(install), { ...OFFLINE, identity: { uid: 0, gids: [0] } }), 'log.dir');
      assert.equal(dir.status, 'fail');
      assert.equal(
        dir.detail,
        `${install.log} (mode 0500, owner uid ${fs.statSync(install.log).uid}) is not writable by uid 0 (owner bits); pp_cli writes no log there.`,
      );
      assert.equal(dir.fix.en, `make it writable by the web server's user: chown <web user> ${install.log} && chmod 700 ${install.log}.`);
    });

    it('fails for a user who falls under the "other" bits of a 0755 folder', async () => {
      fs.chmodSync(install.log, 0o755);
      const dir = byId(await run(testConf(install), { ...OFFLINE, identity: { uid: 4242, gids: [4242] } }), 'log.dir');
      assert.equal(dir.status, 'fail');
      assert.match(dir.detail, /is not writable by uid 4242 \(other bits\)/);
    });

    it('warns when the folder is world-readable and fails when world-writable', async () => {
      fs.chmodSync(install.log, 0o755);
      const readable = byId(await run(testConf(install)), 'log.dir');
      assert.equal(readable.status, 'warn');
      assert.equal(readable.detail, `${install.log} is world-readable (mode 0755); pp_cli logs at level 3 hold full responses.`);
      fs.chmodSync(install.log, 0o777);
      const writable = byId(await run(testConf(install)), 'log.dir');
      assert.equal(writable.status, 'fail');
      fs.chmodSync(install.log, 0o770);
      const group = byId(await run(testConf(install)), 'log.dir');
      assert.equal(group.status, 'fail');
      assert.equal(group.detail, `${install.log} is writable by its group (mode 0770), so they can replace a file in it with a link to another file; the SDK logger refuses to open it.`);
      assert.equal(group.fix.en, `chmod 700 ${install.log} (750 if the web server's group must read it).`);
    });

    it('warns when the folder is missing', async () => {
      const missing = path.join(install.home, 'logs-missing');
      const dir = byId(await run(testConf(install, { logDir: missing })), 'log.dir');
      assert.equal(dir.status, 'warn');
      assert.equal(dir.fix.en, `create it for the web server's user: mkdir -p ${missing} && chmod 700 ${missing}.`);
    });

    it('also checks <home>/log for pp_cli 2.00, which ignores log_path', async () => {
      const other = path.join(install.home, 'var-log');
      fs.mkdirSync(other, { mode: 0o700 });
      fs.chmodSync(install.log, 0o500);
      const results = await run(testConf(install, { logDir: other, ppCliVersion: '2.00' }), { ...OFFLINE, noSmoke: true });
      assert.equal(byId(results, 'log.dir').status, 'pass');
      const home = byId(results, 'log.dir.home');
      assert.equal(home.status, 'fail');
      assert.equal(home.title, 'Log folder (<home>/log, where pp_cli 2.00 always writes)');
    });
  });

  describe('web roots', () => {
    it('lists <home>/key and <home>/cfg only when they exist or are configured', async () => {
      fs.rmSync(path.join(install.home, 'cfg'), { recursive: true });
      const web = byId(await run(testConf(install, { webRoots: [install.home] })), 'webroot.outside');
      assert.equal(web.detail, `bin folder ${install.bin} lies inside web root ${install.home}; log folder ${install.log} lies inside web root ${install.home}.`);
      assert.equal(web.ko?.detail, `bin 폴더 ${install.bin}이(가) 웹 루트 ${install.home} 안에 있습니다; 로그 폴더 ${install.log}이(가) 웹 루트 ${install.home} 안에 있습니다.`);
      fs.mkdirSync(path.join(install.home, 'key'));
      const withKey = byId(await run(testConf(install, { webRoots: [install.home] })), 'webroot.outside');
      assert.match(withKey.detail, new RegExp(`; key folder ${path.join(install.home, 'key')} lies inside`));
    });

    it('fails when the log folder (or bin, cfg) lies inside a web root', async () => {
      const results = await run(testConf(install, { webRoots: [install.home] }));
      const web = byId(results, 'webroot.outside');
      assert.equal(web.status, 'fail');
      assert.equal(
        web.detail,
        [
          `bin folder ${install.bin} lies inside web root ${install.home}`,
          `log folder ${install.log} lies inside web root ${install.home}`,
          `cfg folder ${path.join(install.home, 'cfg')} lies inside web root ${install.home}`,
        ].join('; ') + '.',
      );
      assert.match(web.fix.ko, /웹 루트 밖/);
    });

    it('catches only the log folder when it alone is served, and the config file folder', async () => {
      const www = path.join(install.home, 'www');
      const logInWww = path.join(www, 'kcp-log');
      fs.mkdirSync(logInWww, { recursive: true, mode: 0o700 });
      const results = await run(testConf(install, { webRoots: [www], logDir: logInWww }), {
        ...OFFLINE,
        configPath: path.join(www, 'site_conf_inc.json'),
      });
      assert.equal(
        byId(results, 'webroot.outside').detail,
        `log folder ${logInWww} lies inside web root ${www}; config file folder ${www} lies inside web root ${www}.`,
      );
    });

    it('warns when no web roots are configured', async () => {
      const web = byId(await run(testConf(install, { webRoots: [] })), 'webroot.outside');
      assert.equal(web.status, 'warn');
    });
  });

  describe('network (S202)', () => {
    it('fails DNS with S202 and skips the connect', async () => {
      const results = await run(testConf(install), {
        dnsLookup: async () => {
          throw new Error('getaddrinfo ENOTFOUND testpaygw.kcp.co.kr');
        },
        connect: async () => assert.fail('must not connect'),
      });
      const dns = byId(results, 'network.dns');
      assert.equal(dns.status, 'fail');
      assert.equal(dns.kcpCode, 'S202');
      assert.equal(dns.detail, 'testpaygw.kcp.co.kr does not resolve: getaddrinfo ENOTFOUND testpaygw.kcp.co.kr.');
      assert.equal(byId(results, 'network.connect:8090').status, 'skip');
    });

    it('connects to each port and fails the closed one with the firewall fix', async () => {
      const tried: string[] = [];
      const results = await run(testConf(install, { gwPort: '8090:8091' }), {
        dnsLookup: async () => '203.238.36.58',
        connect: async (host, port) => {
          tried.push(`${host}:${port}`);
          if (port === 8091) throw new Error('connect ECONNREFUSED 203.238.36.58:8091');
        },
      });
      assert.deepEqual(tried, ['testpaygw.kcp.co.kr:8090', 'testpaygw.kcp.co.kr:8091']);
      assert.equal(byId(results, 'network.dns').detail, 'testpaygw.kcp.co.kr resolves to 203.238.36.58');
      assert.equal(byId(results, 'network.connect:8090').status, 'pass');
      const closed = byId(results, 'network.connect:8091');
      assert.equal(closed.status, 'fail');
      assert.equal(closed.kcpCode, 'S202');
      assert.equal(
        closed.fix.en,
        'allow outgoing TCP to testpaygw.kcp.co.kr (203.238.36.58) on port 8091 (KCP uses 8080 and 8090) in the firewall; "telnet testpaygw.kcp.co.kr 8091" should print res_cd=7504.',
      );
    });

    it('uses real DNS and TCP against a local listener (127.0.0.1)', async () => {
      const server = net.createServer((socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const open = (server.address() as net.AddressInfo).port;
      const closedServer = net.createServer();
      await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
      const closed = (closedServer.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => closedServer.close(() => resolve()));
      try {
        const results = await run(testConf(install, { gwUrl: '127.0.0.1', gwPort: `${open}:${closed}`, allowNonstandardPort: true }), {
          networkTimeoutMs: 2000,
        });
        assert.equal(byId(results, 'network.dns').status, 'pass');
        assert.equal(byId(results, `network.connect:${open}`).status, 'pass');
        const refused = byId(results, `network.connect:${closed}`);
        assert.equal(refused.status, 'fail');
        assert.equal(refused.detail, `cannot connect to 127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}.`);
      } finally {
        server.close();
      }
    });
  });
});
