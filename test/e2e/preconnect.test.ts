/**
 * Preconnect while ringing, end to end in real Chromium through the built relay and real coturn:
 * while a call rings, the caller's page and the ringing desk negotiate the connection (desk
 * relay-only), with no media either way and no host/srflx address of the desk revealed; Accept
 * adopts it (no new peer connection) and frames flow; with preconnect="off" nothing is
 * negotiated before Accept, as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { startStack, withPages, type Stack } from './support/fixture.js';
import { heldRelayPorts, stillHeld } from './support/turn-allocations.js';
import { PAGE_POLL, liveTracks, stats, waitForAudioEnergy, waitForFrames, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

let stack: Stack;
let A: TestBrowser;
let B: TestBrowser;
let F: TestBrowser;

before(async () => {
  stack = await startStack({ browsers: ['chromium', 'chromium', 'firefox'] });
  [A, B, F] = stack.browsers as [TestBrowser, TestBrowser, TestBrowser];
});
after(() => stack?.close());

interface Pre {
  pcs: number;
  states: string[];
  /** outbound-rtp bytesSent, summed over every peer connection of the page. */
  bytesSent: number;
  /** Types of every local candidate gathered, and of every remote candidate known. */
  local: string[];
  remote: string[];
  /** Per peer connection, the relayed ports of its relay candidates: its TURN allocations on coturn. */
  relay: number[][];
}

/** A closed RTCPeerConnection sends its Refresh with lifetime 0 at once; a few seconds cover a loaded machine. */
const RELEASED = { timeoutMs: 5000, intervalMs: 100 };

/** Waits until coturn holds none of `ports` (the allocations of peer connections that closed). */
const released = (what: string, ports: number[]): Promise<unknown> =>
  waitFor(() => `${what}: coturn released ${ports.join(', ')} (still held: ${stillHeld(stack.coturn, ports).join(', ')})`, () => stillHeld(stack.coturn, ports).length === 0, RELEASED);

/** Sanity for the check above: coturn holds every allocation a live preconnection names. */
function held(what: string, ports: number[]): void {
  assert.ok(ports.length > 0, `${what}: relay candidates gathered`);
  assert.deepEqual(stillHeld(stack.coturn, ports), ports, `${what}: coturn holds its allocations (held: ${heldRelayPorts(stack.coturn).join(', ')})`);
}

/** Every peer connection of the page (the probe records those that set a description). */
const pre = (p: TestPage): Promise<Pre> =>
  p.eval(`(async () => {
    const out = { pcs: window.__probe.pcs.length, states: [], bytesSent: 0, local: [], remote: [], relay: [] };
    for (const pc of window.__probe.pcs) {
      out.states.push(pc.connectionState);
      const relay = [];
      out.relay.push(relay);
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'local-candidate' && s.candidateType === 'relay' && !relay.includes(s.port)) relay.push(s.port);
        if (s.type === 'outbound-rtp') out.bytesSent += s.bytesSent || 0;
        if (s.type === 'local-candidate') out.local.push(s.candidateType);
        if (s.type === 'remote-candidate') out.remote.push(s.candidateType);
      });
    }
    return out;
  })()`);

describe('preconnect while ringing', () => {
  it('one desk: connected before Accept with no media and only relay candidates from the desk; Accept adopts it and frames flow both ways', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-one');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Ann' }));
      await waitFor('the caller sees someone available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      await waitForState(desk, 'ringing');
      // Both sides negotiate while it rings: ICE and DTLS up.
      for (const p of [desk, caller]) await waitFor(`${p.browser} preconnected`, async () => (await pre(p)).states.includes('connected'), PAGE_POLL);
      await new Promise((r) => setTimeout(r, 1500)); // media would have started by now if it were going to
      const [d, c] = [await pre(desk), await pre(caller)];
      assert.equal(d.pcs, 1);
      assert.equal(c.pcs, 1);
      assert.equal(d.bytesSent, 0, 'the ringing desk sends no media');
      assert.equal(c.bytesSent, 0, 'the caller sends no media before Accept');
      assert.ok(d.local.length > 0 && d.local.every((t) => t === 'relay'), `the desk gathered relay candidates only: ${d.local}`);
      assert.ok(c.remote.length > 0 && c.remote.every((t) => t === 'relay'), `the caller learned relay candidates only: ${c.remote}`);
      assert.equal(await liveTracks(desk), 0, 'no camera on the ringing desk');

      const t0 = Date.now();
      await desk.clickButton('Accept');
      await Promise.all([waitForState(desk, 'connected'), waitForState(caller, 'connected')]);
      for (const p of [desk, caller]) {
        const s = await waitForFrames(p, 10);
        assert.equal(s.connectionState, 'connected');
        await waitForAudioEnergy(p);
      }
      const took = Date.now() - t0;
      const [d2, c2] = [await pre(desk), await pre(caller)];
      assert.equal(d2.pcs, 1, 'Accept made no new peer connection on the desk');
      assert.equal(c2.pcs, 1, 'nor on the caller');
      assert.ok(d2.bytesSent > 0 && c2.bytesSent > 0);
      // After Accept the desk may reveal its other candidates (ICE restart with policy all).
      await waitFor('the desk gathers host candidates after Accept', async () => (await pre(desk)).local.includes('host'), PAGE_POLL);
      console.log(`# preconnect: Accept → frames and audio on both pages in ${took} ms (test timing, polled)`);
      // Hanging up leaves nothing allocated: every relay candidate either page gathered is gone from coturn.
      const ports = (await Promise.all([desk, caller].map(pre))).flatMap((p) => p.relay.flat());
      await caller.clickButton('Hang up');
      await released('a call that ended', ports);
    });
  });

  it('relay-only pages (ice-policy relay): Accept adopts the preconnection with no ICE restart, no new offer and no new TURN allocation', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-relay');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'relay' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'relay', incoming: 'off', name: 'Gil' }));
      await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      for (const p of [desk, caller]) await waitFor(`${p.browser} preconnected`, async () => (await pre(p)).states.includes('connected'), PAGE_POLL);
      const before = (await pre(desk)).relay.flat().sort((x, y) => x - y);
      held('the desk', before);
      await desk.clickButton('Accept');
      for (const p of [desk, caller]) await waitForFrames(p, 10);
      await new Promise((r) => setTimeout(r, 1000)); // a restart would have gathered by now
      // Relay-only, a restart would reveal nothing: it would only renegotiate through the slow path and allocate again.
      const offersAfterAccept = await desk.eval<number>("(() => { const t = window.__probe.timeline; const i = t.findIndex((x) => x.what === 'click'); return t.slice(i).filter((x) => x.what === 'signaling have-local-offer').length; })()");
      assert.equal(offersAfterAccept, 0, 'the desk made no new offer after Accept');
      assert.deepEqual((await pre(desk)).relay.flat().sort((x, y) => x - y), before, 'the desk allocated nothing new');
      assert.equal((await pre(desk)).pcs, 1);
    });
  });

  it('preconnect="off": nothing is negotiated while it rings; Accept negotiates as before', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-off');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all', preconnect: 'off' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Bo' }));
      await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      await waitForState(desk, 'ringing');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await pre(desk)).pcs, 0, 'no peer connection on a ringing desk with preconnect off');
      assert.equal((await pre(caller)).pcs, 0);
      await desk.clickButton('Accept');
      for (const p of [desk, caller]) await waitForFrames(p, 10);
    });
  });

  it('three desks: the caller holds three preconnections; the two desks that did not answer close theirs at once, and so does the caller; coturn releases their TURN allocations', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-three');
      const desks = [await open(A, stack.site.widgetUrl({ room, policy: 'all' })), await open(A, stack.site.widgetUrl({ room, policy: 'all' })), await open(B, stack.site.widgetUrl({ room, policy: 'all' }))];
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Cy' }));
      await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      for (const d of desks) await waitFor('desk preconnected', async () => (await pre(d)).states.includes('connected'), PAGE_POLL);
      await waitFor('the caller holds three', async () => (await pre(caller)).states.filter((s) => s === 'connected').length === 3, PAGE_POLL);
      const [winner, ...losers] = desks as [TestPage, TestPage, TestPage];
      // Each preconnection's TURN allocations, read while all are up (and checked as held).
      const loserPorts = (await Promise.all(losers.map(pre))).flatMap((p) => p.relay.flat());
      const callerBefore = await pre(caller);
      held('the losing desks', loserPorts);
      held("the caller's three preconnections", callerBefore.relay.flat());
      await winner.clickButton('Accept');
      for (const p of [winner, caller]) await waitForFrames(p, 10);
      for (const l of losers) await waitFor('a loser closed its preconnection', async () => (await pre(l)).states.every((s) => s === 'closed'), PAGE_POLL);
      await waitFor('the caller closed the other two', async () => (await pre(caller)).states.filter((s) => s === 'closed').length === 2, PAGE_POLL);
      // The losers' allocations go: theirs, and the caller's two closed preconnections'.
      const callerAfter = await pre(caller);
      const callerLosers = callerBefore.relay.filter((_, i) => callerAfter.states[i] === 'closed').flat();
      await released('the losing desks', loserPorts);
      await released("the caller's closed preconnections", callerLosers);
      // The call itself keeps its own (the check sees live allocations). Read now: the caller's
      // answer side may still have been gathering its relay candidate when the others were read.
      const kept = await waitFor('the call’s relay candidates', async () => {
        const now = await pre(caller);
        const ports = now.relay.filter((_, i) => now.states[i] !== 'closed').flat();
        return ports.length ? ports : null;
      }, PAGE_POLL);
      assert.ok(stillHeld(stack.coturn, kept).length > 0, `the call keeps the caller's allocations ${kept} (held: ${heldRelayPorts(stack.coturn)})`);
    });
  });

  it('the caller cancels while two desks preconnect: every peer connection on every page closes and coturn holds none of their allocations', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-cancel');
      const desks = [await open(A, stack.site.widgetUrl({ room, policy: 'all' })), await open(B, stack.site.widgetUrl({ room, policy: 'all' }))];
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Di' }));
      await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      await waitFor('the caller holds two', async () => (await pre(caller)).states.filter((s) => s === 'connected').length === 2, PAGE_POLL);
      const ports = (await Promise.all([...desks, caller].map(pre))).flatMap((p) => p.relay.flat());
      held('the preconnections', ports);
      await caller.clickButton('Cancel');
      for (const p of [...desks, caller]) await waitFor(`${p.browser}: everything closed`, async () => (await pre(p)).states.every((s) => s === 'closed'), PAGE_POLL);
      await released('a cancelled call', ports);
      for (const d of desks) assert.equal(await liveTracks(d), 0);
    });
  });

  it('nobody answers within ring-timeout while a desk preconnects: the caller ends no-answer and nothing stays open on either page, nothing stays allocated on coturn', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('pre-noanswer');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Ed', ringTimeout: 4 }));
      await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await caller.clickButton('Video call');
      await waitFor('preconnected', async () => (await pre(desk)).states.includes('connected'), PAGE_POLL);
      const ports = (await Promise.all([desk, caller].map(pre))).flatMap((p) => p.relay.flat());
      held('the preconnection', ports);
      assert.equal((await waitForState(caller, 'ended')).reason, 'no-answer');
      for (const p of [desk, caller]) await waitFor(`${p.browser}: everything closed`, async () => (await pre(p)).states.every((s) => s === 'closed'), PAGE_POLL);
      await released('a missed call', ports);
      assert.equal(await liveTracks(desk), 0);
    });
  });

  for (const side of ['caller', 'desk'] as const)
    it(`Firefox as the ${side}, Chromium on the other side: preconnected with no media before Accept, frames after, no new peer connection; hanging up releases the TURN allocations`, async () => {
      await withPages(stack, async (open) => {
        const room = uniqueRoom(`pre-ff-${side}`);
        const desk = await open(side === 'desk' ? F : A, stack.site.widgetUrl({ room, policy: 'all' }));
        const caller = await open(side === 'caller' ? F : A, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', name: 'Fox' }));
        await waitFor('available', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
        await caller.clickButton('Video call');
        for (const p of [desk, caller]) await waitFor(`${p.browser} preconnected`, async () => (await pre(p)).states.includes('connected'), PAGE_POLL);
        await new Promise((r) => setTimeout(r, 1000));
        const [d, c] = [await pre(desk), await pre(caller)];
        assert.equal(d.bytesSent, 0, 'the ringing desk sends no media');
        assert.equal(c.bytesSent, 0, 'the caller sends no media before Accept');
        assert.ok(d.local.length > 0 && d.local.every((t) => t === 'relay'), `the desk gathered relay candidates only: ${d.local}`);
        await desk.clickButton('Accept');
        for (const p of [desk, caller]) await waitForFrames(p, 10);
        // Frames keep coming (a Chromium desk's restart could freeze a Firefox caller's video
        // after its first frames, with audio going on): so a Chromium desk does not restart
        // ICE toward Firefox, and the call stays on the path it preconnected over.
        const before = (await stats(caller))?.videoFramesDecoded ?? 0;
        await new Promise((r) => setTimeout(r, 3000));
        const after = (await stats(caller))?.videoFramesDecoded ?? 0;
        assert.ok(after - before > 30, `the caller still decodes frames: ${before} → ${after}`);
        if (side === 'caller') {
          const offers = await desk.eval<number>("(() => { const t = window.__probe.timeline; const i = t.findIndex((x) => x.what === 'click'); return t.slice(i).filter((x) => x.what === 'signaling have-local-offer').length; })()");
          assert.equal(offers, 0, 'the Chromium desk made no restart offer toward Firefox');
        }
        assert.equal((await pre(desk)).pcs, 1);
        assert.equal((await pre(caller)).pcs, 1);
        // Firefox releases its TURN allocations too when the call ends.
        const ports = (await Promise.all([desk, caller].map(pre))).flatMap((p) => p.relay.flat());
        held('the call', ports);
        await caller.clickButton('Hang up');
        await released('a call that ended', ports);
      });
    });
});
