import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { runDoctor, type CheckResult } from '../../lib/doctor/index.js';
import { makeInstall, removeInstalls, testConf } from '../fixtures/doctor/install.js';

/** The stand-in pp_cli built by `npm run build` of the native part (native/standin/pp_cli.c). */
const STANDIN = path.resolve('build/Release/pp_cli_standin');

describe('doctor with the stand-in pp_cli (a real ELF)', function () {
  after(removeInstalls);

  before(function () {
    if (!fs.existsSync(STANDIN)) this.skip();
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
