/**
 * site_conf_inc.php: `$g_conf_site_cd = "T0000";`. Comments `//`, `#`, `/* *\/`; strings in double
 * quotes (escapes decoded; `$var` inside is refused, write `"a" . $var`) or single quotes; `.` joins.
 */
import { LineIndex } from './source.js';
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';

export const phpDialect: Dialect = {
  language: 'PHP',
  concat: '.',
  example: (display, value) => `${display} = "${value}";`,
  isVariable: (t) => t.kind === 'var',
  keyOf: (t) => t.text,
  displayOf: (t) => `$${t.text}`,
};

const IDENT_START = /[A-Za-z_\x80-\uffff]/;
const IDENT = /[A-Za-z0-9_\x80-\uffff]/;
const DOUBLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', v: '\v', e: '\x1b', f: '\f', '\\': '\\', $: '$', '"': '"' };

/** Splits PHP code into statements (at `;` and `?>`); text outside `<?php ... ?>` is skipped. */
export function lexPhp(text: string): Token[][] {
  const lines = new LineIndex(text);
  const statements: Token[][] = [];
  let current: Token[] = [];
  const end = (): void => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  let i = 0;
  let inPhp = false;
  while (i < text.length) {
    if (!inPhp) {
      const open = text.indexOf('<?', i);
      if (open < 0) break;
      i = open + 2;
      if (text.startsWith('php', i)) i += 3;
      else if (text[i] === '=') i += 1;
      inPhp = true;
      continue;
    }
    const c = text[i]!;
    const line = lines.lineAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('?>', i)) {
      end();
      inPhp = false;
      i += 2;
    } else if (c === '#' || text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n' && !text.startsWith('?>', i)) i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw new LexError('a /* comment is never closed. Fix: end it with */.', line);
      i = close + 2;
    } else if (c === '"' || c === "'") {
      const { token, next } = readString(text, i, line, current);
      current.push(token);
      i = next;
    } else if (c === '$' && IDENT_START.test(text[i + 1] ?? '')) {
      let j = i + 1;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      current.push({ kind: 'var', text: text.slice(i + 1, j), value: '', line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      current.push({ kind: 'num', text: text.slice(i, j), value: text.slice(i, j), line });
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      current.push({ kind: 'ident', text: text.slice(i, j), value: '', line });
      i = j;
    } else if (c === ';') {
      end();
      i++;
    } else {
      const two = text.slice(i, i + 2);
      const op = ['.=', '==', '=>', '->', '::'].includes(two) ? two : c;
      current.push({ kind: 'op', text: op, value: '', line });
      i += op.length;
    }
  }
  end();
  return statements;
}

function readString(text: string, start: number, line: number, statement: readonly Token[]): { token: Token; next: number } {
  const quote = text[start]!;
  let value = '';
  let interpolated = false;
  let i = start + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const e = text[i + 1]!;
      if (quote === "'") value += e === "'" || e === '\\' ? e : `\\${e}`;
      else value += DOUBLE_ESCAPES[e] ?? `\\${e}`;
      i += 2;
      continue;
    }
    if (quote === '"' && c === '$' && /[A-Za-z_{]/.test(text[i + 1] ?? '')) interpolated = true;
    if (quote === '"' && c === '{' && text[i + 1] === '$') interpolated = true;
    value += c;
    i++;
  }
  if (text[i] !== quote) {
    const kind = quote === '"' ? 'double' : 'single';
    throw new LexError(`a ${kind}-quoted string is not closed on its line (a missing quote?). Fix: add the closing quote; site_conf_inc values never span lines.`, line, assignedSoFar(statement, phpDialect));
  }
  const token: Token = { kind: 'str', text: text.slice(start + 1, i), value, line, interpolated };
  return { token, next: i + 1 };
}

/** `$name = expr` is an assignment; a lone `<?` block or empty statement is nothing; all else is refused. */
export function interpretPhp(tokens: readonly Token[]): Interpretation {
  const [target, eq, ...rhs] = tokens;
  if (target?.kind === 'var' && eq?.kind === 'op' && eq.text === '=') {
    const parsed = parseExpression(rhs, phpDialect);
    const base = { key: target.text, display: `$${target.text}`, line: target.line };
    return 'operands' in parsed ? { ...base, operands: parsed.operands } : { ...base, failure: parsed.failure };
  }
  return { other: tokens };
}
