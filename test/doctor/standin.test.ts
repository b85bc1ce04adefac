import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { runDoctor, type CheckResult } from '../../lib/doctor/index.js';
import { makeInstall, removeInstalls, testConf } from '../fixtures/doctor/install.js';
import { requireCompiler } from '../helpers/native.js';
import { standinPath } from '../sim/support/standin.js';

describe('doctor with the stand-in pp_cli (a real ELF)', function () {
  /** The stand-in pp_cli, compiled from native/standin/pp_cli.c on demand (a missing compiler fails under CI). */
  let STANDIN: string;
  after(removeInstalls);

  before(function () {
    requireCompiler(this);
    STANDIN = standinPath();
  });

  it('passes the ELF, integrity and smoke checks and reads its v2.14 banner', async () => {
    const install = makeInstall();
    const file = path.join(install.bin, 'pp_cli');
    fs.copyFileSync(STANDIN, file);
    fs.chmodSync(file, 0o755);
    const results = await runDoctor(testConf(install), { offline: true });
    const get = (id: string) => results.find((r) => r.id === id) as CheckResult;
    assert.equal(get('module.format').status, 'pass');
    assert.match(get('module.format').detail, /^ELF 64-bit \S+, loader \/\S+$/);
    assert.equal(get('module.integrity').status, 'pass');
    assert.equal(get('module.smoke').status, 'pass');
    assert.equal(get('module.smoke').detail, '"pp_cli - KCP PG CLIENT MODULE ver 2.14" on stderr, res_cd=S102 on stdout; UTF-8 (opt=1) available');
    assert.deepEqual(results.filter((r) => r.status === 'fail'), []);
  });

  it('fails the same binary after an ASCII-mode upload', async () => {
    const install = makeInstall();
    const bytes = fs.readFileSync(STANDIN);
    const damaged = Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const file = path.join(install.bin, 'pp_cli');
    fs.writeFileSync(file, damaged);
    fs.chmodSync(file, 0o755);
    const results = await runDoctor(testConf(install), { offline: true, expectedModule: { size: bytes.length } });
    const integrity = results.find((r) => r.id === 'module.integrity') as CheckResult;
    assert.equal(integrity.status, 'fail');
    assert.equal(integrity.detail, `size ${damaged.length} bytes differs from KCP's ${bytes.length} bytes (an ASCII-mode upload changes the size).`);
    const withoutExpected = await runDoctor(testConf(install), { offline: true });
    assert.match((withoutExpected.find((r) => r.id === 'module.integrity') as CheckResult).detail, /^every LF byte in this ELF file is preceded by CR \(\d+ CRLF pairs\)/);
  });
});

describe("doctor's module.standin check (the stand-in compiled from native/standin/pp_cli.c)", function () {
  after(removeInstalls);
  let bin: string;
  before(async function () {
    this.timeout(30_000);
    const { standinPath } = await import('../sim/support/standin.js');
    bin = standinPath();
  });

  function installWith(file: string) {
    const install = makeInstall();
    const target = path.join(install.bin, 'pp_cli');
    fs.copyFileSync(file, target);
    fs.chmodSync(target, 0o755);
    return install;
  }
  const standinCheck = (results: CheckResult[]) => results.find((r) => r.id === 'module.standin') as CheckResult;

  it('fails it under a REAL config', async () => {
    const install = installWith(bin);
    const conf = testConf(install, {
      siteCd: 'A52Q7', siteKey: 'abcdefghijklmnopqrstuvw__', gwUrl: 'paygw.kcp.co.kr', jsUrl: 'https://pay.kcp.co.kr/plugin/payplus.js', env: 'REAL',
    });
    const check = standinCheck(await runDoctor(conf, { offline: true }));
    assert.equal(check.status, 'fail');
    assert.equal(check.kcpCode, '9502');
    assert.equal(
      check.detail,
      `${install.bin}/pp_cli is kcp-payplus's stand-in (a test double), under a REAL config: it cannot reach KCP, would send the request in plain HTTP if it could, and refuses any host but loopback.`,
    );
    assert.match(check.fix.en, /^put KCP's own pp_cli/);
  });

  it("warns under a TEST config that points at KCP's test gateway", async () => {
    const check = standinCheck(await runDoctor(testConf(installWith(bin)), { offline: true }));
    assert.equal(check.status, 'warn');
    assert.match(check.detail, /the TEST gateway testpaygw\.kcp\.co\.kr is not a local simulator: the stand-in connects only to loopback \(or KCP_STANDIN_ALLOW_HOST\), so every request would answer S202\.$/);
  });

  it("passes it in the sample's simulator setup (TEST, gateway 127.0.0.1)", async () => {
    const install = installWith(bin);
    const conf = testConf(install, { gwUrl: '127.0.0.1', gwPort: '18090', allowNonstandardPort: true, jsUrl: 'http://127.0.0.1:18090/js/payplus_test.js' });
    const check = standinCheck(await runDoctor(conf, { offline: true }));
    assert.equal(check.status, 'pass');
    assert.equal(check.detail, `${install.bin}/pp_cli is the stand-in, talking to the local simulator at 127.0.0.1:18090 (TEST).`);
  });

  it('passes any other module without comment', async () => {
    const check = standinCheck(await runDoctor(testConf(installWith('/bin/true')), { offline: true, noSmoke: true }));
    assert.equal(check.status, 'pass');
    assert.match(check.detail, /is not the stand-in\.$/);
  });
});
