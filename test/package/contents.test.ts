/**
 * What `npm pack` ships: every local file the README links, the sample shop (the reference integration), the
 * simulator README and bench results, the TypeScript sources the source maps point at, and @types/node declared and
 * referenced; no stray gyp folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('package contents (npm pack --dry-run)', function () {
  this.timeout(60_000);
  let files: Set<string>;
  before(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
    files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  });

  it('ships every local file the README links', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    assert.deepEqual([...new Set(links)].sort(), ['bench/RESULTS.md', 'cfg/README.md', 'docs/kcp-rest-api.md', 'lib/sim/README.md', 'sample/', 'vendor/README.md']);
    for (const link of links) {
      const target = link.replace(/\/$/, '');
      const shipped = files.has(target) || [...files].some((f) => f.startsWith(`${target}/`));
      assert.ok(shipped, `README links ${link}, which the package does not ship`);
    }
  });

  it('ships the simulator README, the bench results, the facts in docs/ and the sample shop', () => {
    for (const f of ['lib/sim/README.md', 'bench/RESULTS.md', 'docs/README.md', 'docs/pp-cli-protocol.md', 'docs/kcp-manual.md', 'docs/design.md', 'docs/kcp-rest-api.md', 'docs/windows-today.md', 'sample/README.md', 'sample/shop.ts', 'sample/runtime.ts', 'sample/public/style.css']) {
      assert.ok(files.has(f), `${f} is not in the package`);
    }
  });

  it('ships the source of every source map', () => {
    const maps = [...files].filter((f) => f.endsWith('.js.map'));
    const scripts = [...files].filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    assert.deepEqual(maps.sort(), scripts.map((f) => `${f}.map`).sort(), 'every shipped script has its map, and no map is stray');
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(ROOT, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const shipped = path.posix.normalize(path.posix.join(path.posix.dirname(map), source));
        assert.ok(files.has(shipped), `${map} points at ${shipped}, which is not shipped`);
      }
    }
  });

  it('declares @types/node and references it from the entry declarations', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(pkg.dependencies['@types/node'], '@types/node is a dependency');
    assert.ok(readFileSync(path.join(ROOT, 'dist/lib/index.d.ts'), 'utf8').startsWith('/// <reference types="node" preserve="true" />\n'));
  });

  it('ships no build output, no tests and no stray node-addon-api folder', () => {
    for (const f of files) {
      assert.doesNotMatch(f, /^(build|test|node-addon-api|node_modules|log|vendor\/bin)\//, f);
    }
  });
});
