/**
 * Runner selection: native when the addon loads, execa with a reason otherwise, the environment
 * override, and the choice logged at level 2.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KcpConfigError, KcpModuleError } from '../../lib/errors.js';
import type { LogEvent } from '../../lib/log/types.js';
import { defaultAddonPath, loadAddon, packageRoot, selectRunner } from '../../lib/runner/index.js';
import { requireAddon } from '../helpers/native.js';
import { recordPreloadUrl } from '../../lib/runner/replay.js';

const FIX = 'install g++, make and python3, then run `npm rebuild kcp-payplus`';

function recorder(): { events: LogEvent[]; log(e: LogEvent): void } {
  const events: LogEvent[] = [];
  return { events, log: (e) => events.push(e) };
}

/** Runs selectRunner() in a fresh Node process (nothing cached) and returns what it chose. */
function selectInFreshProcess(env: Record<string, string>, addonPath?: string, nodeArgs: string[] = []): { name: string; reason: string } {
  const code =
    "import { selectRunner } from './lib/runner/index.js';" +
    `const s = selectRunner({ addonPath: ${JSON.stringify(addonPath)} });` +
    'process.stdout.write(JSON.stringify({ name: s.runner.name, reason: s.reason }));';
  const out = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: packageRoot(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { name: string; reason: string };
}

describe('runner selection', () => {
  let dir: string;
  let missing: string;
  let notAddon: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kcp-select-'));
    missing = join(dir, 'missing.node');
    notAddon = join(dir, 'garbage.node');
    writeFileSync(notAddon, 'this is not a shared object\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('picks native when the addon loads, and logs the choice at level 2', function () {
    requireAddon(this);
    const logger = recorder();
    const { runner, reason } = selectRunner({ env: {}, logger });
    assert.equal(runner.name, 'native');
    assert.equal(runner.argvEncoding, 'euc-kr');
    assert.equal(reason, `native addon loaded from ${defaultAddonPath()}`);
    assert.deepEqual(logger.events, [{ level: 2, event: 'runner.selected', fields: { runner: 'native', reason } }]);
  });

  it('KCP_PAYPLUS_RUNNER=execa forces execa, over the runner option too', () => {
    const logger = recorder();
    const { runner, reason } = selectRunner({ env: { KCP_PAYPLUS_RUNNER: 'execa' }, runner: 'native', logger });
    assert.equal(runner.name, 'execa');
    assert.equal(runner.argvEncoding, 'utf-8');
    assert.equal(reason, 'KCP_PAYPLUS_RUNNER=execa requested the execa runner');
    assert.deepEqual(logger.events, [{ level: 2, event: 'runner.selected', fields: { runner: 'execa', reason } }]);
  });

  it("runner: 'execa' picks execa when the environment says nothing or auto", () => {
    assert.equal(selectRunner({ env: { KCP_PAYPLUS_RUNNER: 'auto' }, runner: 'execa' }).runner.name, 'execa');
    assert.equal(selectRunner({ env: {}, runner: 'execa' }).reason, "runner: 'execa' requested the execa runner");
  });

  it('falls back to execa with the reason when the addon file is missing', () => {
    const { runner, reason } = selectRunner({ env: {}, addonPath: missing });
    assert.equal(runner.name, 'execa');
    assert.equal(
      reason,
      `native addon not built: ${missing} does not exist; using execa (non-ASCII arguments travel as UTF-8 with opt=1). ` +
        `To use the native runner: ${FIX}`,
    );
  });

  it('falls back to execa when the addon file does not load', () => {
    const load = loadAddon(notAddon);
    assert.equal(load.ok, false);
    assert.ok(!load.ok && load.reason.startsWith(`native addon at ${notAddon} does not load: `), JSON.stringify(load));
    assert.equal(selectRunner({ env: {}, addonPath: notAddon }).runner.name, 'execa');
  });

  it('KCP_PAYPLUS_RUNNER=native throws KcpModuleError with the load error and the fix when the addon cannot load', () => {
    assert.throws(() => selectRunner({ env: { KCP_PAYPLUS_RUNNER: 'native' }, addonPath: missing }), (err: unknown) => {
      assert.ok(err instanceof KcpModuleError);
      assert.equal(err.code, 'module_unavailable');
      assert.equal(err.field, 'KCP_PAYPLUS_RUNNER');
      assert.equal(
        err.message,
        `KCP_PAYPLUS_RUNNER=native requires the native runner, but native addon not built: ${missing} does not exist. Fix: ${FIX}.`,
      );
      return true;
    });
  });

  it("runner: 'native' throws the same way, naming the option", () => {
    assert.throws(() => selectRunner({ env: {}, runner: 'native', addonPath: missing }), {
      name: 'KcpModuleError',
      field: 'runner',
      message: `runner: 'native' requires the native runner, but native addon not built: ${missing} does not exist. Fix: ${FIX}.`,
    });
  });

  it('rejects an unknown KCP_PAYPLUS_RUNNER value with KcpConfigError', () => {
    assert.throws(() => selectRunner({ env: { KCP_PAYPLUS_RUNNER: 'fast' } }), (err: unknown) => {
      assert.ok(err instanceof KcpConfigError);
      assert.equal(err.field, 'KCP_PAYPLUS_RUNNER');
      assert.equal(err.message, 'KCP_PAYPLUS_RUNNER="fast" is not a runner. Fix: set it to native, execa or auto, or unset it.');
      return true;
    });
  });

  describe('in a fresh process', function () {
    this.timeout(30000);

    it('a stray KCP_PAYPLUS_CASSETTE (with mode and bind) changes nothing: payments still run pp_cli', () => {
      const cassette = join(packageRoot(), 'test', 'cassettes', 'vbank-issue.json');
      for (const mode of ['replay', 'record', 'bogus']) {
        assert.deepEqual(
          selectInFreshProcess({
            KCP_PAYPLUS_RUNNER: 'execa',
            KCP_PAYPLUS_CASSETTE: cassette,
            KCP_PAYPLUS_CASSETTE_MODE: mode,
            KCP_PAYPLUS_CASSETTE_BIND: 'ordr_idxx',
          }),
          { name: 'execa', reason: 'KCP_PAYPLUS_RUNNER=execa requested the execa runner' },
          mode,
        );
      }
    });

    it("only kcp-payplus record's preload puts the process under a cassette", () => {
      const cassette = join(packageRoot(), 'test', 'cassettes', 'vbank-issue.json');
      const preload = recordPreloadUrl({ path: cassette, mode: 'replay', bind: ['ordr_idxx'] });
      assert.match(preload, /^data:text\/javascript;base64,[A-Za-z0-9+/=]+$/);
      assert.deepEqual(selectInFreshProcess({ KCP_PAYPLUS_RUNNER: 'execa' }, undefined, [`--import=${preload}`]), {
        name: 'replay',
        reason: `KCP_PAYPLUS_RUNNER=execa requested the execa runner; kcp-payplus record: cassette ${cassette} (replay)`,
      });
    });

    it('KCP_PAYPLUS_RUNNER=execa from the real environment forces execa', () => {
      assert.deepEqual(selectInFreshProcess({ KCP_PAYPLUS_RUNNER: 'execa' }), {
        name: 'execa',
        reason: 'KCP_PAYPLUS_RUNNER=execa requested the execa runner',
      });
    });

    it('an unloadable addon path falls back to execa and importing the runners still works', () => {
      const chosen = selectInFreshProcess({}, notAddon);
      assert.equal(chosen.name, 'execa');
      assert.ok(chosen.reason.startsWith(`native addon at ${notAddon} does not load: `), chosen.reason);
    });
  });
});
