/**
 * scripts/build-native.mjs must never fail an install: without the tools it prints one line naming
 * the fallback and exits 0. (The real build is exercised by `npm install` and the runner tests.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../lib/runner/index.js';

const FIX = 'install g++, make and python3, then run `npm rebuild kcp-payplus`';

function runScript(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'scripts', 'build-native.mjs')], { env, encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/build-native.mjs', () => {
  it('exits 0 with one line when KCP_PAYPLUS_SKIP_NATIVE=1', () => {
    assert.deepEqual(runScript({ PATH: process.env.PATH ?? '', KCP_PAYPLUS_SKIP_NATIVE: '1' }), {
      status: 0,
      stdout: `kcp-payplus: native addon not built (KCP_PAYPLUS_SKIP_NATIVE=1); the execa runner will be used. To build it: ${FIX}.\n`,
      stderr: '',
    });
  });

  it('exits 0 with one line when make is not on PATH', () => {
    const empty = mkdtempSync(join(tmpdir(), 'kcp-nopath-'));
    try {
      assert.deepEqual(runScript({ PATH: empty }), {
        status: 0,
        stdout: `kcp-payplus: native addon not built (make not found); the execa runner will be used. To build it: ${FIX}.\n`,
        stderr: '',
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('says what it builds before the long, quiet compile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcp-fake-gyp-'));
    try {
      const fake = join(dir, 'node-gyp.js');
      writeFileSync(fake, 'process.exit(0);\n');
      const r = runScript({ PATH: process.env.PATH ?? '', npm_config_node_gyp: fake, KCP_PAYPLUS_BUILD_VERBOSE: '1' });
      assert.equal(r.status, 0);
      assert.equal(
        r.stdout.split('\n')[0],
        'kcp-payplus: building the spawn addon and the stand-in pp_cli (native/, C and C++ with node-gyp); this takes a minute or two on a small machine (output below).',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes the node-addon-api/ folder of gyp makefiles an installed package's build leaves, and nothing else", () => {
    const run = (pkg: string) => {
      const fake = join(pkg, 'fake-gyp.js');
      writeFileSync(fake, 'process.exit(1);\n');
      return spawnSync(process.execPath, [join(pkg, 'scripts', 'build-native.mjs')], {
        env: { PATH: process.env.PATH ?? '', npm_config_node_gyp: fake, KCP_PAYPLUS_BUILD_VERBOSE: '1' },
        encoding: 'utf8',
        timeout: 20000,
      });
    };
    const pkg = mkdtempSync(join(tmpdir(), 'kcp-installed-'));
    try {
      mkdirSync(join(pkg, 'scripts'));
      copyFileSync(join(packageRoot(), 'scripts', 'build-native.mjs'), join(pkg, 'scripts', 'build-native.mjs'));
      mkdirSync(join(pkg, 'node-addon-api'));
      writeFileSync(join(pkg, 'node-addon-api', 'node_addon_api_except.target.mk'), '# gyp\n');
      writeFileSync(join(pkg, 'node-addon-api', 'node_addon_api.Makefile'), '# gyp\n');
      assert.equal(run(pkg).status, 0);
      assert.equal(existsSync(join(pkg, 'node-addon-api')), false);
      assert.ok(existsSync(join(pkg, 'scripts', 'build-native.mjs')));

      mkdirSync(join(pkg, 'node-addon-api'));
      writeFileSync(join(pkg, 'node-addon-api', 'package.json'), '{}');
      assert.equal(run(pkg).status, 0);
      assert.ok(existsSync(join(pkg, 'node-addon-api', 'package.json')), 'a folder that is not only gyp output stays');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});
