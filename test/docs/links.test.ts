/**
 * No dead relative link in README.md and docs/*.md: every link to a file in the repository points to
 * one that exists, and every #anchor to a heading of its page.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headings, links, slug } from './markdown.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const anchorsOf = new Map<string, Set<string>>();
const anchors = (file: string): Set<string> => {
  let set = anchorsOf.get(file);
  if (!set) anchorsOf.set(file, (set = new Set(headings(readFileSync(file, 'utf8')).map((h) => h.anchor))));
  return set;
};

/** What is wrong with one link of `page`, or null when it leads somewhere. */
function problem(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto: ... (not checked: no network in tests)
  const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path ? resolve(dirname(join(root, page)), decodeURIComponent(path)) : join(root, page);
  if (!file.startsWith(root)) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target}: no file ${relative(root, file)}`;
  if (anchor === undefined) return null;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `${target}: an anchor into something that is not a Markdown page`;
  return anchors(file).has(anchor) ? null : `${target}: ${relative(root, file)} has no heading with the anchor #${anchor}`;
}

test('the docs pages exist: README.md and docs/*.md', () => {
  for (const p of ['docs/widget.md', 'docs/relay.md', 'docs/scaling.md', 'docs/protocol.md', 'docs/testing.md'])
    assert.ok(pages.includes(p), `${p} exists`);
});

for (const page of pages) {
  test(`${page}: every relative link leads to a file that exists and an anchor that exists`, () => {
    const found = links(readFileSync(join(root, page), 'utf8'));
    const dead = found.map((l) => ({ l, why: problem(page, l.target) })).filter((x) => x.why);
    assert.deepEqual(dead.map(({ l, why }) => `${page}:${l.n}: ${why}`), [], 'dead links');
  });
}

test('the link checker itself: anchors as GitHub makes them, dead links found', () => {
  assert.equal(slug('`<rtc-call-button>`'), 'rtc-call-button');
  assert.equal(slug('TURN: coturn beside the relay'), 'turn-coturn-beside-the-relay');
  assert.equal(slug('States, reasons and status texts'), 'states-reasons-and-status-texts');
  assert.equal(slug('Client → server: `message`'), 'client--server-message');
  const md = '# A\n## Parts\ntext\n## Parts\n```\n## not a heading\n[x](nowhere.md)\n```\n[y](#parts-1) `[z](gone.md)`';
  assert.deepEqual(headings(md).map((h) => h.anchor), ['a', 'parts', 'parts-1']);
  assert.deepEqual(links(md).map((l) => l.target), ['#parts-1']);
  assert.equal(problem('README.md', 'docs/widget.md#no-such-heading')?.includes('no heading'), true);
  assert.equal(problem('README.md', 'docs/nothing-here.md')?.includes('no file'), true);
  assert.equal(problem('docs/widget.md', '../README.md'), null);
});
