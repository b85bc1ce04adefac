/**
 * site_conf_inc.jsp: `String g_conf_site_cd = "T0000";` inside `<% %>` or `<%! %>`. Directives
 * `<%@ %>` and JSP comments `<%-- --%>` are skipped; Java comments `//` and `/* *\/`; strings in
 * double quotes (Java escapes); `+` joins. Java has no single-quoted strings (those are chars).
 */
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';
import { DIRECTIVE, lexBlocks, opToken, scanWord, scriptletLanguage, skipBlockComment, skipLineComment, type NameChars, type SkippedTag, type StatementCollector } from './lex.js';

export const jspDialect: Dialect = {
  language: 'JSP',
  concat: '+',
  example: (display, value) => `String ${display} = "${value}";`,
  isVariable: (t) => t.kind === 'ident',
  keyOf: (t) => t.text,
  displayOf: (t) => t.text,
};

const NAMES: NameChars = { start: /[A-Za-z_$\x80-\uffff]/, rest: /[A-Za-z0-9_$\x80-\uffff]/ };
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\' };
const JSP_COMMENT: SkippedTag = { open: '<%--', close: '--%>', name: 'comment' };
const JSP = scriptletLanguage({ skipped: [JSP_COMMENT, DIRECTIVE], openers: ['<%!'] }, readJava);

/** Splits the scriptlets of a JSP page into Java statements (at `;` and `%>`). */
export function lexJsp(text: string): Token[][] {
  return lexBlocks(text, JSP);
}

/** `;` ends a statement; Java's own comments are skipped (JSP `<%-- --%>` ones never reach here). */
function readJava(text: string, i: number, line: number, out: StatementCollector): number {
  const c = text[i]!;
  if (/\s/.test(c)) return i + 1;
  if (text.startsWith('//', i)) return skipLineComment(text, i, '%>');
  if (text.startsWith('/*', i)) return skipBlockComment(text, i, line);
  if (c === '"') return readString(text, i, line, out);
  if (c === ';') {
    out.end();
    return i + 1;
  }
  const token = scanWord(text, i, line, NAMES) ?? opToken(c, line);
  out.push(token);
  return i + token.text.length;
}

/** Java strings: backslash escapes and `\uXXXX`; they never span lines. */
function readString(text: string, start: number, line: number, out: StatementCollector): number {
  let value = '';
  let j = start + 1;
  while (j < text.length && text[j] !== '"' && text[j] !== '\n') {
    if (text[j] === '\\' && j + 1 < text.length) {
      const e = text[j + 1]!;
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) {
        value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
        j += 6;
      } else {
        value += ESCAPES[e] ?? e;
        j += 2;
      }
      continue;
    }
    value += text[j];
    j++;
  }
  if (text[j] !== '"') throw new LexError('a string is not closed on its line (a missing quote?). Fix: add the closing quote.', line, assignedSoFar(out.tokens, jspDialect));
  out.push({ kind: 'str', text: text.slice(start + 1, j), value, line });
  return j + 1;
}

const MODIFIERS = new Set(['public', 'private', 'protected', 'static', 'final']);
const TYPES = new Set(['String', 'int', 'long', 'Integer', 'Long']);

/** `[modifiers] [Type] name = expr` is an assignment; a declaration without a value is nothing. */
export function interpretJsp(tokens: readonly Token[]): Interpretation {
  let i = 0;
  while (tokens[i]?.kind === 'ident' && MODIFIERS.has(tokens[i]!.text)) i++;
  if (tokens[i]?.kind === 'ident' && TYPES.has(tokens[i]!.text) && tokens[i + 1]?.kind === 'ident') i++;
  const target = tokens[i];
  const eq = tokens[i + 1];
  if (target?.kind === 'ident' && eq === undefined && i > 0) return 'ignore';
  if (target?.kind === 'ident' && eq?.kind === 'op' && eq.text === '=' && tokens[i + 2]?.text !== '=') {
    const parsed = parseExpression(tokens.slice(i + 2), jspDialect);
    const base = { key: target.text, display: target.text, line: target.line };
    return 'operands' in parsed ? { ...base, operands: parsed.operands } : { ...base, failure: parsed.failure };
  }
  return { other: tokens };
}
