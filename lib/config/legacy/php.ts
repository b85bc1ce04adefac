/**
 * site_conf_inc.php: `$g_conf_site_cd = "T0000";`. Comments `//`, `#`, `/* *\/`; strings in double
 * quotes (escapes decoded; `$var` inside is refused, write `"a" . $var`) or single quotes; `.` joins.
 */
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';
import { lexBlocks, opToken, scanWhile, scanWord, skipBlockComment, skipLineComment, type BlockLanguage, type NameChars, type StatementCollector } from './lex.js';

export const phpDialect: Dialect = {
  language: 'PHP',
  concat: '.',
  example: (display, value) => `${display} = "${value}";`,
  isVariable: (t) => t.kind === 'var',
  keyOf: (t) => t.text,
  displayOf: (t) => `$${t.text}`,
};

const NAMES: NameChars = { start: /[A-Za-z_\x80-\uffff]/, rest: /[A-Za-z0-9_\x80-\uffff]/ };
const DOUBLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', v: '\v', e: '\x1b', f: '\f', '\\': '\\', $: '$', '"': '"' };
/** Two-character operators, kept whole so that `.=` or `==` is never mistaken for `=`. */
const OPERATORS = ['.=', '==', '=>', '->', '::'];
const PHP: BlockLanguage = { close: '?>', enter: enterPhp, read: readPhp };

/** Splits PHP code into statements (at `;` and `?>`); text outside `<?php ... ?>` is skipped. */
export function lexPhp(text: string): Token[][] {
  return lexBlocks(text, PHP);
}

/** `<?php`, the short `<?` and the echo tag `<?=` all open code. */
function enterPhp(text: string, from: number): number {
  const open = text.indexOf('<?', from);
  if (open < 0) return -1;
  const i = open + 2;
  if (text.startsWith('php', i)) return i + 3;
  return text[i] === '=' ? i + 1 : i;
}

/** `;` ends a statement; comments `#`, `//`, `/* *\/`; `$name` is a variable, a bare name is not. */
function readPhp(text: string, i: number, line: number, out: StatementCollector): number {
  const c = text[i]!;
  if (/\s/.test(c)) return i + 1;
  if (c === '#' || text.startsWith('//', i)) return skipLineComment(text, i, '?>');
  if (text.startsWith('/*', i)) return skipBlockComment(text, i, line);
  if (c === '"' || c === "'") {
    const { token, next } = readString(text, i, line, out.tokens);
    out.push(token);
    return next;
  }
  if (c === ';') {
    out.end();
    return i + 1;
  }
  if (c === '$' && NAMES.start.test(text[i + 1] ?? '')) {
    const end = scanWhile(text, i + 1, NAMES.rest);
    out.push({ kind: 'var', text: text.slice(i + 1, end), value: '', line });
    return end;
  }
  const two = text.slice(i, i + 2);
  const token = scanWord(text, i, line, NAMES) ?? opToken(OPERATORS.includes(two) ? two : c, line);
  out.push(token);
  return i + token.text.length;
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
