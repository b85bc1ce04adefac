/**
 * Doctor output: a plain-text table (check, result, fix) for terminals and JSON for scripts. Korean
 * text takes two terminal cells per character, so widths are measured in cells, not string length.
 */
import type { CheckResult, CheckStatus } from './types.js';

export type FixLanguage = 'ko' | 'en' | 'both';

export interface TableOptions {
  /** Which fix text to show. Default 'both' (Korean line, then English line). */
  lang?: FixLanguage;
  /** Total width in terminal cells. Default 120. */
  width?: number;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6)
  );
}

/** Terminal cells a string occupies. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function padCells(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Splits a word that alone is wider than the column. */
function hardSplit(word: string, width: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const ch of word) {
    if (displayWidth(current + ch) > width) {
      parts.push(current);
      current = '';
    }
    current += ch;
  }
  if (current) parts.push(current);
  return parts;
}

/** Greedy word wrap by cells; explicit newlines start new lines. */
export function wrapCells(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      const pieces = displayWidth(word) > width ? hardSplit(word, width) : [word];
      for (const piece of pieces) {
        const candidate = line ? `${line} ${piece}` : piece;
        if (displayWidth(candidate) <= width) {
          line = candidate;
        } else {
          lines.push(line);
          line = piece;
        }
      }
    }
    lines.push(line);
  }
  return lines;
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

function fixText(r: CheckResult, lang: FixLanguage): string {
  if (lang === 'ko') return r.fix.ko;
  if (lang === 'en') return r.fix.en;
  return [r.fix.ko, r.fix.en].filter((t) => t !== '').join('\n');
}

/** One line per summary bucket, e.g. "12 passed, 1 warning, 2 failed, 0 skipped". */
export function doctorSummary(results: readonly CheckResult[]): string {
  const n = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${n('pass')} passed, ${plural(n('warn'), 'warning')}, ${n('fail')} failed, ${n('skip')} skipped`;
}

/**
 * Title and finding in the table's language: Korean with 'ko', English with 'en', and with 'both' the Korean line
 * then the English one (like the fix column). A result built by hand without `ko` shows English in every language.
 */
function shown(r: CheckResult, lang: FixLanguage): { title: string; detail: string } {
  if (!r.ko || lang === 'en') return r;
  if (lang === 'ko') return r.ko;
  const both = (ko: string, en: string): string => (ko === en || ko === '' ? en : en === '' ? ko : `${ko}\n${en}`);
  return { title: both(r.ko.title, r.title), detail: both(r.ko.detail, r.detail) };
}

/** The summary line in Korean, e.g. "통과 12, 경고 1, 실패 2, 건너뜀 0". */
export function doctorSummaryKo(results: readonly CheckResult[]): string {
  const n = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return `통과 ${n('pass')}, 경고 ${n('warn')}, 실패 ${n('fail')}, 건너뜀 ${n('skip')}`;
}

export function formatDoctorTable(results: readonly CheckResult[], options: TableOptions = {}): string {
  const lang = options.lang ?? 'both';
  const ko = lang === 'ko';
  const both = lang === 'both';
  const total = Math.max(options.width ?? 120, 60);
  const checkWidth = Math.min(
    32,
    Math.max(both ? 9 : 5, ...results.flatMap((r) => shown(r, lang).title.split('\n').map((line) => displayWidth(line)))),
  );
  const rest = total - checkWidth - 4;
  const resultWidth = Math.floor(rest * 0.45);
  const fixWidth = rest - resultWidth;
  const row = (a: string[], b: string[], c: string[]): string[] => {
    const height = Math.max(a.length, b.length, c.length);
    const out: string[] = [];
    for (let i = 0; i < height; i++) {
      out.push(`${padCells(a[i] ?? '', checkWidth)}  ${padCells(b[i] ?? '', resultWidth)}  ${c[i] ?? ''}`.trimEnd());
    }
    return out;
  };
  const lines = [
    ...row(
      [both ? '점검 CHECK' : ko ? '점검' : 'CHECK'],
      [both ? '결과 RESULT' : ko ? '결과' : 'RESULT'],
      [both ? '조치 FIX' : ko ? '조치' : 'FIX'],
    ),
    `${'-'.repeat(checkWidth)}  ${'-'.repeat(resultWidth)}  ${'-'.repeat(fixWidth)}`,
  ];
  for (const r of results) {
    const head = r.kcpCode ? `${LABEL[r.status]} ${r.kcpCode}` : LABEL[r.status];
    lines.push(
      ...row(
        wrapCells(shown(r, lang).title, checkWidth),
        wrapCells(`${head}: ${shown(r, lang).detail}`, resultWidth),
        r.status === 'pass' || r.status === 'skip' ? [] : wrapCells(fixText(r, lang), fixWidth),
      ),
    );
  }
  lines.push('', ...(both ? [doctorSummaryKo(results), doctorSummary(results)] : [ko ? doctorSummaryKo(results) : doctorSummary(results)]));
  return `${lines.join('\n')}\n`;
}

/** Machine-readable report: ok (nothing failed), counts, and every result as is. */
export function formatDoctorJson(results: readonly CheckResult[]): string {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return `${JSON.stringify(
    {
      ok: results.every((r) => r.status !== 'fail'),
      summary: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') },
      results,
    },
    null,
    2,
  )}\n`;
}
