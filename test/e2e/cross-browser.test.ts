/**
 * Chromium (playwright-core) ↔ Firefox ESR (puppeteer-core over WebDriver BiDi),
 * a video call both ways: each browser once as the side that makes the offer
 * (the page that waits offers when the other side's `ready` arrives).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { screenshotPath, SCREENSHOT_DIR, startStack, withPages, type Stack } from './support/fixture.js';
import { PAGE_POLL, remoteVideos, waitForFrames, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

let stack: Stack;
let chromium: TestBrowser;
let firefox: TestBrowser;

before(async () => {
  stack = await startStack({ browsers: ['chromium', 'firefox'] });
  [chromium, firefox] = stack.browsers as [TestBrowser, TestBrowser];
});
after(() => stack?.close());

describe('cross-browser video calls: Chromium ↔ Firefox ESR', () => {
  for (const caller of ['chromium', 'firefox'] as const) {
    const callee = caller === 'chromium' ? 'firefox' : 'chromium';
    it(`${caller} calls ${callee} (${callee} waits and offers): frames decoded on both sides`, async (t) => {
      await withPages(stack, async (open) => {
        const room = uniqueRoom(`x-${caller}`);
        const url = stack.site.widgetUrl({ room, policy: 'all' });
        const pages: Record<string, TestPage> = {
          chromium: await open(chromium, url),
          firefox: await open(firefox, url),
        };
        const [first, second] = [pages[callee]!, pages[caller]!];
        await first.clickButton('Video call');
        await waitForState(first, 'waiting');
        await second.clickButton('Video call');
        await Promise.all([waitForState(first, 'connected'), waitForState(second, 'connected')]);
        for (const p of [first, second]) {
          const s = await waitForFrames(p, 10);
          assert.equal(s.connectionState, 'connected', `${p.browser} connected`);
          assert.ok(s.frameWidth > 0, `${p.browser} decodes frames with a width`);
          await waitFor(
            `${p.browser}: remote <video> with a size`,
            async () => (await remoteVideos(p)).some((v) => v.videoWidth > 0 && v.width > 0 && v.height > 0),
            PAGE_POLL,
          );
        }
        if (caller === 'chromium') {
          await pages.firefox!.screenshot(screenshotPath('cross-browser-firefox'));
          await pages.chromium!.screenshot(screenshotPath('cross-browser-chromium'));
          t.diagnostic(`screenshots: ${SCREENSHOT_DIR}`);
        }
      });
    });
  }
});
