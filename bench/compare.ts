/**
 * Guarded bench rows and the comparer. A row is one number the bench guards (a ratio against a baseline measured in
 * the same run, an event-loop p99, a syscall count per call) with its noise band: how far that number moved between
 * repeated measurements in the same run. `npm run bench` prints its rows as a markdown table between two markers;
 * bench/RESULTS.md keeps the table of the last committed run, and compareRows names every row that moved beyond its
 * noise band since then. Pure functions: no clock, no file, no process.
 */

export interface BenchRow {
  /** Stable name of the row, e.g. "small heap, one at a time: PayPlus.cancel x C loop". */
  readonly id: string;
  readonly value: number;
  /** Noise band, in the row's unit: the value is trusted to ± band (see bandOf). */
  readonly band: number;
  readonly unit: string;
  /** Which way is better: a move the other way is a regression, this way an improvement. */
  readonly better: 'lower' | 'higher';
}

export interface MovedRow {
  readonly id: string;
  readonly previous: number;
  readonly current: number;
  /** current - previous, in the row's unit. */
  readonly change: number;
  /** The band the change had to exceed: the wider of the two runs' bands. */
  readonly band: number;
  readonly unit: string;
  readonly direction: 'worse' | 'better';
}

export interface Comparison {
  /** Rows that moved beyond their noise band, worst first. */
  readonly moved: MovedRow[];
  /** Rows in this run that the previous run did not have. */
  readonly added: string[];
  /** Rows of the previous run that this run did not measure. */
  readonly missing: string[];
}

/**
 * A row moved when |current - previous| > max(previous band, current band): the change is larger than either run's
 * own spread between repetitions. Using the wider band keeps a noisy run (a loaded machine) from flagging everything;
 * a quiet run still catches a 20 % slowdown of a row whose band is below 20 %.
 */
export function compareRows(previous: readonly BenchRow[], current: readonly BenchRow[]): Comparison {
  const before = new Map(previous.map((r) => [r.id, r]));
  const now = new Set(current.map((r) => r.id));
  const moved: MovedRow[] = [];
  const added: string[] = [];
  for (const row of current) {
    const old = before.get(row.id);
    if (!old) {
      added.push(row.id);
      continue;
    }
    const change = row.value - old.value;
    const band = Math.max(old.band, row.band);
    if (!(Math.abs(change) > band)) continue;
    const worse = row.better === 'lower' ? change > 0 : change < 0;
    moved.push({ id: row.id, previous: old.value, current: row.value, change, band, unit: row.unit, direction: worse ? 'worse' : 'better' });
  }
  const missing = previous.filter((r) => !now.has(r.id)).map((r) => r.id);
  // Worse before better, then by how many bands the row moved.
  moved.sort((a, b) => (a.direction === b.direction ? Math.abs(b.change) / (b.band || 1e-9) - Math.abs(a.change) / (a.band || 1e-9) : a.direction === 'worse' ? -1 : 1));
  return { moved, added, missing };
}

/**
 * A summary of repeated measurements: the median, and as band the largest distance of a repetition from the median
 * once the farthest repetition is left out (with 5 or more; a single preempted round on a shared machine would
 * otherwise set the band alone).
 */
export function bandOf(samples: readonly number[]): { value: number; band: number } {
  if (samples.length === 0) throw new Error('bandOf: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const distances = sorted.map((x) => Math.abs(x - value)).sort((a, b) => a - b);
  if (distances.length >= 5) distances.pop();
  return { value, band: distances[distances.length - 1] ?? 0 };
}

export const ROWS_START = '<!-- bench-rows:start -->';
export const ROWS_END = '<!-- bench-rows:end -->';
const HEADER = ['row', 'value', 'noise band ±', 'unit', 'better'];

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 1 : 3));

/** The rows as a markdown table between the markers (what RESULTS.md keeps). */
export function formatRows(rows: readonly BenchRow[]): string {
  const lines = [
    ROWS_START,
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.id} | ${num(r.value)} | ${num(r.band)} | ${r.unit} | ${r.better} |`),
    ROWS_END,
  ];
  return lines.join('\n');
}

/** The rows of the first table between the markers in `markdown`; [] when there is none. Throws on a malformed row. */
export function parseRows(markdown: string): BenchRow[] {
  const start = markdown.indexOf(ROWS_START);
  const end = markdown.indexOf(ROWS_END, start + 1);
  if (start < 0 || end < 0) return [];
  const rows: BenchRow[] = [];
  for (const line of markdown.slice(start + ROWS_START.length, end).split('\n')) {
    const t = line.trim();
    if (!t.startsWith('|') || t.startsWith('|---') || t.startsWith(`| ${HEADER[0]} |`)) continue;
    const cells = t.slice(1, -1).split('|').map((c) => c.trim());
    const [id, value, band, unit, better] = cells;
    if (cells.length !== 5 || !id || !Number.isFinite(Number(value)) || !Number.isFinite(Number(band)) || (better !== 'lower' && better !== 'higher')) {
      throw new Error(`bench rows: cannot read ${JSON.stringify(line)}: expected | row | value | band | unit | lower/higher |`);
    }
    rows.push({ id, value: Number(value), band: Number(band), unit: unit ?? '', better });
  }
  return rows;
}

/** `markdown` with its rows table replaced by `rows` (appended when it has none). */
export function replaceRows(markdown: string, rows: readonly BenchRow[]): string {
  const start = markdown.indexOf(ROWS_START);
  const end = markdown.indexOf(ROWS_END, start + 1);
  if (start < 0 || end < 0) return `${markdown.trimEnd()}\n\n${formatRows(rows)}\n`;
  return markdown.slice(0, start) + formatRows(rows) + markdown.slice(end + ROWS_END.length);
}

/** The comparison in words, one line per row (what `npm run bench` prints). */
export function describeComparison(c: Comparison): string[] {
  const out: string[] = [];
  if (c.moved.length === 0) out.push('no guarded row moved beyond its noise band');
  for (const m of c.moved) {
    const pct = m.previous !== 0 ? ` (${m.change > 0 ? '+' : ''}${((m.change / m.previous) * 100).toFixed(0)} %)` : '';
    out.push(`${m.direction === 'worse' ? 'WORSE ' : 'better'}: ${m.id}: ${num(m.previous)} -> ${num(m.current)} ${m.unit}${pct}, beyond its band ±${num(m.band)}`);
  }
  for (const id of c.added) out.push(`new row (nothing to compare): ${id}`);
  for (const id of c.missing) out.push(`not measured this run: ${id}`);
  return out;
}
