import assert from 'node:assert/strict';

import {
  bandOf,
  compareRows,
  describeComparison,
  formatRows,
  parseRows,
  replaceRows,
  ROWS_END,
  ROWS_START,
  type BenchRow,
} from '../../bench/compare.js';

const row = (id: string, value: number, band: number, better: 'lower' | 'higher' = 'lower', unit = 'x'): BenchRow => ({ id, value, band, unit, better });

describe('bench comparer', () => {
  const previous = [
    row('small heap, one at a time: PayPlus.cancel x C loop', 1.4, 0.05),
    row('small heap, concurrency 16: native x execFile calls/s', 3.5, 0.3, 'higher'),
    row('big heap, PayPlus.cancel 4 at a time: loop p99', 1.8, 0.4, 'lower', 'ms'),
    row('syscalls per call beyond the C loop: PayPlus.cancel', 24, 1, 'lower', 'calls'),
  ];

  it('flags a fabricated 20 % slowdown of one row and nothing else', () => {
    const current = previous.map((r) => (r.id.startsWith('small heap, one') ? { ...r, value: r.value * 1.2 } : r));
    const c = compareRows(previous, current);
    assert.equal(c.moved.length, 1);
    const m = c.moved[0]!;
    assert.equal(m.id, 'small heap, one at a time: PayPlus.cancel x C loop');
    assert.equal(m.direction, 'worse');
    assert.equal(m.previous, 1.4);
    assert.ok(Math.abs(m.current - 1.68) < 1e-12);
    assert.equal(m.band, 0.05);
    assert.deepEqual(c.added, []);
    assert.deepEqual(c.missing, []);
    assert.match(describeComparison(c)[0]!, /^WORSE : small heap, one at a time: PayPlus\.cancel x C loop: 1\.400 -> 1\.680 x \(\+20 %\), beyond its band ±0\.050$/);
  });

  it('a move inside the wider of the two bands is not flagged; one just beyond it is', () => {
    const base = [row('r', 10, 1)];
    assert.deepEqual(compareRows(base, [row('r', 11, 0.2)]).moved, []); // exactly the old band
    assert.deepEqual(compareRows(base, [row('r', 12.5, 3)]).moved, []); // inside the new, wider band
    assert.equal(compareRows(base, [row('r', 11.01, 0.2)]).moved.length, 1);
  });

  it('direction follows the row: lower calls/s is worse, a lower p99 is better', () => {
    const c = compareRows(previous, [
      { ...previous[1]!, value: 2.5 },
      { ...previous[2]!, value: 0.9 },
    ]);
    assert.deepEqual(
      c.moved.map((m) => [m.id, m.direction]),
      [
        ['small heap, concurrency 16: native x execFile calls/s', 'worse'],
        ['big heap, PayPlus.cancel 4 at a time: loop p99', 'better'],
      ],
    );
    assert.deepEqual(c.missing, [previous[0]!.id, previous[3]!.id]);
  });

  it('names rows that are new or no longer measured, without flagging them', () => {
    const c = compareRows([row('old', 1, 0.1)], [row('new', 5, 0.1)]);
    assert.deepEqual(c, { moved: [], added: ['new'], missing: ['old'] });
    assert.deepEqual(describeComparison(c), [
      'no guarded row moved beyond its noise band',
      'new row (nothing to compare): new',
      'not measured this run: old',
    ]);
  });

  it('rows survive a round trip through the RESULTS.md table', () => {
    const md = `# Results\n\ntext\n\n${formatRows(previous)}\n\nmore text\n`;
    assert.deepEqual(parseRows(md), previous);
    const replaced = replaceRows(md, [row('only', 2, 0.5)]);
    assert.deepEqual(parseRows(replaced), [row('only', 2, 0.5)]);
    assert.ok(replaced.startsWith('# Results\n\ntext\n\n') && replaced.endsWith('\n\nmore text\n'));
    assert.deepEqual(parseRows('no table here'), []);
    assert.deepEqual(parseRows(replaceRows('no table here', previous)), previous);
  });

  it('a malformed row is refused with the line, not read as zero', () => {
    const md = `${ROWS_START}\n| row | value | noise band ± | unit | better |\n|---|---|---|---|---|\n| r | fast | 1 | x | lower |\n${ROWS_END}`;
    assert.throws(() => parseRows(md), /cannot read "\| r \| fast \| 1 \| x \| lower \|"/);
  });

  it('bandOf: median and the largest distance once the farthest repetition is dropped', () => {
    assert.deepEqual(bandOf([1.0, 1.1, 0.9, 1.05, 3.0]), { value: 1.05, band: 0.15000000000000002 });
    assert.deepEqual(bandOf([2, 4]), { value: 3, band: 1 });
    assert.deepEqual(bandOf([7]), { value: 7, band: 0 });
    assert.throws(() => bandOf([]), /no samples/);
  });
});
