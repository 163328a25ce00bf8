/**
 * Two headless Chromium instances, each with a site owner's page using the built
 * dist/rtc-call.js, the built relay and a real coturn. Every scenario asserts on
 * what happened: getStats(), the remote <video>, the canvas pixels, the widget's
 * state events and status line.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { screenshotPath, SCREENSHOT_DIR, startStack, withPages, type Stack } from './support/fixture.js';
import {
  buttonState, canvasInk, liveTracks, PAGE_POLL, peerConnections, remoteVideos, states, stats, statusText,
  waitForAudioEnergy, waitForFrames, waitForNthState, waitForSelectedPair, waitForState,
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

/** b presses "Video call", a's page rings and a presses "Accept"; the call comes up with frames both ways. */
async function videoCall(a: TestPage, b: TestPage, n = 1): Promise<void> {
  await b.clickButton('Video call');
  await waitForNthState(a, 'ringing', n);
  await a.clickButton('Accept');
  await Promise.all([waitForNthState(a, 'connected', n), waitForNthState(b, 'connected', n)]);
  await Promise.all([waitForFrames(a, 5), waitForFrames(b, 5)]);
}

const nonZeroRemoteVideo = (p: TestPage) =>
  waitFor(`${p.browser}: a remote <video> with non-zero size`, async () => {
    const v = (await remoteVideos(p)).find((x) => x.videoWidth > 0 && x.videoHeight > 0 && x.width > 0 && x.height > 0);
    return v ?? null;
  }, PAGE_POLL);

describe('widget calls: Chromium ↔ Chromium through the built relay and coturn', () => {
  it('video call, policy all: connected, frames decoded both ways, remote <video> has a size; screenshots', async (t) => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('video-all');
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'all' }));
      await videoCall(a, b);
      for (const p of [a, b]) {
        const s = await waitForFrames(p, 20);
        assert.equal(s.connectionState, 'connected');
        assert.ok(s.frameWidth > 0, 'decoded frames have a width');
        assert.ok(s.localCandidateTypes.includes('host'), `policy all gathers host candidates (got ${s.localCandidateTypes})`);
        const v = await nonZeroRemoteVideo(p);
        assert.ok(v.videoWidth > 0 && v.width > 0, JSON.stringify(v));
      }
      const shots = [screenshotPath('video-call-page-a'), screenshotPath('video-call-page-b')];
      await a.screenshot(shots[0]!);
      await b.screenshot(shots[1]!);
      for (const f of shots) assert.ok(statSync(f).size > 1000, `${f} was written`);
      t.diagnostic(`screenshots of both pages mid-call: ${SCREENSHOT_DIR}`);
      console.log(`e2e screenshots: ${SCREENSHOT_DIR}`);
    });
  });

  it('voice call, policy relay: selected pair is relay↔relay through coturn, remote audio energy > 0, voice graph draws', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('voice-relay');
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'relay' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'relay' }));
      await b.clickButton('Voice call');
      await waitForState(a, 'ringing');
      await a.clickButton('Accept');
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      for (const p of [a, b]) {
        const pair = await waitFor(`${p.browser}: succeeded selected pair`, async () => {
          const x = await waitForSelectedPair(p);
          return x.state === 'succeeded' ? x : null;
        }, PAGE_POLL);
        assert.deepEqual({ local: pair.local, remote: pair.remote }, { local: 'relay', remote: 'relay' });
        const s = await waitForAudioEnergy(p);
        assert.deepEqual(s.localCandidateTypes, ['relay'], 'relay policy gathers relay candidates only');
        assert.equal(s.videoPacketsReceived, 0, 'a voice call carries no video');
        // The bars move with the fake microphone's beeps: wait for ink, then for a different frame.
        const first = await waitFor(`${p.browser}: voice graph canvas has ink`, async () => {
          const ink = await canvasInk(p);
          return ink.width > 0 && ink.inked > 0 ? ink : null;
        }, { timeoutMs: 10_000, intervalMs: 100 });
        await waitFor(`${p.browser}: voice graph redraws`, async () => (await canvasInk(p)).sum !== first.sum, {
          timeoutMs: 10_000, intervalMs: 100,
        });
      }
    });
  });

  it('glare: both press call at the same moment, exactly one side offers, the call connects exactly once', async (t) => {
    // Both call requests go out at the click and cross at the relay: one rings the other page
    // while that page's own request rings out. The probe holds both pages' getUserMedia until
    // the same wall-clock instant (as if both people allowed the camera at once). The call flow
    // then takes the other side's request on one page only (src/core/call-flow.ts: the polite
    // side yields, the other yields only if the relay refuses its own as busy): one call, one offer.
    await withPages(stack, async (open) => {
      const room = uniqueRoom('glare');
      // Without preconnect: each page's ring would open a preconnection of its own (test/e2e/preconnect.test.ts).
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'all', preconnect: 'off' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'all', preconnect: 'off' }));
      const [pa, pb] = await Promise.all([a.buttonPoint('Video call'), b.buttonPoint('Video call')]);
      const grantAt = Date.now() + 1000;
      await Promise.all([a, b].map((p) => p.eval(`window.__probe.holdMediaUntil = ${grantAt}`)));
      await Promise.all([a.clickAt(pa), b.clickAt(pb)]);
      const [wa, wb] = await Promise.all([a.eval<number[]>('window.__probe.clicksWall'), b.eval<number[]>('window.__probe.clicksWall')]);
      assert.ok(Math.abs(wa[0]! - wb[0]!) < 250, `clicks ${Math.abs(wa[0]! - wb[0]!)} ms apart`);
      await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
      await Promise.all([waitForFrames(a, 10), waitForFrames(b, 10)]);
      await sleep(1000); // anything that would re-negotiate or tear down would show by now
      for (const p of [a, b]) {
        const seq = (await states(p)).map((e) => e.state);
        assert.equal(seq.filter((s) => s === 'connected').length, 1, `connected once: ${seq.join(' → ')}`);
        assert.equal(seq.at(-1), 'connected', `still connected: ${seq.join(' → ')}`);
        assert.equal(await peerConnections(p), 1, 'one RTCPeerConnection per side');
        assert.equal((await stats(p))?.connectionState, 'connected');
      }
      const count = (p: TestPage, what: string) =>
        p.eval<number>(`window.__probe.timeline.filter((e) => e.what === ${JSON.stringify(what)}).length`);
      const offers = await Promise.all([a, b].map((p) => count(p, 'send message offer')));
      const readys = await Promise.all([a, b].map((p) => count(p, 'send message ready')));
      t.diagnostic(`clicks ${Math.abs(wa[0]! - wb[0]!)} ms apart, offers sent ${offers.join('/')}, readys sent ${readys.join('/')}`);
      assert.ok(readys.every((n) => n >= 1), `both sides sent ready: ${readys.join('/')}`);
      assert.equal(offers[0]! + offers[1]!, 1, `exactly one offer: ${offers.join('/')}`);
    });
  });

  it('hang-up from either side ends the call on both, releases camera and mic, and a second call works', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('hangup');
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'all' }));
      const rounds: Array<[TestPage, TestPage]> = [[a, b], [b, a]];
      for (const [i, [hanger, other]] of rounds.entries()) {
        const n = i + 1;
        await videoCall(a, b, n);
        assert.ok((await liveTracks(a)) >= 2 && (await liveTracks(b)) >= 2, 'camera and mic live during the call');
        await hanger.clickButton('Hang up');
        const [mine, theirs] = await Promise.all([waitForNthState(hanger, 'ended', n), waitForNthState(other, 'ended', n)]);
        assert.equal(mine.reason, 'hang-up');
        assert.equal(theirs.reason, 'remote-hang-up');
        for (const p of [a, b]) {
          await waitFor(`${p.browser}: every getUserMedia track stopped`, async () => (await liveTracks(p)) === 0, PAGE_POLL);
          assert.equal((await stats(p))?.connectionState, 'closed', 'peer connection closed');
          assert.deepEqual(await remoteVideos(p), [], 'no remote video left on screen');
          assert.deepEqual(await buttonState(p), { state: 'ended', reason: p === hanger ? 'hang-up' : 'remote-hang-up' });
        }
        assert.equal(await statusText(hanger), STATUS_TEXT['hang-up']);
        assert.equal(await statusText(other), STATUS_TEXT['remote-hang-up']);
      }
      assert.equal(await peerConnections(a), 2, 'the second call used a new peer connection');
    });
  });

  it('a third page in the room while two are in a call: it sees them busy, its call ends busy at once; the call in progress is unharmed', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('busy');
      const a = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const b = await open(B, stack.site.widgetUrl({ room, policy: 'all' }));
      await videoCall(a, b);
      const before = await Promise.all([stats(a), stats(b)]);
      // queue="off": without it the third page waits in line (test/e2e/look.test.ts, test/components/queue.test.ts).
      const c = await open(A, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off', queue: 'off' }));
      await waitFor('the third page shows presence busy', () => c.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'busy'"), PAGE_POLL);
      // Pressing call rings nobody (both are in a call) and ends at once, leaving the camera free.
      const t0 = Date.now();
      await c.clickButton('Video call');
      const ended = await waitForState(c, 'ended');
      assert.equal(ended.reason, 'busy');
      assert.ok(Date.now() - t0 < 5000, `busy came at once (${Date.now() - t0} ms), not after a ring timeout`);
      assert.deepEqual(await buttonState(c), { state: 'ended', reason: 'busy' });
      await waitFor('third page holds no camera/mic', async () => (await liveTracks(c)) === 0, PAGE_POLL);
      assert.equal(await peerConnections(c), 0, 'the third page never built a peer connection');
      await sleep(1000);
      for (const [i, p] of [a, b].entries()) {
        const seq = (await states(p)).map((e) => e.state);
        assert.equal(seq.at(-1), 'connected', `still connected: ${seq.join(' → ')}`);
        const s = await stats(p);
        assert.equal(s?.pcs, 1);
        assert.ok(s!.videoFramesDecoded > before[i]!.videoFramesDecoded, 'frames keep arriving');
        assert.ok(s!.audioPacketsReceived > before[i]!.audioPacketsReceived, 'audio keeps arriving');
      }
    });
  });

  for (const first of ['tutorial', 'widget'] as const) {
    it(`tutorial client compatibility: the ${first === 'tutorial' ? 'tutorial client calls the widget' : 'widget calls the tutorial client'}, media flows both ways`, async () => {
      await withPages(stack, async (open) => {
        // The tutorial's client names no room: it lands in the relay's default room, `lobby`.
        const tut = await open(A, stack.site.tutorialUrl());
        const w = await open(B, stack.site.widgetUrl({ room: 'lobby', policy: 'all' }));
        await waitFor('tutorial client got its client-id', () => tut.eval<boolean>('clientId !== null'), PAGE_POLL);
        if (first === 'tutorial') {
          // Its `ready` is a call request for the relay: the widget rings and its person accepts.
          await tut.clickButton('Start video');
          await waitForState(w, 'ringing');
          await w.clickButton('Accept');
        } else {
          // The widget's request reaches it as `ready`; its person "answers" with its own button.
          await w.clickButton('Video call');
          await waitForState(w, 'waiting');
          await tut.clickButton('Start video');
        }
        await waitForState(w, 'connected');
        for (const p of [tut, w]) {
          const s = await waitForFrames(p, 10);
          assert.equal(s.connectionState, 'connected');
          assert.ok(s.audioPacketsReceived > 0, 'audio arrives');
          await nonZeroRemoteVideo(p);
        }
        const seq = (await states(w)).map((e) => e.state);
        assert.equal(seq.filter((s) => s === 'connected').length, 1, `the widget connected once: ${seq.join(' → ')}`);
      });
    });
  }
});
