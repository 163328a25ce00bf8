/**
 * Just enough Markdown for the docs tests: headings and their GitHub anchors, links, and tables,
 * outside fenced code blocks.
 */

export interface Line {
  /** 1-based line number in the file. */
  n: number;
  text: string;
}

/** The file's lines outside ``` fences (fence lines included neither). */
export function proseLines(md: string): Line[] {
  const out: Line[] = [];
  let fenced = false;
  md.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ n: i + 1, text });
  });
  return out;
}

/** Inline Markdown reduced to its text: code spans unwrapped, links to their text, emphasis dropped. */
const plain = (s: string): string =>
  s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/[*_]{1,2}([^*_]+)[*_]{1,2}/g, '$1');

/** GitHub's anchor for a heading's text (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export const slug = (heading: string): string =>
  plain(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');

export interface Heading {
  level: number;
  text: string;
  anchor: string;
  n: number;
}

/** Every heading, with the anchor GitHub gives it (a repeated one gets -1, -2, ...). */
export function headings(md: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  for (const { n, text } of proseLines(md)) {
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = slug(m[2]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.push({ level: m[1]!.length, text: m[2]!, anchor: count ? `${base}-${count}` : base, n });
  }
  return out;
}

export interface Link {
  target: string;
  n: number;
}

/** Inline links and images `[text](target)` in prose (not in code spans or fenced blocks). */
export function links(md: string): Link[] {
  const out: Link[] = [];
  for (const { n, text } of proseLines(md)) {
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, n });
  }
  return out;
}

/** A table: its header cells (lower case, plain text) and its rows' raw cells. */
export interface Table {
  header: string[];
  rows: string[][];
  n: number;
}

const cells = (row: string): string[] => {
  // Split on | that is not escaped (\|) and not inside a code span.
  const out: string[] = [];
  let cur = '';
  let code = false;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '`') code = !code;
    if (c === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|' && !code) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
};

/** The tables of a piece of Markdown, in order. */
export function tables(md: string): Table[] {
  const lines = proseLines(md);
  const out: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i]!;
    if (!head.text.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!.text)) continue;
    const table: Table = { header: cells(head.text).map((c) => plain(c).toLowerCase()), rows: [], n: head.n };
    let j = i + 2;
    for (; j < lines.length && lines[j]!.text.trim().startsWith('|'); j++) table.rows.push(cells(lines[j]!.text));
    out.push(table);
    i = j - 1;
  }
  return out;
}

/** The names in a table cell: every `code span`, with a trailing `()` dropped (a dash or plain text names none). */
export const namesIn = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\(\)$/, ''));

/** The Markdown split at its `##` headings: [heading text, body] (the part before the first is skipped). */
export function sections(md: string, level = 2): Array<{ title: string; body: string }> {
  const out: Array<{ title: string; body: string }> = [];
  const marker = new RegExp(`^#{${level}}\\s+(.*)$`);
  let current: { title: string; lines: string[] } | null = null;
  let fenced = false;
  for (const text of md.split('\n')) {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    const m = fenced ? null : marker.exec(text);
    if (m) {
      if (current) out.push({ title: current.title, body: current.lines.join('\n') });
      current = { title: m[1]!.trim(), lines: [] };
    } else current?.lines.push(text);
  }
  if (current) out.push({ title: current.title, body: current.lines.join('\n') });
  return out;
}
