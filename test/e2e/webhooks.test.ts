/**
 * The site's backend hears of calls placed between real browsers (docs/relay.md, "Webhooks"):
 * a real HTTP receiver verifies every delivery with the `standardwebhooks` package. The
 * visitor's page runs in Firefox, the desk's in Chromium, both with signed tokens: the names
 * and subjects in the events are the tokens', and `call.ended` carries the summary each
 * widget measured (its rtc-call-end figures), not numbers a test made up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../server/tokens/tokens.js';
import { Receiver, WEBHOOK_SECRET, type Received } from '../server/webhook-receiver.js';
import type { TestBrowser } from './support/browsers.js';
import { startStack, withPages, type Stack } from './support/fixture.js';
import { events, PAGE_POLL, waitForFrames, waitForState } from './support/stats.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';

const SECRET = 'e2e-token-secret-that-is-long-enough-0123456789';
let stack: Stack;
let desks: TestBrowser;
let visitors: TestBrowser;
const receiver = new Receiver();

before(async () => {
  await receiver.up();
  stack = await startStack({
    browsers: ['chromium', 'firefox'],
    relayEnv: { TOKEN_SECRET: SECRET, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET },
  });
  [desks, visitors] = stack.browsers as [TestBrowser, TestBrowser];
});
after(async () => {
  await stack?.close();
  await receiver.down();
});

const tokens = (room: string): Promise<[string, string]> =>
  Promise.all([
    mintToken(SECRET, { room, role: 'answerer', name: 'Desk Kim', sub: 'desk-7', ttl: 600 }),
    mintToken(SECRET, { room, role: 'caller', name: 'Vi', sub: 'visitor-9', ttl: 600 }),
  ]);

/** The one delivery of `type` about the call made in `room` (waits for it). */
const one = (room: string, type: string, timeoutMs = 20_000): Promise<Received> =>
  waitFor(`${type} for ${room}`, () => receiver.got.find((e) => e.type === type && e.data.room === room) ?? null, { timeoutMs });

describe('webhooks of calls between real browsers', () => {
  it('a visitor calls, the desk answers, the visitor hangs up: requested, answered, ended with both widgets’ summaries, token names and subjects', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('hooks-call');
      const [deskToken, visitorToken] = await tokens(room);
      const desk = await open(desks, stack.site.widgetUrl({ room, policy: 'all', token: deskToken }));
      const visitor = await open(visitors, stack.site.widgetUrl({ room, policy: 'all', token: visitorToken, incoming: 'off', name: 'Not the token name' }));
      await waitFor('the visitor sees the desk', () => visitor.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await visitor.clickButton('Video call');
      await waitForState(desk, 'ringing');
      await desk.clickButton('Accept');
      await Promise.all([waitForFrames(desk, 10), waitForFrames(visitor, 10)]);
      // Two quality samples (one every 2 s) so each summary has a round trip to report.
      await sleep(4500);
      await visitor.clickButton('Hang up');
      await Promise.all([waitForState(desk, 'ended'), waitForState(visitor, 'ended')]);

      const requested = await one(room, 'call.requested');
      const answered = await one(room, 'call.answered');
      const ended = await one(room, 'call.ended');
      const call = requested.data.call;
      assert.equal(typeof call, 'string');
      for (const e of [answered, ended]) assert.equal(e.data.call, call);
      const caller = { name: 'Vi', sub: 'visitor-9' };
      const answerer = { name: 'Desk Kim', sub: 'desk-7' };
      assert.deepEqual(requested.data.caller, caller, 'the token’s name, not the page’s name attribute');
      assert.deepEqual(answered.data.answerer, answerer);
      assert.equal(ended.data.kind, 'video');
      assert.equal(ended.data.endedBy, 'caller');
      assert.equal(ended.data.reason, 'hang-up');
      const duration = ended.data.durationMs as number;
      assert.ok(duration >= 4500 && duration < 60_000, `duration ${duration} ms`);

      // Each widget's own figures, as it fired them in rtc-call-end.
      const summaries = ended.data.summaries as Record<'caller' | 'answerer', Record<string, unknown> | null>;
      for (const [side, page] of [['caller', visitor], ['answerer', desk]] as const) {
        const s = summaries[side];
        assert.ok(s, `${side}: a summary`);
        const fired = (await events(page, 'rtc-call-end'))[0]?.summary;
        assert.ok(fired, `${side}: rtc-call-end fired`);
        // A Firefox visitor's call stays on the TURN path it preconnected over (peer-call.ts reveal()).
        assert.equal(typeof s.relayed, 'boolean', `${side}: relayed`);
        assert.ok(Number.isInteger(s.reconnects), `${side}: reconnects`);
        assert.ok(typeof s.rttMs === 'number' && s.rttMs >= 0 && s.rttMs < 1000, `${side}: rtt ${String(s.rttMs)}`);
        assert.ok(typeof s.durationMs === 'number' && Math.abs(s.durationMs - duration) < 3000, `${side}: duration ${String(s.durationMs)} vs ${duration}`);
        for (const k of ['relayed', 'reconnects', 'rttMs', 'packetLoss']) assert.deepEqual(s[k], fired[k], `${side}: ${k} as the widget fired it`);
      }
      // One delivery per event (the receiver answered 204 at once: no retries).
      const ids = receiver.got.filter((e) => e.data.room === room).map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(receiver.refused, []);
    });
  });

  it('a visitor gives up while the desk rings: call.missed (caller-cancelled), no call.ended, and the desk lists the missed call', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('hooks-missed');
      const [deskToken, visitorToken] = await tokens(room);
      const desk = await open(desks, stack.site.widgetUrl({ room, policy: 'all', token: deskToken }));
      const visitor = await open(visitors, stack.site.widgetUrl({ room, policy: 'all', token: visitorToken, incoming: 'off' }));
      await waitFor('the visitor sees the desk', () => visitor.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await visitor.clickButton('Voice call');
      await waitForState(desk, 'ringing');
      await visitor.clickButton('Cancel');
      const missed = await one(room, 'call.missed');
      assert.equal(missed.data.reason, 'caller-cancelled');
      assert.equal(missed.data.kind, 'voice');
      assert.deepEqual(missed.data.caller, { name: 'Vi', sub: 'visitor-9' });
      assert.equal(missed.data.answerer, null);
      assert.ok((missed.data.waitedMs as number) >= 0);
      // Each element of the page fires it; the button's is counted.
      const seen = (await events(desk, 'rtc-missed')).filter((e) => e.el === 'rtc-call-button');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.call, missed.data.call);
      await sleep(1000);
      assert.equal(receiver.got.filter((e) => e.data.room === room && e.type === 'call.ended').length, 0);
      assert.deepEqual(receiver.refused, []);
    });
  });
});
