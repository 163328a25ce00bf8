import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, type BrowserName, type TestBrowser, type TestPage } from './browsers.js';
import { startCoturn, type Coturn } from './coturn.js';
import { ROOT, startRelay, type Relay } from './relay.js';
import { startSite, type Site } from './site.js';

/** Where screenshots go; printed by the tests that write them. */
export const SCREENSHOT_DIR = join(ROOT, '.test-artifacts', 'e2e-screenshots');

export interface Stack {
  coturn: Coturn;
  relay: Relay;
  site: Site;
  browsers: TestBrowser[];
  close(): Promise<void>;
}

export interface StackOptions {
  browsers: BrowserName[];
  /** TURN secret the relay mints credentials with (default: coturn's, i.e. the right one). */
  relaySecret?: string;
  /** Extra coturn flags (e.g. --user-quota=2 --total-quota=20). */
  coturnArgs?: string[];
  /** Extra relay environment (e.g. TOKEN_SECRET). */
  relayEnv?: Record<string, string>;
}

/**
 * Everything one e2e file needs, started once and reused by its scenarios: coturn,
 * the built relay pointed at it, the site owner's page server, and the browsers.
 * Whatever fails half-way, what was started is stopped again.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const started: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of started.reverse()) await stop().catch((e: unknown) => console.error('stop failed:', e));
    started.length = 0;
  };
  try {
    const coturn = await startCoturn({ args: opts.coturnArgs ?? [] });
    started.push(coturn.stop);
    const relay = await startRelay({ turnUrls: coturn.urls, turnSecret: opts.relaySecret ?? coturn.secret, ...(opts.relayEnv ? { env: opts.relayEnv } : {}) });
    started.push(relay.stop);
    const site = await startSite(relay.url);
    started.push(site.close);
    const browsers = await Promise.all(opts.browsers.map((b) => launchBrowser(b)));
    for (const b of browsers) started.push(b.close);
    return { coturn, relay, site, browsers, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export type OpenPage = (browser: TestBrowser, url: string) => Promise<TestPage>;

/**
 * Runs one scenario with pages it opens through `open`; closes them whatever happens
 * and, on failure, appends every page's console and the relay's log to the error.
 */
export async function withPages<T>(stack: Stack, fn: (open: OpenPage) => Promise<T>): Promise<T> {
  const pages: TestPage[] = [];
  try {
    return await fn(async (browser, url) => {
      const p = await browser.newPage();
      pages.push(p);
      await p.goto(url);
      return p;
    });
  } catch (e) {
    // The probe's timeline (clicks, getUserMedia, signaling frames, ICE states) says where a call stopped.
    const timelines = await Promise.all(
      pages.map((p) =>
        p
          .eval<string>("window.__probe ? window.__probe.timeline.slice(-80).map((x) => `${x.t.toFixed(0).padStart(7)} ${x.what}`).join('\\n') : ''")
          .catch(() => '(page gone)'),
      ),
    );
    const logs = pages
      .map((p, i) => `--- page ${i} (${p.browser}) console:\n${p.log().slice(-3000)}\n--- page ${i} timeline (ms since page start):\n${timelines[i]}`)
      .join('\n');
    if (e instanceof Error) e.message += `\n${logs}\n--- relay log:\n${stack.relay.log().slice(-2000)}`;
    throw e;
  } finally {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
  }
}

export const screenshotPath = (name: string): string => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
};
