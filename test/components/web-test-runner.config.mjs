// @web/test-runner config for the element tests (npm test's `browser` stage, run inside a
// fresh network namespace by scripts/test.mjs). Debian's Chromium, never a downloaded one.
//
// Groups = browser launches with different REAL media setups:
//   elements            fake camera + microphone, permission prompts auto-accepted
//   permission-denied   fake devices but prompts denied (--deny-permission-prompts)
//   no-device           prompts accepted but no fake devices: this machine has no camera/mic
//
// The real relay (build/server, `npm run build:server`) is started here on 127.0.0.1:0 and
// its URL served to the tests at /__relay; it is closed when the runner stops.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const root = new URL('../../', import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (npm test does this when run as root)`);
const relayEntry = new URL('build/server/index.js', root);
if (!existsSync(relayEntry)) throw new Error('build/server/index.js is missing: run `npm run build:server` first (npm test builds it)');
const { buildRelay } = await import(relayEntry.href);
const { mintToken } = await import(new URL('build/server/tokens/tokens.js', root).href);
/** The secret of the second relay, which requires tokens (minted for the tests at /__token). */
const TOKEN_SECRET = 'element-tests-secret-0123456789abcdef';

const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Test pages are not clicked by a person for every AudioContext / play().
  '--autoplay-policy=no-user-gesture-required',
];
const FAKE_DEVICES = '--use-fake-device-for-media-stream';
const ACCEPT_PROMPTS = '--use-fake-ui-for-media-stream';

const profiles = [];
const chromium = (flags) => {
  const dir = mkdtempSync(join(tmpdir(), 'rtc-wtr-'));
  profiles.push(dir);
  return chromeLauncher({
    launchOptions: { executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...flags, `--user-data-dir=${dir}`] },
  });
};

/** A port nobody listens on (for relay-unreachable). */
const closedPort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function relayPlugin() {
  let app = null;
  let tokened = null;
  let info = null;
  return {
    name: 'rtc-call-relay',
    async serverStart() {
      // Every page and member of the suite connects from 127.0.0.1: lift the per-address limits
      // (test/server tests them) so one busy test does not refuse the next.
      app = await buildRelay({ logLevel: 'silent', staticDirs: false, maxSocketsPerAddress: 10000, handshakesPerSecond: 10000 });
      await app.listen({ port: 0, host: '127.0.0.1' });
      // A second relay that requires tokens (TOKEN_SECRET): a desk's answerer token, a refused token.
      tokened = await buildRelay({ logLevel: 'silent', staticDirs: false, maxSocketsPerAddress: 10000, handshakesPerSecond: 10000, tokenSecret: TOKEN_SECRET });
      await tokened.listen({ port: 0, host: '127.0.0.1' });
      info = {
        url: `http://127.0.0.1:${app.server.address().port}`,
        unreachable: `http://127.0.0.1:${await closedPort()}`,
        tokens: `http://127.0.0.1:${tokened.server.address().port}`,
      };
    },
    async serverStop() {
      await app?.close();
      await tokened?.close();
      for (const d of profiles) rmSync(d, { recursive: true, force: true });
    },
    serve(context) {
      if (context.path === '/__relay') return { body: JSON.stringify(info), type: 'application/json' };
      // GET /__token?room=R&role=answerer&name=N: a token the tokens relay accepts (the secret stays here).
      if (context.path === '/__token') {
        const q = context.URL.searchParams;
        return mintToken(TOKEN_SECRET, { room: q.get('room'), role: q.get('role') ?? 'both', name: q.get('name') ?? '', ttl: 600 }).then((body) => ({ body, type: 'text/plain' }));
      }
      return undefined;
    },
  };
}

/**
 * One closing "N passed, M failed" line over ALL groups (the default reporter prints one
 * per browser launch, and scripts/test.mjs reads the last such line). A test file that
 * failed to load counts as one failure.
 */
function totalsReporter() {
  let passed = 0;
  let failed = 0;
  const walk = (suite) => {
    for (const t of suite?.tests ?? []) if (!t.skipped) t.passed ? passed++ : failed++;
    for (const s of suite?.suites ?? []) walk(s);
  };
  return {
    onTestRunFinished({ sessions }) {
      passed = failed = 0;
      for (const s of sessions) {
        const failedBefore = failed;
        walk(s.testResults);
        // Not passed but no failing test: the file did not load, or an error outside a test.
        if (!s.passed && failed === failedBefore) failed++;
      }
    },
    stop() {
      // After the default reporter's last progress lines, which are written after stop().
      process.once('exit', () => console.log(`\nweb-test-runner, all groups: ${passed} passed, ${failed} failed`));
    },
  };
}

export default {
  rootDir: root.pathname,
  files: process.env.WTR_FILES ? process.env.WTR_FILES.split(',') : [
        'test/components/elements.test.ts',
        'test/components/call.test.ts',
        'test/components/events.test.ts',
        'test/components/ringing-parts.test.ts',
        'test/components/ringing.test.ts',
        'test/components/queue.test.ts',
        'test/components/lifecycle.test.ts',
        'test/components/in-call.test.ts',
        'test/components/screens.test.ts',
        'test/components/prejoin.test.ts',
      ],
  hostname: '127.0.0.1',
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 180000,
  browserStartTimeout: 60000,
  testFramework: { config: { timeout: 30000 } },
  reporters: [defaultReporter(), totalsReporter()],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('tsconfig.json', root).pathname }), relayPlugin()],
  browsers: [chromium([FAKE_DEVICES, ACCEPT_PROMPTS])],
  groups: [
    { name: 'permission-denied', files: 'test/components/permission-denied.test.ts', browsers: [chromium([FAKE_DEVICES, '--deny-permission-prompts'])] },
    { name: 'no-device', files: 'test/components/no-device.test.ts', browsers: [chromium([ACCEPT_PROMPTS])] },
  ],
};
