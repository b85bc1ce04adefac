/**
 * docs/ holds the facts the code cites: every `pp-cli-protocol.md §N`, `kcp-manual.md §N`, `design.md §N`,
 * `kcp-rest-api.md §N` and `windows-today.md §N` a comment in lib/, native/, test/, bench/, sample/ or scripts/ names
 * is a heading of that page, the package ships the pages, and no file there cites a document outside the repository.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CODE_DIRS = ['lib', 'native', 'test', 'bench', 'sample', 'scripts'];
const PAGES = ['pp-cli-protocol.md', 'kcp-manual.md', 'design.md', 'kcp-rest-api.md', 'windows-today.md'];
const SELF = path.join('test', 'package', 'docs.test.ts');

/**
 * A pointer outside the repository: the shared research folder, SPEC/DESIGN/ecosystem notes, KCP's raw manual, or a
 * page name without its docs/ folder (`pp-cli-protocol.md §2` rather than `docs/pp-cli-protocol.md §2`).
 */
const OUTSIDE = new RegExp(
  [
    'shared/docs',
    '/work/',
    '\\bSPEC(?:\\.md)?\\s?§',
    '\\bSPEC\\.md\\b',
    '\\bDESIGN\\.md\\b',
    '\\becosystem\\.md\\b',
    '\\bstyle-anchors\\.md\\b',
    'kcp-ax-hub-manual',
    `(?<![/\\w-])(?:${PAGES.map((p) => p.replace('.', '\\.')).join('|')})`,
    '(?<![/\\w-])(?:pp-cli-protocol|kcp-rest-api|windows-today)(?![\\w.-])',
    '\\bmanual §',
  ].join('|'),
);

function* codeFiles(): Generator<string> {
  for (const dir of CODE_DIRS) {
    const full = path.join(ROOT, dir);
    if (existsSync(full)) yield* sources(full);
  }
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (/\.(ts|mjs|js|cc|c|h|md|sh)$/.test(entry)) yield full;
  }
}

/** The section numbers a page declares: `## 10.` → 10, `### 10.4 …` → 10.4. */
function sections(page: string): Set<string> {
  const text = readFileSync(path.join(ROOT, 'docs', page), 'utf8');
  return new Set([...text.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!));
}

describe('docs/: the facts the code cites', () => {
  for (const page of PAGES) {
    it(`every § of ${page} cited in the code is a section of docs/${page}`, () => {
      const have = sections(page);
      const missing: string[] = [];
      {
        for (const file of codeFiles()) {
          if (path.relative(ROOT, file) === SELF) continue;
          const text = readFileSync(file, 'utf8');
          // "pp-cli-protocol.md §1.2, §2.5" and "pp-cli-protocol.md (§1.5" both cite
          for (const m of text.matchAll(new RegExp(`${page.replace('.', '\\.')}\`?[ (]*((?:§\\s?\\d+(?:\\.\\d+)?[,; and]*)+)`, 'g'))) {
            for (const n of m[1]!.matchAll(/§\s?(\d+(?:\.\d+)?)/g)) {
              if (!have.has(n[1]!)) missing.push(`${path.relative(ROOT, file)}: §${n[1]}`);
            }
          }
        }
      }
      assert.deepEqual(missing, []);
    });
  }

  it('no file in lib/, native/, test/, bench/, sample/ or scripts/ cites a document outside the repository', () => {
    const outside: string[] = [];
    for (const file of codeFiles()) {
      if (path.relative(ROOT, file) === SELF) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (OUTSIDE.test(line)) outside.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(outside, []);
  });

  it('the package ships every page the code cites', () => {
    const files = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).files as string[];
    assert.ok(files.includes('docs'), 'package.json files lacks docs');
    for (const page of ['README.md', ...PAGES]) assert.ok(existsSync(path.join(ROOT, 'docs', page)), `docs/${page} is missing`);
  });

  it('keeps the section numbers the code has cited since before docs/ existed', () => {
    const have = sections('pp-cli-protocol.md');
    for (const n of ['1.1', '1.2', '1.4', '1.5', '2', '2.1', '2.2', '2.3', '2.5', '2.7', '3.3', '6', '7.1', '7.2', '8', '10.1', '10.2', '10.3', '10.4']) {
      assert.ok(have.has(n), `§${n} is missing`);
    }
  });
});
