/**
 * Chromium (playwright-core) ↔ Firefox ESR (puppeteer-core over WebDriver BiDi),
 * a video call both ways: each browser once as the side that makes the offer
 * (the page that waits offers when the other side's `ready` arrives).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { screenshotPath, SCREENSHOT_DIR, startStack, withPages, type Stack } from './support/fixture.js';
import { buttonState, liveTracks, PAGE_POLL, remoteVideos, stats, waitForEvent, waitForFrames, waitForState } from './support/stats.js';
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
    it(`${caller} calls ${callee} (${callee} rings and accepts; ${caller} offers): frames decoded on both sides`, async (t) => {
      await withPages(stack, async (open) => {
        const room = uniqueRoom(`x-${caller}`);
        const url = stack.site.widgetUrl({ room, policy: 'all' });
        const pages: Record<string, TestPage> = {
          chromium: await open(chromium, url),
          firefox: await open(firefox, url),
        };
        const [first, second] = [pages[callee]!, pages[caller]!];
        await second.clickButton('Video call');
        await waitForState(first, 'ringing');
        await first.clickButton('Accept');
        await Promise.all([waitForState(first, 'connected'), waitForState(second, 'connected')]);
        for (const p of [first, second]) {
          const s = await waitForFrames(p, 10);
          // A preconnected desk restarts ICE at Accept (its other candidates): Firefox says
          // `connecting` while the new checks run, with frames still flowing.
          await waitFor(`${p.browser} connected`, async () => (await stats(p))?.connectionState === 'connected', PAGE_POLL);
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

  it('Firefox declines a call from Chromium: the Chromium caller ends `declined`, nobody holds a camera', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('x-decline');
      const ff = await open(firefox, stack.site.widgetUrl({ room, policy: 'all' }));
      const ch = await open(chromium, stack.site.widgetUrl({ room, policy: 'all', name: 'Chris' }));
      await ch.clickButton('Video call');
      const incoming = await waitForEvent(ff, 'rtc-incoming');
      assert.deepEqual({ kind: incoming.kind, name: incoming.name }, { kind: 'video', name: 'Chris' });
      await ff.clickButton('Decline');
      const ended = await waitForState(ch, 'ended');
      assert.equal(ended.reason, 'declined');
      assert.deepEqual(await buttonState(ff), { state: 'idle', reason: null });
      await waitFor('the caller released its camera', async () => (await liveTracks(ch)) === 0, PAGE_POLL);
      assert.equal(await liveTracks(ff), 0, 'the callee never opened its camera');
    });
  });
});
