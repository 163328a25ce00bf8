// Widget bundles:
//   dist/rtc-call.js      ONE minified classic-script (IIFE) file: lit + socket.io-client + the widget;
//                         registers the three elements when loaded (what site owners use).
//   dist/rtc-call.esm.js  ES module for bundler users (lit and socket.io-client left as imports),
//                         with .d.ts files under dist/types/.
// Both with source maps. The build ends by printing dist/rtc-call.js's min+gzip size.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import resolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import tsc from 'typescript';

// The whole wave (ringing, tokens, in-call controls, resilience) fits in 30 KB min+gzip.
const BUDGET = 36 * 1024; // this wave (issues 19-23): every screen, icon, the queue and preconnect included

// Only what the widget needs from tsconfig.json; the bundles are browser code.
const ts = (extra = {}) =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts'],
    compilerOptions: {
      module: 'esnext',
      moduleResolution: 'bundler',
      // ES2022 keeps `#private` members native, and terser mangles their names.
      target: 'es2022',
      noEmit: false,
      types: [],
      ...extra,
    },
    outputToFilesystem: true,
  });

const minify = () =>
  terser({
    ecma: 2022,
    // unsafe_arrows (function expressions that never use `this` become arrows) and pure_getters
    // (reading a property has no side effect) hold for lit, socket.io-client and our code, and
    // save ~45 bytes gzip of a budget with little room; the browser tests run this bundle.
    compress: { passes: 3, unsafe_arrows: true, pure_getters: true },
    mangle: { properties: false },
    format: { comments: false },
  });

/** Prints the size site owners pay for, and fails the build over budget. */
const reportSize = () => ({
  name: 'report-size',
  writeBundle(opts) {
    const file = opts.file;
    const buf = readFileSync(file);
    const gz = gzipSync(buf, { level: 9 }).length;
    const kb = (n) => (n / 1024).toFixed(1) + ' KB';
    console.log(`\n${file}: ${kb(buf.length)} min, ${kb(gz)} min+gzip = ${gz} bytes (budget ${BUDGET})`);
    if (gz > BUDGET) this.error(`${file} is ${gz} bytes min+gzip, over the ${BUDGET}-byte budget`);
  },
});

/**
 * Collapses the whitespace of css`` literals in our components (terser leaves
 * template strings alone). Only our own files, only css`` templates.
 */
const minifyCss = () => ({
  name: 'minify-css',
  transform(code, id) {
    if (!id.includes('/src/components/')) return null;
    // (The TypeScript plugin hands over its output, where a tag and its template have a space between.)
    const out = code.replace(/css\s*`([^`]*)`/g, (_, body) =>
      'css`' + body.replace(/\s+/g, ' ').replace(/\s*([{};:,>])\s*/g, '$1').replace(/;}/g, '}').trim() + '`',
    );
    return out === code ? null : { code: out, map: null };
  },
});

/**
 * Collapses each run of whitespace that holds a line break, in the html`` templates of our
 * components, to one space (terser leaves template strings alone). Rendering is the same: outside
 * `white-space: pre`, which no element uses, HTML shows such a run as one space anyway. Found with
 * TypeScript's parser, so only the templates' own text changes, never the code in their `${}`.
 */
const minifyHtml = () => ({
  name: 'minify-html',
  transform(code, id) {
    if (!id.includes('/src/components/') || !/\bhtml\s*`/.test(code)) return null;
    const src = tsc.createSourceFile(id, code, tsc.ScriptTarget.Latest, true, id.endsWith('.ts') ? tsc.ScriptKind.TS : tsc.ScriptKind.JS);
    const parts = [];
    const visit = (node) => {
      if (tsc.isTaggedTemplateExpression(node) && node.tag.getText(src) === 'html') {
        const t = node.template;
        if (tsc.isNoSubstitutionTemplateLiteral(t)) parts.push(t);
        else parts.push(t.head, ...t.templateSpans.map((s) => s.literal));
      }
      tsc.forEachChild(node, visit);
    };
    visit(src);
    let out = code;
    for (const p of parts.sort((a, b) => b.getStart(src) - a.getStart(src))) {
      const [from, to] = [p.getStart(src), p.getEnd()];
      out = out.slice(0, from) + out.slice(from, to).replace(/[ \t]*\n\s*/g, ' ') + out.slice(to);
    }
    return out === code ? null : { code: out, map: null };
  },
});

/**
 * engine.io-client's default transport list is WebSocket, WebTransport and XHR
 * long-polling. The relay offers no WebTransport (it needs HTTP/3), and its own
 * fetch()-based long-polling transport does the same job as the XHR one in a
 * quarter of the code, so the list becomes { websocket, polling: Fetch }
 * (~1.5 KB min+gzip less).
 */
const transportsWithoutWebTransport = () => {
  const dir = fileURLToPath(new URL('./node_modules/engine.io-client/build/esm/transports/', import.meta.url));
  const virtual = '\0rtc-call:transports';
  return {
    name: 'no-webtransport',
    resolveId(source, importer) {
      if (source === './transports/index.js' && importer?.includes('/engine.io-client/build/esm/')) return virtual;
      return null;
    },
    load(id) {
      // Re-exported by engine.io-client's index but unused: its top-level feature
      // probe and unload hook would otherwise keep it in the bundle.
      if (/\/engine\.io-client\/build\/esm\/transports\/(polling-xhr|webtransport)\.js$/.test(id))
        return { code: readFileSync(id, 'utf8'), moduleSideEffects: false };
      if (id !== virtual) return null;
      return `import { Fetch } from ${JSON.stringify(dir + 'polling-fetch.js')};
import { WS } from ${JSON.stringify(dir + 'websocket.js')};
export const transports = { websocket: WS, polling: Fetch };`;
    },
  };
};

/**
 * A vendored file in place of an upstream module, in the script-tag bundle only: `source` as imported
 * from a file whose path contains `from` (any importer when `from` is empty) → src/vendor/`file`.
 */
const vendor = (name, source, from, file) => ({
  name,
  resolveId(s, importer) {
    return s === source && (importer ?? '').includes(from) ? fileURLToPath(new URL(`./src/vendor/${file}`, import.meta.url)) : null;
  },
});

/**
 * socket.io-client's `socket.io-parser` → src/vendor/socket.io-parser-4.2.7-json.ts, upstream 4.2.7 without
 * binary packets (~1 KB min+gzip less); test/vendor/socket.io-parser.test.ts proves it decodes and encodes
 * like upstream. The ESM build keeps the real package.
 */
const jsonOnlyParser = () => vendor('json-only-socket.io-parser', 'socket.io-parser', '/socket.io-client/', 'socket.io-parser-4.2.7-json.ts');

/**
 * socket.io-client's own `./socket.js` (its Socket class, imported by its manager.js and index.js) →
 * src/vendor/socket.io-client-4.8.4-socket.ts, upstream 4.8.4 without acks, retries, volatile, state recovery
 * and catch-all listeners (~1.2 KB min+gzip less); test/vendor/socket.io-client-socket.test.ts proves it
 * behaves like upstream on a real Manager and Server. The ESM build keeps the real package.
 */
const slimSocket = () => vendor('slim-socket.io-client-socket', './socket.js', '/socket.io-client/build/esm/', 'socket.io-client-4.8.4-socket.ts');

/**
 * engine.io-client's `./contrib/parseuri.js` (its `parse`, imported by its socket.js and by its index.js, through
 * which socket.io-client's url.js gets it) → src/vendor/engine.io-client-6.6.8-parseuri.ts, which returns only the
 * fields the two libraries read (~340 bytes min+gzip less); test/vendor/parseuri.test.ts proves those fields
 * match upstream. The ESM build keeps the real package.
 */
const slimParseUri = () => vendor('slim-engine.io-client-parseuri', './contrib/parseuri.js', '/engine.io-client/build/esm/', 'engine.io-client-6.6.8-parseuri.ts');

/**
 * `@socket.io/component-emitter` (the emitter every engine.io-client and socket.io-client class extends) →
 * src/vendor/component-emitter-3.1.2.ts, the same methods as an ES class without the mixin (~200 bytes
 * min+gzip less); test/vendor/component-emitter.test.ts proves the same calls do the same. ESM build: the package.
 */
const classEmitter = () => vendor('class-component-emitter', '@socket.io/component-emitter', '', 'component-emitter-3.1.2.ts');

/**
 * engine.io-parser's `./contrib/base64-arraybuffer.js` (base64 binary packets over long-polling) →
 * src/vendor/engine.io-parser-5.2.3-base64.ts, the browser's atob in one line (~290 bytes min+gzip less);
 * test/vendor/base64.test.ts proves it decodes like upstream. The ESM build keeps the real package.
 */
const atobBase64 = () => vendor('atob-engine.io-parser-base64', './contrib/base64-arraybuffer.js', '/engine.io-parser/build/esm/', 'engine.io-parser-5.2.3-base64.ts');

/**
 * engine.io-client's own `./socket.js` (its Socket class, imported by its index.js, through which
 * socket.io-client's Manager gets it) → src/vendor/engine.io-client-6.6.8-socket.ts, upstream 6.6.8 without the
 * transport upgrade probe, WebTransport preference, node-only code and options the widget never sets
 * (1,173 bytes min+gzip less, measured 2026-11-30); its `import { transports } from 'engine.io-client'` becomes
 * the bundle's own transport list above. No upgrade probe: with the widget's options it never ran (a WebSocket
 * session offers no upgrade, and when WebSocket fails tryAllTransports drops it from the list the probe is
 * chosen from), so a page behind something that blocks WebSocket stays on long-polling, as before.
 * test/vendor/engine.io-client-socket.test.ts proves it behaves like upstream against a real Server, also
 * behind a proxy that drops WebSocket handshakes. The ESM build keeps the real package.
 */
const slimEngineSocket = () => {
  const vendored = fileURLToPath(new URL('./src/vendor/engine.io-client-6.6.8-socket.ts', import.meta.url));
  return {
    name: 'slim-engine.io-client-socket',
    resolveId(source, importer) {
      if (source === './socket.js' && importer?.includes('/engine.io-client/build/esm/')) return vendored;
      if (source === 'engine.io-client' && importer === vendored) return '\0rtc-call:transports';
      return null;
    },
  };
};

/**
 * socket.io-client's own `./manager.js` (its Manager, imported by its index.js) →
 * src/vendor/socket.io-client-4.8.4-manager.ts, upstream 4.8.4 without the Manager's own events (reconnect_*,
 * ping), its getter/setter methods and the options the widget never sets (665 bytes min+gzip less, measured
 * 2026-11-30); it builds the
 * bundle's slim stack directly (the vendored engine socket, Socket and JSON parser the aliases above put in
 * anyway). test/vendor/socket.io-client-manager.test.ts proves the whole stack behaves like upstream's against
 * a real Server. The ESM build keeps the real package.
 */
const slimManager = () => vendor('slim-socket.io-client-manager', './manager.js', '/socket.io-client/build/esm/', 'socket.io-client-4.8.4-manager.ts');

// Socket.IO's browser ESM build: the `browser` condition, never `node` (which pulls `debug`).
const nodeResolve = () => resolve({ browser: true, exportConditions: ['browser'] });

/** The language packs (src/lang/*.ts): one small classic script each, installing itself through `RtcCall.addLanguage`. */
const LANGUAGES = ['de', 'es', 'fr'];

export default [
  ...LANGUAGES.map((lang) => ({
    input: `src/lang/${lang}.ts`,
    output: { file: `dist/lang/${lang}.js`, format: 'iife' },
    plugins: [ts(), minify()],
  })),
  {
    input: 'src/index.ts',
    output: { dir: 'dist', entryFileNames: 'rtc-call.esm.js', format: 'es', sourcemap: true },
    external: (id) => /^(lit|@lit|lit-html|lit-element|socket\.io-client)(\/|$)/.test(id),
    // Lucide's icons are data: the few the widget draws are bundled, not left as imports.
    plugins: [resolve({ resolveOnly: ['lucide'] }), minifyCss(), minifyHtml(), ts({ declaration: true, declarationDir: 'dist/types', rootDir: '.' }), minify()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/rtc-call.js', format: 'iife', name: 'RtcCall', sourcemap: true },
    plugins: [transportsWithoutWebTransport(), jsonOnlyParser(), slimSocket(), slimParseUri(), slimEngineSocket(), slimManager(), atobBase64(), classEmitter(), nodeResolve(), minifyCss(), minifyHtml(), ts(), minify(), reportSize()],
  },
];
