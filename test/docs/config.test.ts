/**
 * docs/relay.md's configuration against the configuration table (server/config/table.ts), both
 * ways: every variable the relay reads is documented with the same default and meaning, and every
 * documented variable is read; every option is named in "Using it from code"; every default passes
 * its own row's check. `node --import tsx scripts/config-docs.ts` rewrites the docs table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { docRows, docTable, findDocTable } from '../../server/config/docs.js';
import { DEFAULT_OPTIONS, optionsFromEnv, resolveOptions } from '../../server/config/options.js';
import type { AnyRow } from '../../server/config/rows.js';
import { TABLE } from '../../server/config/table.js';
import { headings, namesIn, tables } from './markdown.js';

const md = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8');
const FIX = 'run `node --import tsx scripts/config-docs.ts` to rewrite the docs table from server/config/table.ts';

/** The docs' variables table, read with the docs tests' own Markdown reader (not the code that writes it). */
function documented(): Map<string, { default: string; meaning: string }> {
  const found = tables(md).filter((t) => t.header.join('|') === 'variable|default|meaning');
  assert.equal(found.length, 1, 'docs/relay.md has one table of variables');
  const out = new Map<string, { default: string; meaning: string }>();
  for (const [variable, dflt, meaning] of found[0]!.rows) {
    const [name] = namesIn(variable!);
    assert.ok(name && !out.has(name), `a documented variable named once: ${variable}`);
    out.set(name, { default: dflt!, meaning: meaning! });
  }
  return out;
}

test('every variable of the table is documented in docs/relay.md with its default and meaning', () => {
  const docs = documented();
  for (const row of docRows()) {
    const doc = docs.get(row.env);
    assert.ok(doc, `${row.env} is read by the relay but not in docs/relay.md's table (${FIX})`);
    assert.equal(doc.default, row.default, `${row.env}'s default in the docs (${FIX})`);
    assert.equal(doc.meaning, row.meaning, `${row.env}'s meaning in the docs (${FIX})`);
  }
});

test('every variable docs/relay.md documents is read by the relay', () => {
  const read = new Set(docRows().map((r) => r.env));
  for (const name of documented().keys()) assert.ok(read.has(name), `docs/relay.md documents ${name}, which the configuration table does not have`);
});

test("the docs table is the code table's rendering, in its order", () => {
  const lines = md.split('\n');
  const [first, end] = findDocTable(lines);
  assert.deepEqual(lines.slice(first, end), docTable(), FIX);
});

test('a documented default is what the relay does when the variable is unset', () => {
  const none = optionsFromEnv({});
  for (const [key, row] of Object.entries(TABLE) as [string, AnyRow][]) {
    if ('parts' in row || !row.env || row.default === undefined || row.defaultFrom || row.needs) continue;
    assert.deepEqual((none as unknown as Record<string, unknown>)[key], row.default, key);
    // and the variable set to the documented spelling gives the same
    const spelled = row.parser.format(row.default);
    if (spelled) assert.deepEqual((optionsFromEnv({ [row.env]: spelled }) as unknown as Record<string, unknown>)[key], row.default, `${row.env}=${spelled}`);
  }
});

test('every default passes its own check, and resolveOptions() given the defaults changes nothing', () => {
  for (const [key, row] of Object.entries(TABLE) as [string, AnyRow][]) {
    if ('parts' in row || row.default === undefined) continue;
    assert.deepEqual(row.parser.check(row.default), row.default, key);
  }
  assert.deepEqual(resolveOptions({ ...DEFAULT_OPTIONS, demo: true, publicIceServers: true }), { ...DEFAULT_OPTIONS });
});

test('every option is named in docs/relay.md, "Using it from code"', () => {
  const h = headings(md);
  const at = h.findIndex((x) => x.text === 'Using it from code');
  assert.ok(at >= 0, 'the section exists');
  const lines = md.split('\n');
  const section = lines.slice(h[at]!.n, h[at + 1] ? h[at + 1]!.n - 1 : undefined).join('\n');
  for (const [key, row] of Object.entries(TABLE) as [string, AnyRow][]) {
    // `key`, or `key: { part, ... }` for an option made of parts
    const parts = 'parts' in row ? `: { ${Object.keys(row.parts).join(', ')} }` : '';
    assert.ok(section.includes(`\`${key}${parts}\``) || new RegExp(`\`${key}\\b`).test(section), `${key}${parts} is not named there`);
  }
});
