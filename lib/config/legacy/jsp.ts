/**
 * site_conf_inc.jsp: `String g_conf_site_cd = "T0000";` inside `<% %>` or `<%! %>`. Directives
 * `<%@ %>` and JSP comments `<%-- --%>` are skipped; Java comments `//` and `/* *\/`; strings in
 * double quotes (Java escapes); `+` joins. Java has no single-quoted strings (those are chars).
 */
import { LineIndex } from './source.js';
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';

export const jspDialect: Dialect = {
  language: 'JSP',
  concat: '+',
  example: (display, value) => `String ${display} = "${value}";`,
  isVariable: (t) => t.kind === 'ident',
  keyOf: (t) => t.text,
  displayOf: (t) => t.text,
};

const IDENT_START = /[A-Za-z_$\x80-\uffff]/;
const IDENT = /[A-Za-z0-9_$\x80-\uffff]/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\' };

/** Splits the scriptlets of a JSP page into Java statements (at `;` and `%>`). */
export function lexJsp(text: string): Token[][] {
  const lines = new LineIndex(text);
  const statements: Token[][] = [];
  let current: Token[] = [];
  const end = (): void => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  let i = 0;
  let inJava = false;
  while (i < text.length) {
    const line = lines.lineAt(i);
    if (!inJava) {
      const open = text.indexOf('<%', i);
      if (open < 0) break;
      if (text.startsWith('<%--', open)) {
        const close = text.indexOf('--%>', open + 4);
        if (close < 0) throw new LexError('a <%-- comment is never closed. Fix: end it with --%>.', lines.lineAt(open));
        i = close + 4;
      } else if (text.startsWith('<%@', open)) {
        const close = text.indexOf('%>', open + 3);
        if (close < 0) throw new LexError('a <%@ directive is never closed. Fix: end it with %>.', lines.lineAt(open));
        i = close + 2;
      } else if (text.startsWith('<%=', open)) {
        // An expression prints something: not a setting. Let the caller refuse it by name.
        current.push({ kind: 'ident', text: '<%=', value: '', line: lines.lineAt(open) });
        i = open + 3;
        inJava = true;
      } else {
        i = open + (text[open + 2] === '!' ? 3 : 2);
        inJava = true;
      }
      continue;
    }
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('%>', i)) {
      end();
      inJava = false;
      i += 2;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n' && !text.startsWith('%>', i)) i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw new LexError('a /* comment is never closed. Fix: end it with */.', line);
      i = close + 2;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
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
      if (text[j] !== '"') throw new LexError('a string is not closed on its line (a missing quote?). Fix: add the closing quote.', line, assignedSoFar(current, jspDialect));
      current.push({ kind: 'str', text: text.slice(i + 1, j), value, line });
      i = j + 1;
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
      current.push({ kind: 'op', text: c, value: '', line });
      i++;
    }
  }
  end();
  return statements;
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
