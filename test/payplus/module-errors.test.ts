/**
 * Broken installs as a merchant meets them, through PayPlus and both real runners: each gives the module error (9502)
 * with the fix in its message, and a pp_cli that hangs is killed and reported as outcome unknown.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpModuleError, KcpOutcomeUnknownError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log/types.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import type { Runner } from '../../lib/runner/types.js';
import { testConfData } from '../helpers/conf.js';
import { nativeRunner, requireAddon } from '../helpers/native.js';

function home(script?: { body: string; mode: number }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-broken-'));
  mkdirSync(path.join(dir, 'bin'));
  if (script) {
    writeFileSync(path.join(dir, 'bin', 'pp_cli'), script.body);
    chmodSync(path.join(dir, 'bin', 'pp_cli'), script.mode);
  }
  return dir;
}

/** Direct children of this process that are zombies (state Z), as `pid (command)`. */
function zombieChildren(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' && Number(fields[1]) === process.pid) out.push(`${pid} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

// Both variants are always registered: without the addon the native one fails under CI (skips elsewhere) with the fix.
const runners: Array<[string, () => Runner]> = [
  ['native', () => nativeRunner()],
  ['execa', () => new ExecaRunner()],
];

for (const [name, makeRunner] of runners) {
  describe(`module errors through PayPlus (${name} runner)`, function () {
    before(function () {
      if (name === 'native') requireAddon(this);
    });
    const payplusFor = (homeDir: string, timeoutMs = 10_000) =>
      new PayPlus(testConfData({ homeDir, logDir: path.join(homeDir, 'log'), timeoutMs }), {
        runner: makeRunner(),
        logger: silentLogger,
        store: new MemoryStore(),
      });
    const cancel = (p: PayPlus) => p.cancel({ tno: '20261126000001', reason: 'x', custIp: '127.0.0.1' });

    it('a missing pp_cli names g_conf_home_dir and pp_cli_x64', async () => {
      const dir = home();
      await assert.rejects(cancel(payplusFor(dir)), (err: unknown) => {
        assert.ok(err instanceof KcpModuleError);
        assert.equal(err.resCd, '9502');
        assert.equal(err.outcomeKnown, true);
        assert.match(err.message, /^9502 연동 모듈 호출 오류: cannot run pp_cli \(ENOENT\): the module \(or its interpreter\/loader\) was not found at .*\/bin\/pp_cli: check g_conf_home_dir/);
        return true;
      });
    });

    it('a pp_cli without the exec bit says chmod 755', async () => {
      const dir = home({ body: '#!/bin/sh\necho res_cd=0000\n', mode: 0o644 });
      await assert.rejects(cancel(payplusFor(dir)), {
        code: 'module_unavailable',
        message: `9502 연동 모듈 호출 오류: cannot run pp_cli (EACCES): ${dir}/bin/pp_cli is not executable: chmod 755 ${dir}/bin/pp_cli (and check the folder permissions and noexec mounts)`,
      });
    });

    it('a module whose interpreter is missing points at the loader / architecture', async () => {
      const dir = home({ body: '#!/lib/ld-linux-missing.so.2\n', mode: 0o755 });
      await assert.rejects(cancel(payplusFor(dir)), {
        code: 'module_unavailable',
        message: /a binary for another architecture \(a 32-bit pp_cli on a 64-bit server without the 32-bit loader\), fails this way too: use the build for this machine \(uname -m\), e\.g\. pp_cli_x64$/,
      });
    });

    it('a pp_cli that hangs is killed at the timeout: outcome unknown, no zombie left', async () => {
      const dir = home({ body: '#!/bin/sh\nexec sleep 30\n', mode: 0o755 });
      // Compared with the zombies before the call: the runner must reap its own killed child, whatever else is about.
      const before = zombieChildren();
      await assert.rejects(cancel(payplusFor(dir, 300)), (err: unknown) => {
        assert.ok(err instanceof KcpOutcomeUnknownError);
        assert.equal(err.code, 'outcome_unknown');
        assert.equal(err.outcomeKnown, false);
        assert.equal(err.signal, 'SIGKILL');
        return true;
      });
      assert.deepEqual(zombieChildren(), before);
    });
  });
}
