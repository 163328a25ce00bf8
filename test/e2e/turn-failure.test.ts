/**
 * The relay mints TURN credentials with the WRONG secret: coturn refuses every
 * allocation, a relay-only call has no path, and the widget must say `ice-failed`
 * within a bounded time instead of hanging in "Connecting…".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { TestBrowser } from './support/browsers.js';
import { startStack, withPages, type Stack } from './support/fixture.js';
import { buttonState, liveTracks, PAGE_POLL, states, stats, statusText, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

/** The widget gives up after 20 s in `connecting`; allow for a slow, shared 2-core machine. */
const BOUND_MS = 40_000;

let stack: Stack;
let A: TestBrowser;
let B: TestBrowser;

before(async () => {
  stack = await startStack({ browsers: ['chromium', 'chromium'], relaySecret: 'not-the-coturn-secret' });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
after(() => stack?.close());

describe('wrong TURN secret on the relay', () => {
  it(`a relay-only call ends in ice-failed on both sides within ${BOUND_MS / 1000} s`, async (t) => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('bad-secret');
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'relay' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'relay' }));
      await b.clickButton('Voice call');
      await waitForState(a, 'ringing');
      const clicked = Date.now();
      await a.clickButton('Accept');
      // Signaling works (the relay is fine): both get to `connecting`...
      await Promise.all([waitForState(a, 'connecting'), waitForState(b, 'connecting')]);
      // ...and coturn refuses the minted credentials, so no relay candidate exists on either side.
      await waitFor('coturn refused the minted credentials', () => /check_stun_auth: Cannot find credentials/.test(stack.coturn.log()), {
        timeoutMs: 10_000,
      });
      for (const p of [a, b]) {
        const s = await stats(p);
        assert.ok(s && !s.localCandidateTypes.includes('relay'), `no relay candidate gathered: ${s?.localCandidateTypes}`);
      }
      const [fa, fb] = await Promise.all([
        waitForState(a, 'error', BOUND_MS),
        waitForState(b, 'error', BOUND_MS),
      ]);
      const took = Date.now() - clicked;
      assert.ok(took < BOUND_MS, `failed after ${took} ms`);
      t.diagnostic(`ice-failed ${took} ms after the click`);
      for (const [p, e] of [[a, fa], [b, fb]] as const) {
        assert.equal(e.reason, 'ice-failed');
        assert.deepEqual(await buttonState(p), { state: 'error', reason: 'ice-failed' });
        assert.equal(await statusText(p), STATUS_TEXT['ice-failed']);
        const seq = (await states(p)).map((x) => x.state);
        assert.ok(!seq.includes('connected'), `never connected: ${seq.join(' → ')}`);
        await waitFor(`${p.browser}: microphone released`, async () => (await liveTracks(p)) === 0, PAGE_POLL);
      }
    });
  });
});
