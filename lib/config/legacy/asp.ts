/**
 * site_conf_inc.asp (VBScript): `g_conf_site_cd = "T0000"` inside `<% %>`. One statement per line
 * (`:` separates, ` _` continues); comments `'` and `REM`; strings in double quotes with `""` for a
 * quote (VBScript has no other quote style); `&` joins. Names are case-insensitive, as in VBScript.
 */
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';
import { DIRECTIVE, lexBlocks, opToken, scanWord, scriptletLanguage, skipLineComment, type NameChars, type StatementCollector } from './lex.js';

export const aspDialect: Dialect = {
  language: 'ASP',
  concat: '&',
  example: (display, value) => `${display} = "${value}"`,
  isVariable: (t) => t.kind === 'ident',
  keyOf: (t) => t.text.toLowerCase(),
  displayOf: (t) => t.text,
};

const NAMES: NameChars = { start: /[A-Za-z_\x80-\uffff]/, rest: /[A-Za-z0-9_\x80-\uffff]/ };

/** ` _` at the end of a line (a lone underscore, only spaces after it). */
function isContinuation(text: string, i: number): boolean {
  const nl = text.indexOf('\n', i);
  return nl >= 0 && /^[ \t\r]*$/.test(text.slice(i + 1, nl)) && !NAMES.rest.test(text[i - 1] ?? ' ');
}

const ASP = scriptletLanguage({ skipped: [DIRECTIVE], openers: [] }, readAsp);

/** Splits the `<% %>` blocks of an ASP page into VBScript statements. */
export function lexAsp(text: string): Token[][] {
  return lexBlocks(text, ASP);
}

/** A newline or `:` ends a statement, except after a continuation ` _`. */
function readAsp(text: string, i: number, line: number, out: StatementCollector): number {
  const c = text[i]!;
  if (c === '\n' || c === ':') {
    out.end();
    return i + 1;
  }
  if (/\s/.test(c)) return i + 1;
  if (c === "'") return skipLineComment(text, i, '%>');
  // Line continuation: the statement goes on after the newline.
  if (c === '_' && isContinuation(text, i)) return text.indexOf('\n', i) + 1;
  if (c === '"') return readString(text, i, line, out);
  const word = scanWord(text, i, line, NAMES);
  if (word === undefined) {
    out.push(opToken(c, line));
    return i + 1;
  }
  // `REM` comments only where a statement starts; elsewhere `rem` is a name.
  if (word.kind === 'ident' && out.tokens.length === 0 && word.text.toLowerCase() === 'rem') return skipLineComment(text, i + word.text.length, '%>');
  out.push(word);
  return i + word.text.length;
}

/** VBScript strings: `""` is a quote, there are no other escapes, and they never span lines. */
function readString(text: string, start: number, line: number, out: StatementCollector): number {
  let value = '';
  let j = start + 1;
  for (;;) {
    if (j >= text.length || text[j] === '\n') throw new LexError('a string is not closed on its line (a missing quote?). Fix: add the closing quote; write "" for a quote inside a string.', line, assignedSoFar(out.tokens, aspDialect));
    if (text[j] === '"') {
      if (text[j + 1] !== '"') break;
      value += '"';
      j += 2;
      continue;
    }
    value += text[j];
    j++;
  }
  out.push({ kind: 'str', text: text.slice(start + 1, j), value, line });
  return j + 1;
}

const DECLARATIONS = new Set(['dim', 'option', 'private', 'public']);

/** `[Const|Let] name = expr` is an assignment; `Dim`/`Option Explicit` are nothing; all else is refused. */
export function interpretAsp(tokens: readonly Token[]): Interpretation {
  const first = tokens[0]?.text.toLowerCase();
  if (first !== undefined && DECLARATIONS.has(first) && tokens[0]!.kind === 'ident' && !tokens.some((t) => t.text === '=')) return 'ignore';
  const i = first === 'const' || first === 'let' ? 1 : 0;
  const target = tokens[i];
  const eq = tokens[i + 1];
  if (target?.kind === 'ident' && eq?.kind === 'op' && eq.text === '=') {
    const parsed = parseExpression(tokens.slice(i + 2), aspDialect);
    const base = { key: target.text.toLowerCase(), display: target.text, line: target.line };
    return 'operands' in parsed ? { ...base, operands: parsed.operands } : { ...base, failure: parsed.failure };
  }
  return { other: tokens };
}
