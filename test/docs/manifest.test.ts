/**
 * docs/widget.md and the Custom Elements Manifest (dist/custom-elements.json, built from the elements'
 * JSDoc by `npm run build`) agree: every attribute, property, method, event, CSS part and custom property
 * of each element is documented in its section of the page (or under "Every element" when all three have
 * it), and the page names none that the manifest lacks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { namesIn, sections, tables } from './markdown.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/widget.md'), 'utf8');

interface Named {
  name: string;
  description?: string;
}
interface Member extends Named {
  kind: 'field' | 'method';
  privacy?: string;
  static?: boolean;
}
interface Attribute extends Named {
  fieldName?: string;
}
interface Declaration {
  name: string;
  tagName?: string;
  customElement?: boolean;
  attributes?: Attribute[];
  members?: Member[];
  events?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
}
interface Manifest {
  modules: Array<{ path: string; declarations?: Declaration[] }>;
}

const KINDS = ['attribute', 'property', 'method', 'event', 'part', 'custom property'] as const;
type Kind = (typeof KINDS)[number];
/** An element's API by kind, and its attribute → property pairs. */
interface Api {
  names: Record<Kind, Set<string>>;
  pairs: Map<string, string>;
}
const emptyApi = (): Api => ({ names: Object.fromEntries(KINDS.map((k) => [k, new Set<string>()])) as Api['names'], pairs: new Map() });

/** The manifest's elements, by tag name. */
function fromManifest(m: Manifest): Map<string, Api> {
  const out = new Map<string, Api>();
  for (const d of m.modules.flatMap((mod) => mod.declarations ?? [])) {
    if (!d.customElement || !d.tagName) continue;
    const api = emptyApi();
    const pub = (d.members ?? []).filter((x) => !x.static && (x.privacy ?? 'public') === 'public');
    for (const a of d.attributes ?? []) {
      api.names.attribute.add(a.name);
      if (a.fieldName) api.pairs.set(a.name, a.fieldName);
    }
    for (const x of pub) api.names[x.kind === 'method' ? 'method' : 'property'].add(x.name);
    for (const e of d.events ?? []) api.names.event.add(e.name);
    for (const p of d.cssParts ?? []) api.names.part.add(p.name);
    for (const c of d.cssProperties ?? []) api.names['custom property'].add(c.name);
    out.set(d.tagName, api);
  }
  return out;
}

/**
 * The page's elements, by tag name: the tables of each `## \`<tag>\`` section plus those of
 * "## Every element". A table belongs to a kind by its first header cell; an `attribute` table's
 * `property` column names the property of each attribute (a dash: none).
 */
function fromDoc(md: string): { elements: Map<string, Api>; sectionsSeen: string[] } {
  const common = emptyApi();
  const elements = new Map<string, Api>();
  const sectionsSeen: string[] = [];
  for (const { title, body } of sections(md)) {
    const tag = /^`<(rtc-[a-z-]+)>`$/.exec(title)?.[1];
    if (!tag && title !== 'Every element') continue;
    sectionsSeen.push(tag ?? title);
    const api = tag ? emptyApi() : common;
    if (tag) elements.set(tag, api);
    for (const t of tables(body)) {
      const kind = KINDS.find((k) => k === t.header[0]);
      if (!kind) continue;
      const propCol = kind === 'attribute' ? t.header.indexOf('property') : -1;
      for (const row of t.rows) {
        const names = namesIn(row[0] ?? '');
        for (const n of names) api.names[kind].add(n);
        if (propCol > 0) {
          const props = namesIn(row[propCol] ?? '');
          for (const p of props) api.names.property.add(p);
          if (names.length === 1 && props.length === 1) api.pairs.set(names[0]!, props[0]!);
        }
      }
    }
  }
  for (const api of elements.values())
    for (const k of KINDS) for (const n of common.names[k]) api.names[k].add(n);
  return { elements, sectionsSeen };
}

/** Every disagreement between the manifest and the page, in words (empty when they agree). */
function differences(m: Manifest, md: string): string[] {
  const want = fromManifest(m);
  const { elements: have } = fromDoc(md);
  const out: string[] = [];
  for (const tag of want.keys()) if (!have.has(tag)) out.push(`<${tag}> has no section in the page`);
  for (const tag of have.keys()) if (!want.has(tag)) out.push(`the page documents <${tag}>, which the manifest does not have`);
  for (const [tag, w] of want) {
    const h = have.get(tag);
    if (!h) continue;
    for (const k of KINDS) {
      for (const n of w.names[k]) if (!h.names[k].has(n)) out.push(`<${tag}> ${k} ${n}: not documented`);
      for (const n of h.names[k]) if (!w.names[k].has(n)) out.push(`<${tag}> ${k} ${n}: documented, but not in the manifest`);
    }
    for (const [attr, prop] of h.pairs)
      if (w.pairs.has(attr) && w.pairs.get(attr) !== prop) out.push(`<${tag}> attribute ${attr}: the page says property ${prop}, the manifest ${w.pairs.get(attr)}`);
  }
  // Names used anywhere on the page (prose, examples), not only in the tables.
  const all = (k: Kind): Set<string> => new Set([...want.values()].flatMap((a) => [...a.names[k]]));
  for (const [, p] of md.matchAll(/(--rtc-[a-z0-9-]+)/g)) if (!all('custom property').has(p!)) out.push(`custom property ${p} named on the page, in no element`);
  for (const [, p] of md.matchAll(/::part\(([a-z0-9-]+)\)/g)) if (!all('part').has(p!)) out.push(`::part(${p}) used on the page, in no element`);
  for (const [, e] of md.matchAll(/addEventListener\('([a-z0-9-]+)'/g)) if (!all('event').has(e!)) out.push(`event ${e} listened to on the page, fired by no element`);
  return out;
}

let manifest: Manifest;
before(async () => {
  // The analyzer as `npm run build:manifest` runs it (custom-elements-manifest.config.mjs), without writing.
  const analyzer = '@custom-elements-manifest/analyzer/cli.js';
  const { cli } = (await import(analyzer)) as { cli: (o: { argv: string[]; cwd: string; noWrite: boolean }) => Promise<Manifest> };
  manifest = await cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true });
});

test('package.json points to the manifest, and `npm run build` writes it', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { customElements?: string; scripts: Record<string, string> };
  assert.equal(pkg.customElements, 'dist/custom-elements.json');
  assert.match(pkg.scripts.build!, /npm run build:manifest/);
  assert.match(pkg.scripts['build:manifest']!, /^cem analyze\b/);
});

test('the manifest has the three elements, from their JSDoc, with every item described', () => {
  const api = fromManifest(manifest);
  assert.deepEqual([...api.keys()].sort(), ['rtc-call-button', 'rtc-video-panel', 'rtc-voice-graph']);
  const button = api.get('rtc-call-button')!;
  // Spot checks that the analyzer read what the elements declare (not an empty manifest that agrees with anything).
  assert.ok(button.names.attribute.has('ice-policy') && button.pairs.get('ice-policy') === 'icePolicy', 'ice-policy → icePolicy');
  assert.ok(button.names.method.has('startVideoCall'), 'startVideoCall()');
  assert.ok(button.names.event.has('rtc-call-end'), 'rtc-call-end');
  assert.ok(button.names['custom property'].has('--rtc-accent'), '--rtc-accent');
  const undocumented: string[] = [];
  for (const d of manifest.modules.flatMap((mod) => mod.declarations ?? [])) {
    const items: Array<[string, Named[]]> = [
      ['attribute', d.attributes ?? []],
      ['member', (d.members ?? []).filter((x) => !x.static && (x.privacy ?? 'public') === 'public')],
      ['event', d.events ?? []],
      ['part', d.cssParts ?? []],
      ['custom property', d.cssProperties ?? []],
    ];
    for (const [what, list] of items) for (const x of list) if (!x.description?.trim()) undocumented.push(`${d.tagName} ${what} ${x.name}`);
  }
  assert.deepEqual(undocumented, [], 'items without a JSDoc description');
});

test('docs/widget.md documents every attribute, property, method, event, part and custom property in the manifest, and nothing else', () => {
  assert.deepEqual(fromDoc(doc).sectionsSeen.sort(), ['Every element', 'rtc-call-button', 'rtc-video-panel', 'rtc-voice-graph']);
  assert.deepEqual(differences(manifest, doc), []);
});

test('the comparison finds what is missing and what is extra', () => {
  const missingPart = doc.replace(/^\| `hangup-button` \|.*\n/m, '');
  assert.notEqual(missingPart, doc, 'the row to remove exists');
  assert.deepEqual(differences(manifest, missingPart), ['<rtc-call-button> part hangup-button: not documented']);
  const extraAttr = doc.replace(/^(\| `no-mirror` \|.*\n)/m, '$1| `autoplay` | `autoplay` | – | invented |\n');
  assert.deepEqual(differences(manifest, extraAttr), [
    '<rtc-video-panel> attribute autoplay: documented, but not in the manifest',
    '<rtc-video-panel> property autoplay: documented, but not in the manifest',
  ]);
  const wrongPair = doc.replace('| `ice-policy` | `icePolicy` |', '| `ice-policy` | `token` |');
  assert.deepEqual(differences(manifest, wrongPair), [
    '<rtc-call-button> property icePolicy: not documented',
    '<rtc-call-button> attribute ice-policy: the page says property token, the manifest icePolicy',
  ]);
  const staleProse = `${doc}\nrtc-call-button { --rtc-shadow: none; }\n`;
  assert.deepEqual(differences(manifest, staleProse), ['custom property --rtc-shadow named on the page, in no element']);
});
