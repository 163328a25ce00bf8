// The script-tag bundle's slim URI parser against engine.io-client's own parse it was derived from: every field
// engine.io-client and socket.io-client read must come out the same, except the bracket bug upstream has (see
// the vendored file's header). A scan of both libraries' build/esm fails when they start reading another field.
// Fuzz longer or elsewhere with FC_SEED=<n> FC_RUNS=<n>; a failure prints the seed and path to replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as upstream } from '../../node_modules/engine.io-client/build/esm/contrib/parseuri.js';
import { parse as ours, type ParsedUri } from '../../src/vendor/engine.io-client-6.6.8-parseuri.js';

const VENDORED = '6.6.8';
const root = new URL('../../', import.meta.url).pathname;
const FC = { seed: Number(process.env.FC_SEED ?? 6_608), numRuns: Number(process.env.FC_RUNS ?? 2_000) };

/** The fields the vendored parser keeps, in a fixed order, so a test can list them. */
const FIELDS = ['source', 'protocol', 'host', 'port', 'path', 'query', 'queryKey'] as const satisfies readonly (keyof ParsedUri)[];

/** The kept fields of a parse result, as plain data (queryKey compared as its own entries). */
function kept(uri: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((f) => [f, f === 'queryKey' ? { ...(uri[f] as object) } : uri[f]]));
}

function sameAsUpstream(url: string): void {
  assert.deepEqual(kept({ ...ours(url) }), kept(upstream(url) as Record<string, unknown>), JSON.stringify(url));
}

test(`the installed engine.io-client is ${VENDORED}, the version the vendored parser was derived from`, () => {
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules/engine.io-client/package.json'), 'utf8')) as { version: string };
  assert.equal(version, VENDORED, `engine.io-client is ${version}: diff its build/esm/contrib/parseuri.js against ${VENDORED}'s, port the change and rename src/vendor/engine.io-client-${VENDORED}-parseuri.ts`);
});

const corpus = [
  // what the widget passes (new URL(server).origin) and socket.io-client's url() builds from it
  'https://relay.example',
  'http://localhost:3000',
  'http://127.0.0.1:8080',
  'http://127.0.0.1:8080/socket.io?room=a&room=b',
  'ws://relay.example/socket.io/?EIO=4&transport=websocket',
  'wss://relay.example:443/',
  'http://relay.example:80/',
  'https://EXAMPLE.com:443/a/../b/c.js?x=1&x=2&y#frag',
  'HTTPS://Relay.Example',
  'http://LOCALHOST:3000/',
  // user info
  'ws://u:p@h:80/x/y.z/',
  'https://user@relay.example/',
  'http://:pw@h/',
  'http://u:@h:1',
  // paths
  'http://h',
  'http://h/',
  'http://h/a/./b/../../c',
  'http://h/..',
  'http://h//a///b/c/',
  'http://h/a/b.js/',
  'http://h/.js',
  'http://h/a%20b/c',
  // queries and fragments
  'http://h?',
  'http://h/?',
  'http://h/?&a',
  'http://h/?&&a=&=b',
  'http://h/?a=1&a=2&a=',
  'http://h/?a==1&b=%26&c',
  'http://h/?a=1#b=2',
  'http://h#',
  'http://h/#/x?y',
  'http://h/p?q#f#g',
  // IPv6 literals
  'http://[::1]:3000/x',
  'http://[::1]',
  'http://[::1]/',
  'wss://[2001:db8::1]/socket.io/?EIO=4',
  'https://[2001:DB8:0:0:8:800:200C:417A]:443/',
  'http://u@[fe80::1%25eth0]:1/',
  'http://[::ffff:127.0.0.1]:8080/?a=1',
  // scheme-less, as engine.io-client's `host` option passes them
  'localhost',
  'localhost:3000',
  'relay.example:443',
  'RELAY.example:80/socket.io',
  'u:p@h:1/p',
  '127.0.0.1:8080',
  '',
  // schemes the parser does not know are left in host/path, as upstream does
  'ftp://h/x',
  'HTTP://X',
];

test('the kept fields are upstream’s for a corpus of URLs and host strings', () => {
  for (const url of corpus) sameAsUpstream(url);
});

test('a bracket outside the host keeps the host (upstream cuts it: its IPv6 handling sees any [ and ])', () => {
  const url = 'http://example.com/?a[0]=1';
  assert.equal(upstream(url).host, 'xample.co', 'upstream changed: if it now says example.com, the two agree again and the header can say so');
  assert.deepEqual(kept({ ...ours(url) }), {
    source: url,
    protocol: 'http',
    host: 'example.com',
    port: '',
    path: '/',
    query: 'a[0]=1',
    queryKey: { 'a[0]': '1' },
  });
  assert.equal(ours('https://h:3000/a]b[c').host, 'h');
});

// URLs built from parts: any scheme (or none, as the `host` option), user info, a DNS name, IPv4 or bracketed
// IPv6 host in any case, a port (empty, default, any), path segments with dots, a query with repeated and empty
// keys and values, a fragment. No brackets outside the host (the documented difference above).
const seg = fc.stringMatching(/^[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,6}$/);
const caseMix = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const generatedUrl = fc
  .record({
    scheme: fc.option(fc.constantFrom('http', 'https', 'ws', 'wss')),
    user: fc.option(fc.tuple(fc.stringMatching(/^[a-zA-Z0-9._~%-]{0,5}$/), fc.option(fc.stringMatching(/^[a-zA-Z0-9._~%-]{0,5}$/)))),
    host: fc.oneof(fc.domain().chain(caseMix), fc.ipV4(), fc.ipV6().chain(caseMix).map((h) => `[${h}]`), fc.constantFrom('localhost', 'LOCALHOST', 'Example.COM')),
    port: fc.option(fc.oneof(fc.constantFrom('', '80', '443', '3000'), fc.nat(65_535).map(String))),
    path: fc.array(fc.oneof(seg, fc.constantFrom('..', '.', '', '.js', 'a.js', 'socket.io')), { maxLength: 5 }),
    slash: fc.boolean(),
    query: fc.option(fc.array(fc.tuple(fc.stringMatching(/^[a-z_=%]{0,3}$/), fc.option(fc.stringMatching(/^[a-z0-9=%+?]{0,3}$/))), { maxLength: 4 })),
    fragment: fc.option(fc.stringMatching(/^[a-z0-9?#/&=]{0,5}$/)),
  })
  .map(
    (p) =>
      (p.scheme ? p.scheme + '://' : '') +
      (p.user ? p.user[0] + (p.user[1] != null ? ':' + p.user[1] : '') + '@' : '') +
      p.host +
      (p.port != null ? ':' + p.port : '') +
      (p.path.length ? '/' + p.path.join('/') : '') +
      (p.slash ? '/' : '') +
      (p.query ? '?' + p.query.map(([k, v]) => (v == null ? k : k + '=' + v)).join('&') : '') +
      (p.fragment != null ? '#' + p.fragment : ''),
  );

test(`the kept fields are upstream’s for generated URLs (fast-check, seed ${FC.seed}, ${FC.numRuns} runs)`, () => {
  fc.assert(fc.property(generatedUrl, (url) => sameAsUpstream(url)), FC);
});

// Who holds a parse result, per file (relative to the package's build/esm): the variables assigned one, and
// whether `parse(...).field` is read directly. socket.io-client's url() returns parse's object with `id` and
// `href` added, so its index.js reads those too.
const holders: Record<string, { vars: string[]; addedByUrl?: string[] }> = {
  'engine.io-client/build/esm/socket.js': { vars: ['parsedUri'] },
  'socket.io-client/build/esm/url.js': { vars: ['obj'] },
  'socket.io-client/build/esm/index.js': { vars: ['parsed'], addedByUrl: ['id', 'href'] },
};

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name));
}

test('engine.io-client and socket.io-client read no field of a parse result the vendored parser leaves out', () => {
  const pkgs = join(root, 'node_modules');
  // Every file that gets parse (or socket.io-client's url(), which returns parse's object) must be one we scan.
  const getters = [...filesOf(join(pkgs, 'engine.io-client/build/esm')), ...filesOf(join(pkgs, 'socket.io-client/build/esm'))]
    .filter((f) => {
      const src = readFileSync(f, 'utf8');
      return /import\s*{[^}]*\bparse\b[^}]*}\s*from\s*"(\.\/contrib\/parseuri\.js|engine\.io-client)"/.test(src) || /from\s*"\.\/url\.js"/.test(src);
    })
    .map((f) => f.slice(pkgs.length + 1))
    .sort();
  assert.deepEqual(getters, Object.keys(holders).sort(), 'a file started or stopped importing parse or url(): add it to `holders`');

  const read = new Set<string>();
  for (const [file, { vars, addedByUrl = [] }] of Object.entries(holders)) {
    const src = readFileSync(join(pkgs, file), 'utf8');
    for (const v of vars) assert.match(src, new RegExp(`\\b${v}\\s*=\\s*(parse|url)\\(`), `${file} no longer assigns ${v} from parse or url()`);
    const reads = [
      ...[...src.matchAll(new RegExp(`\\b(?:${vars.join('|')})\\.(\\w+)(?![\\w$])(?!\\s*=[^=])`, 'g'))].map((m) => m[1]!),
      ...[...src.matchAll(/\bparse\([^()]*\)\.(\w+)/g)].map((m) => m[1]!),
    ];
    assert.ok(reads.length > 0, `found no reads in ${file}: the scan is broken`);
    for (const f of reads) if (!addedByUrl.includes(f)) read.add(f);
  }
  assert.deepEqual([...read].sort(), [...FIELDS].sort(), 'the fields read changed: keep them in src/vendor/engine.io-client-6.6.8-parseuri.ts (and its header), or drop what is no longer read');
});
