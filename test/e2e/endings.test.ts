/**
 * Endings that tell the truth, fast (issue 14, item 4): the other side of a call learns how it
 * ended, and soon. A tab that closes says bye on `pagehide`; a browser that dies says nothing,
 * and the other side finds out from the relay (peer-left) and ICE going quiet.
 * Real Chromium, the built relay and coturn; the crash is a SIGKILL of every process of one browser.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type TestBrowser, type TestPage } from './support/browsers.js';
import { startStack, withPages, type Stack } from './support/fixture.js';
import { liveTracks, PAGE_POLL, waitForFrames, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

let stack: Stack;
let A: TestBrowser;

before(async () => {
  stack = await startStack({ browsers: ['chromium'] });
  [A] = stack.browsers as [TestBrowser];
});
after(() => stack?.close());

/** A desk page in browser `desk` rings from a caller page in `caller`, accepts; frames both ways. */
async function call(desk: TestPage, caller: TestPage): Promise<void> {
  await caller.clickButton('Video call');
  await waitForState(desk, 'ringing');
  await desk.clickButton('Accept');
  await Promise.all([waitForState(desk, 'connected'), waitForState(caller, 'connected')]);
  await Promise.all([waitForFrames(desk, 5), waitForFrames(caller, 5)]);
}

describe('endings that tell the truth', () => {
  it('closing the tab mid-call: the other side ends remote-hang-up within 1 s (bye on pagehide)', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pagehide');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(A, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
      await call(desk, caller);
      const t0 = Date.now();
      await caller.close();
      const ended = await waitForState(desk, 'ended', 5000);
      const took = Date.now() - t0;
      assert.equal(ended.reason, 'remote-hang-up');
      assert.ok(took < 1000, `ended ${took} ms after the tab closed`);
      await waitFor('the desk released its camera', async () => (await liveTracks(desk)) === 0, PAGE_POLL);
    });
  });

  it('the other browser dies mid-call: this side ends remote-left within 5 s', async () => {
    const doomed = await launchChromium();
    try {
      await withPages(stack, async (open) => {
        const room = uniqueRoom('crash');
        const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
        const caller = await open(doomed, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
        await call(desk, caller);
        const t0 = Date.now();
        doomed.crash!();
        const ended = await waitForState(desk, 'ended', 15_000);
        const took = Date.now() - t0;
        assert.equal(ended.reason, 'remote-left');
        assert.ok(took < 5000, `ended ${took} ms after the browser died`);
      });
    } finally {
      await doomed.close();
    }
  });
});
