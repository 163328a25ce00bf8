import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page as PwPage } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core';
import { requireBinary } from './deps.js';

export type BrowserName = 'chromium' | 'firefox';

/** One tab, the same few verbs for Playwright (Chromium) and Puppeteer over BiDi (Firefox). */
export interface TestPage {
  readonly browser: BrowserName;
  /** Navigates; with `idle`, also waits until the network has been quiet (config fetches done). */
  goto(url: string, opts?: { idle?: boolean }): Promise<void>;
  /** Evaluates a JS expression (a string, so it runs unchanged in both browsers) and returns its JSON value. */
  eval<T>(expression: string): Promise<T>;
  /** Clicks (a real, trusted input click) the button with this accessible name, searching shadow roots too. */
  clickButton(name: string): Promise<void>;
  /** Centre of the button with this accessible name, in page coordinates (waits until it is there). */
  buttonPoint(name: string): Promise<{ x: number; y: number }>;
  /** A trusted mouse click at page coordinates, with no waiting (for clicks that must be simultaneous). */
  clickAt(point: { x: number; y: number }): Promise<void>;
  /** A trusted key press on whatever has focus (`Tab`, `Space`, `Enter`, `ArrowDown`, ...). */
  press(key: string): Promise<void>;
  /** Chromium only: one Chrome DevTools Protocol command on this tab (e.g. `Accessibility.getFullAXTree`). */
  cdp?(method: string, params?: Record<string, unknown>): Promise<unknown>;
  screenshot(path: string): Promise<void>;
  /** The page's console output and errors so far, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly name: BrowserName;
  newPage(): Promise<TestPage>;
  close(): Promise<void>;
  /** Chromium only: SIGKILL every process of this browser, as a crash would (no unload, no goodbye). */
  crash?(): void;
}

/** Flags from DEVELOPERS.md: root, no GPU, fake camera/mic with no prompt, ICE on loopback without mDNS. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Prefs from DEVELOPERS.md: without the ICE ones Firefox gathers no candidates on `lo`. */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
};

/** Finds a <button> by accessible name (aria-label or text) anywhere, shadow roots included. */
const FIND_BUTTON = `(name) => {
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'BUTTON') {
        const label = (el.getAttribute('aria-label') || el.textContent || '').trim();
        const style = getComputedStyle(el);
        if (label === name && !el.disabled && !el.hidden && style.display !== 'none' && style.visibility !== 'hidden') return el;
      }
      if (el.shadowRoot) { const f = walk(el.shadowRoot); if (f) return f; }
    }
    return null;
  };
  return walk(document);
}`;

const POINT_OF = (find: string) => `(() => {
  const b = (${find})();
  if (!b) return null;
  const r = b.getBoundingClientRect();
  return r.width > 0 && r.height > 0 ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : null;
})()`;

const logger = () => {
  const lines: string[] = [];
  return {
    push: (l: string) => {
      lines.push(l);
      if (lines.length > 300) lines.shift();
    },
    text: () => lines.join('\n'),
  };
};

function wrapPlaywright(page: PwPage): TestPage {
  const log = logger();
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  return {
    browser: 'chromium',
    goto: async (url, o) => void (await page.goto(url, { waitUntil: o?.idle ? 'networkidle' : 'load' })),
    eval: (expr) => page.evaluate(expr),
    clickButton: async (name) => {
      const h = await page.waitForFunction(`(${FIND_BUTTON})(${JSON.stringify(name)})`, undefined, { timeout: 10_000 });
      const el = h.asElement() as import('playwright-core').ElementHandle | null;
      if (!el) throw new Error(`no button named ${name}`);
      await el.click();
    },
    buttonPoint: async (name) =>
      (await page.waitForFunction(POINT_OF(`() => (${FIND_BUTTON})(${JSON.stringify(name)})`), undefined, { timeout: 10_000 })).jsonValue() as Promise<{ x: number; y: number }>,
    clickAt: ({ x, y }) => page.mouse.click(x, y),
    press: (key) => page.keyboard.press(key),
    cdp: async (method, params) => {
      const session = await page.context().newCDPSession(page);
      try {
        return await session.send(method as 'Accessibility.getFullAXTree', params);
      } finally {
        await session.detach().catch(() => {});
      }
    },
    screenshot: async (path) => void (await page.screenshot({ path })),
    log: log.text,
    close: () => page.close(),
  };
}

function wrapPuppeteer(page: PpPage): TestPage {
  const log = logger();
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
  return {
    browser: 'firefox',
    goto: async (url, o) => void (await page.goto(url, { waitUntil: o?.idle ? 'networkidle0' : 'load' })),
    eval: <T>(expr: string) => page.evaluate(expr) as Promise<T>,
    clickButton: async (name) => {
      const h = await page.waitForFunction(`(${FIND_BUTTON})(${JSON.stringify(name)})`, { timeout: 10_000 });
      const el = h.asElement();
      if (!el) throw new Error(`no button named ${name}`);
      await (el as import('puppeteer-core').ElementHandle<Element>).click();
    },
    buttonPoint: async (name) =>
      (await page.waitForFunction(POINT_OF(`() => (${FIND_BUTTON})(${JSON.stringify(name)})`), { timeout: 10_000 })).jsonValue() as Promise<{ x: number; y: number }>,
    clickAt: ({ x, y }) => page.mouse.click(x, y),
    press: (key) => page.keyboard.press(key as import('puppeteer-core').KeyInput),
    screenshot: async (path) => void (await page.screenshot({ path: path as `${string}.png` })),
    log: log.text,
    close: () => page.close(),
  };
}

/**
 * Debian's Chromium through playwright-core, one instance per call with its own fresh
 * user-data-dir (a persistent context: Playwright refuses --user-data-dir in args).
 * With `cpu`, the browser and every process it starts run on that CPU only (the bench's
 * `--cpu-per-browser`: two browsers standing for two computers). `args`: more flags for this launch.
 */
export async function launchChromium(opts: { cpu?: number; loopbackIce?: boolean; args?: string[] } = {}): Promise<TestBrowser> {
  let executablePath = requireBinary('/usr/bin/chromium', 'chromium');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-e2e-chromium-'));
  if (opts.cpu !== undefined) {
    // Child processes inherit the affinity, so pinning the launcher pins the whole browser.
    const taskset = requireBinary('/usr/bin/taskset', 'util-linux');
    const wrapper = join(dir, 'chromium-on-cpu.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${taskset} -c ${opts.cpu} ${executablePath} "$@"\n`, { mode: 0o755 });
    executablePath = wrapper;
  }
  let ctx: BrowserContext;
  try {
    ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath,
      headless: true,
      // loopbackIce false: host candidates only on the namespace's other interfaces (network-change tests).
      // `args` come last: Chromium takes a switch's last value, so they can override ours
      // (e.g. --use-fake-device-for-media-stream=device-count=2, file-fed fake devices).
      args: [...(opts.loopbackIce === false ? CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection') : CHROMIUM_ARGS), ...(opts.args ?? [])],
      viewport: { width: 800, height: 600 },
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // The persistent context opens one blank tab; keep it so closing scenario tabs never closes the browser.
  return {
    name: 'chromium',
    newPage: async () => wrapPlaywright(await ctx.newPage()),
    close: async () => {
      await ctx.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    // Every process of this instance has its profile directory on its command line.
    crash: () => void spawnSync('pkill', ['-KILL', '-f', dir]),
  };
}

/** Debian's Firefox ESR through puppeteer-core over WebDriver BiDi, fake media and loopback ICE prefs. */
export async function launchFirefox(): Promise<TestBrowser> {
  const executablePath = requireBinary('/usr/bin/firefox-esr', 'firefox-esr');
  const browser: PpBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    extraPrefsFirefox: FIREFOX_PREFS,
    defaultViewport: { width: 800, height: 600 },
  });
  return {
    name: 'firefox',
    newPage: async () => wrapPuppeteer(await browser.newPage()),
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}

export const launchBrowser = (name: BrowserName): Promise<TestBrowser> =>
  name === 'chromium' ? launchChromium() : launchFirefox();
