/**
 * docs/ holds the facts the code cites: every `pp-cli-protocol.md §N`, `kcp-manual.md §N` and `design.md §N` a comment in lib/,
 * native/, bench/ or sample/ names is a heading of that page, and the package ships the pages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (/\.(ts|mjs|js|cc|c|h|md)$/.test(entry)) yield full;
  }
}

/** The section numbers a page declares: `## 10.` → 10, `### 10.4 …` → 10.4. */
function sections(page: string): Set<string> {
  const text = readFileSync(path.join(ROOT, 'docs', page), 'utf8');
  return new Set([...text.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!));
}

describe('docs/: the facts the code cites', () => {
  for (const page of ['pp-cli-protocol.md', 'kcp-manual.md', 'design.md']) {
    it(`every § of ${page} cited in the code is a section of docs/${page}`, () => {
      const have = sections(page);
      const missing: string[] = [];
      for (const dir of ['lib', 'native', 'bench', 'sample']) {
        for (const file of sources(path.join(ROOT, dir))) {
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

  it('keeps the section numbers the code has cited since before docs/ existed', () => {
    const have = sections('pp-cli-protocol.md');
    for (const n of ['1.1', '1.2', '1.4', '1.5', '2', '2.1', '2.2', '2.3', '2.5', '2.7', '3.3', '6', '7.1', '7.2', '8', '10.1', '10.2', '10.3', '10.4']) {
      assert.ok(have.has(n), `§${n} is missing`);
    }
  });
});
