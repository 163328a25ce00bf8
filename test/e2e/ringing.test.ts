/**
 * Calls that ring (protocol v2), end to end: a caller's page (a public site's "Call us",
 * incoming="off") rings the desk pages of its room, in real Chromium through the built relay.
 * Every scenario asserts what each side ended with and why, the events a site sees, and, for
 * calls that connect, decoded frames. An intruder and idle sockets are real Socket.IO clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { screenshotPath, startStack, withPages, type Stack } from './support/fixture.js';
import {
  buttonState, events, liveTracks, PAGE_POLL, stats, statusText, waitForEvent, waitForFrames, waitForState,
} from './support/stats.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';

let stack: Stack;
let A: TestBrowser;
let B: TestBrowser;

before(async () => {
  stack = await startStack({ browsers: ['chromium', 'chromium'] });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
after(() => stack?.close());

/** A raw Socket.IO client in `room`, as a script that knows the room name would be. */
function rawClient(room: string, auth: Record<string, unknown> = {}): Socket {
  return io(stack.relay.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room, ...auth } });
}
const connected = (s: Socket): Promise<void> =>
  s.connected ? Promise.resolve() : new Promise((resolve, reject) => { s.once('client-id', () => resolve()); s.once('connect_error', reject); });

describe('calls that ring: a caller page rings the desk pages of its room', () => {
  it('ring → Accept: the desk hears rtc-incoming once with the caller’s kind and name, both connect, frames both ways', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-accept');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Ann' }));
      await waitFor('the caller sees someone available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      const incoming = await waitForEvent(desk, 'rtc-incoming');
      assert.deepEqual({ kind: incoming.kind, name: incoming.name }, { kind: 'video', name: 'Ann' });
      assert.match(incoming.call ?? '', /^[A-Za-z0-9_-]{8,64}$/);
      assert.match(await statusText(desk), /Ann/);
      await desk.screenshot(screenshotPath('ringing-desk'));
      assert.equal(await liveTracks(desk), 0, 'a ringing desk holds no camera');
      await desk.clickButton('Accept');
      await Promise.all([waitForState(desk, 'connected'), waitForState(caller, 'connected')]);
      for (const p of [desk, caller]) {
        const s = await waitForFrames(p, 10);
        assert.equal(s.connectionState, 'connected');
        assert.ok(s.audioPacketsReceived > 0, 'audio arrives');
      }
      // The probe listens in the capture phase, where each element's copy passes (test/components checks bubbling).
      const fromButton = (await events(desk, 'rtc-incoming')).filter((e) => e.el === 'rtc-call-button');
      assert.equal(fromButton.length, 1, 'rtc-incoming once per change');
      assert.equal((await events(caller, 'rtc-incoming')).length, 0, 'a call-only page never rings');
    });
  });

  it('Decline: the caller ends `declined`; the desk goes back to idle holding no camera', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-decline');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Bo' }));
      await caller.clickButton('Voice call');
      await waitForState(desk, 'ringing');
      await desk.clickButton('Decline');
      assert.equal((await waitForState(caller, 'ended')).reason, 'declined');
      await waitFor('desk idle', async () => (await buttonState(desk)).state === 'idle', PAGE_POLL);
      await waitFor('caller camera released', async () => (await liveTracks(caller)) === 0, PAGE_POLL);
      assert.equal(await liveTracks(desk), 0);
      assert.equal((await events(desk, 'rtc-missed')).length, 0, 'a declined call is not missed');
    });
  });

  it('the caller cancels before an answer: the desk stops ringing and fires rtc-missed { kind, name, at }', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-cancel');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Cy' }));
      await caller.clickButton('Voice call');
      await waitForState(desk, 'ringing');
      const before = Date.now();
      await caller.clickButton('Cancel');
      assert.equal((await waitForState(caller, 'ended')).reason, 'hang-up');
      const missed = await waitForEvent(desk, 'rtc-missed');
      assert.deepEqual({ kind: missed.kind, name: missed.name }, { kind: 'voice', name: 'Cy' });
      assert.ok(Math.abs((missed.at ?? 0) - before) < 10_000, `missed.at is a time (${missed.at})`);
      assert.deepEqual(await buttonState(desk), { state: 'ended', reason: 'missed' });
      assert.match(await statusText(desk), /Cy/);
    });
  });

  it('nobody answers within ring-timeout: the caller ends `no-answer`, the desk fires rtc-missed', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-timeout');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', ringTimeout: 2 }));
      await caller.clickButton('Video call');
      await waitForState(desk, 'ringing');
      const t0 = Date.now();
      assert.equal((await waitForState(caller, 'ended', 10_000)).reason, 'no-answer');
      assert.ok(Date.now() - t0 < 5000, 'ended about when the 2 s ring timeout ran out');
      await waitForEvent(desk, 'rtc-missed');
      assert.deepEqual(await buttonState(desk), { state: 'ended', reason: 'missed' });
    });
  });

  it('nobody in the room takes calls: the caller hears `unavailable` at once, not after the ring timeout', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-nobody');
      const other = await open(A, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
      await waitFor('presence offline', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'offline'"), PAGE_POLL);
      const t0 = Date.now();
      await caller.clickButton('Video call');
      assert.equal((await waitForState(caller, 'ended')).reason, 'unavailable');
      assert.ok(Date.now() - t0 < 5000, `at once (${Date.now() - t0} ms)`);
      assert.equal((await events(other, 'rtc-incoming')).length, 0);
    });
  });

  it('two desks ring, the first Accept wins: the other stops with answered-elsewhere (not missed)', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-two');
      const desk1 = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const desk2 = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Di' }));
      await caller.clickButton('Video call');
      await Promise.all([waitForState(desk1, 'ringing'), waitForState(desk2, 'ringing')]);
      await desk1.clickButton('Accept');
      await Promise.all([waitForState(desk1, 'connected'), waitForState(caller, 'connected')]);
      const stopped = await waitForState(desk2, 'ended');
      assert.equal(stopped.reason, 'answered-elsewhere');
      assert.equal((await events(desk2, 'rtc-missed')).length, 0);
      assert.equal(await liveTracks(desk2), 0);
      await waitForFrames(caller, 5);
    });
  });

  it('an intruder in the room sends offers, candidates, byes and readys at both members of a bound call for 5 s: the call stays up, frames keep coming, every message is refused', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-intruder');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
      await caller.clickButton('Video call');
      await waitForState(desk, 'ringing');
      await desk.clickButton('Accept');
      await Promise.all([waitForState(desk, 'connected'), waitForState(caller, 'connected')]);
      await Promise.all([waitForFrames(desk, 5), waitForFrames(caller, 5)]);
      const ids = await Promise.all([desk, caller].map((p) => p.eval<string>('window.__probe.selfId()')));
      const intruder = rawClient(room, { protocol: 2 });
      const refusals: Record<string, number> = {};
      let delivered = 0;
      intruder.on('error', (e: { code: string }) => void (refusals[e.code] = (refusals[e.code] ?? 0) + 1));
      intruder.on('message', () => void delivered++);
      await connected(intruder);
      const before = await Promise.all([stats(desk), stats(caller)]);
      const until = Date.now() + 5000;
      let sent = 0;
      while (Date.now() < until) {
        for (const to of [...ids, undefined]) {
          const aim = to ? { to } : {};
          intruder.emit('message', { type: 'offer', sdp: 'v=0\r\n', ...aim });
          intruder.emit('message', { type: 'candidate', candidate: 'candidate:1 1 udp 1 10.9.9.9 9 typ host', sdpMLineIndex: 0, ...aim });
          intruder.emit('message', { type: 'bye', ...aim });
          intruder.emit('message', { type: 'ready', call: `evil${sent}`, kind: 'video', ...aim });
          sent += 4;
        }
        await sleep(300); // 40 messages/s: under the relay's rate limit (50/s), so each one is refused for what it is
      }
      await sleep(500);
      intruder.close();
      for (const [i, p] of [desk, caller].entries()) {
        const s = await stats(p);
        assert.equal(s?.connectionState, 'connected');
        assert.ok(s!.videoFramesDecoded > before[i]!.videoFramesDecoded + 50, `frames keep coming (${before[i]!.videoFramesDecoded} → ${s!.videoFramesDecoded})`);
        assert.deepEqual(await buttonState(p), { state: 'connected', reason: null });
      }
      assert.equal(delivered, 0, 'nothing from the pair reached the intruder either');
      const total = Object.values(refusals).reduce((a, b) => a + b, 0);
      assert.ok((refusals['not-in-call'] ?? 0) > 0, `not-in-call refusals: ${JSON.stringify(refusals)}`);
      assert.ok(total >= sent * 0.95, `refusals ${total} for ${sent} messages: ${JSON.stringify(refusals)}`);
      assert.equal(refusals['slow-consumer'] ?? 0, 0, 'paced under the rate limit: never disconnected');
    });
  });

  it('20 idle sockets in the room do not keep a caller from reaching the desk page', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('ring-idle');
      const idle = Array.from({ length: 20 }, () => rawClient(room));
      try {
        await Promise.all(idle.map(connected));
        const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
        const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
        await caller.clickButton('Video call');
        await waitForState(desk, 'ringing');
        await desk.clickButton('Accept');
        await Promise.all([waitForState(desk, 'connected'), waitForState(caller, 'connected')]);
        await Promise.all([waitForFrames(desk, 5), waitForFrames(caller, 5)]);
      } finally {
        for (const s of idle) s.close();
      }
    });
  });
});

export type { TestPage };
