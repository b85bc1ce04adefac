/**
 * Web.config (ASP.NET): `<appSettings><add key="g_conf_site_cd" value="T0000" /></appSettings>`.
 * A small scanner, not an XML library: comments `<!-- -->`, processing instructions and CDATA are
 * skipped, attributes take either quote, entities are decoded; `<remove>` and `<clear>` work as in
 * .NET. Settings pulled from another file (`file=`, `configSource=`) are refused: copy them in.
 */
import { LineIndex } from './source.js';
import { LexError, type Dialect, type Interpretation } from './assignments.js';

export const webConfigDialect: Dialect = {
  language: 'Web.config',
  concat: '',
  example: (display, value) => `<add key="${display}" value="${value}" />`,
  isVariable: () => false,
  keyOf: (t) => t.text.toLowerCase(),
  displayOf: (t) => t.text,
};

/** An opening or empty tag, matched in place (sticky) with attribute values that may hold '>'. */
const TAG = /<([A-Za-z_][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/y;

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs.set(m[1]!, decodeEntities(m[2] ?? m[3] ?? ''));
  }
  return attrs;
}

/** Finds the end of a construct or reports where it began. */
function closeOf(text: string, marker: string, from: number, what: string, lines: LineIndex): number {
  const close = text.indexOf(marker, from);
  if (close < 0) throw new LexError(`${what} is never closed. Fix: end it with ${marker}.`, lines.lineAt(from));
  return close + marker.length;
}

/** Reads the appSettings entries of a Web.config as assignments of literal values, in order. */
export function readWebConfig(text: string): Interpretation[] {
  const lines = new LineIndex(text);
  const stack: string[] = [];
  const entries = new Map<string, { display: string; value: string; line: number }>();
  let i = 0;
  for (;;) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    if (text.startsWith('<!--', open)) i = closeOf(text, '-->', open, 'a <!-- comment', lines);
    else if (text.startsWith('<![CDATA[', open)) i = closeOf(text, ']]>', open, 'a CDATA section', lines);
    else if (text.startsWith('<?', open)) i = closeOf(text, '?>', open, 'a <? declaration', lines);
    else if (text.startsWith('<!', open)) i = closeOf(text, '>', open, 'a <! declaration', lines);
    else if (text.startsWith('</', open)) {
      i = closeOf(text, '>', open, 'a closing tag', lines);
      const name = text.slice(open + 2, i - 1).trim();
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at;
    } else {
      TAG.lastIndex = open;
      const m = TAG.exec(text);
      if (!m) throw new LexError('a tag is never closed. Fix: end it with > or />.', lines.lineAt(open));
      i = open + m[0].length;
      const name = m[1]!;
      const attrs = attributes(m[2]!);
      const line = lines.lineAt(open);
      const inAppSettings = stack[stack.length - 1]?.toLowerCase() === 'appsettings';
      if (name.toLowerCase() === 'appsettings') {
        const external = attrs.get('file') ?? attrs.get('configSource');
        if (external !== undefined) {
          throw new LexError(`<appSettings> reads its settings from "${external}", which the importer does not follow. Fix: copy those <add key="g_conf_..." value="..." /> lines into this file.`, line);
        }
      }
      if (inAppSettings) applyEntry(name, attrs, line, entries);
      if (!m[2]!.trimEnd().endsWith('/')) stack.push(name);
    }
  }
  return [...entries.entries()].map(([key, e]) => ({ key, display: e.display, line: e.line, operands: [{ kind: 'lit', value: e.value }] }));
}

function applyEntry(name: string, attrs: Map<string, string>, line: number, entries: Map<string, { display: string; value: string; line: number }>): void {
  const key = attrs.get('key');
  switch (name) {
    case 'add':
      if (key !== undefined) {
        entries.delete(key.toLowerCase());
        entries.set(key.toLowerCase(), { display: key, value: attrs.get('value') ?? '', line });
      }
      return;
    case 'remove':
      if (key !== undefined) entries.delete(key.toLowerCase());
      return;
    case 'clear':
      entries.clear();
      return;
    default:
      throw new LexError(`<${name}> inside <appSettings> is not <add>, <remove> or <clear>. Fix: keep only <add key="..." value="..." /> entries there.`, line);
  }
}
