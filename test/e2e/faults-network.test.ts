/**
 * Loss, latency and blackouts (issue 14, item 3). No netem in this kernel (ENVIRONMENT.md):
 * a userspace proxy in front of coturn holds every packet 50 ms each way, so a relay-only call
 * (ice-policy relay: all media through coturn, passing the proxy twice each way) has a 200 ms
 * round trip between the peers; nftables drops 5 % of what the proxy sends to the browsers at
 * random, the one hop every packet between the peers passes once (on loopback a packet meets the
 * output hook at each of its five hops: a rule on all UDP would be 23 % loss). A blackout is a
 * drop-everything rule.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { call, framesResume, framesStalled, selectedPath, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { withPages } from './support/fixture.js';
import { blackout, clearFaults, udpLoss } from './support/network.js';
import { stats, states, statusText, waitForState } from './support/stats.js';
import { sleep, uniqueRoom } from '../support/wait.js';

/** One way, per pass through the proxy: a relayed packet passes it twice each way. */
const DELAY_MS = 50;
const ICE_FAILED_WORDS = 'Could not connect to the other person: the network blocks the call. Try another network.';

let stack: FaultStack;
let A: TestBrowser;
let B: TestBrowser;

before(async () => {
  stack = await startFaultStack({ browsers: 2, turnDelayMs: DELAY_MS });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
afterEach(() => clearFaults());
after(async () => {
  clearFaults();
  await stack?.close();
});

async function relayCall(open: (b: TestBrowser, url: string) => Promise<TestPage>, name: string): Promise<{ desk: TestPage; caller: TestPage; setupMs: number }> {
  const room = uniqueRoom(name);
  const desk = await open(A, stack.site.widgetUrl({ room, policy: 'relay' }));
  const caller = await open(B, stack.site.widgetUrl({ room, policy: 'relay', incoming: 'off' }));
  const setupMs = await call(desk, caller);
  for (const p of [desk, caller]) {
    const path = await selectedPath(p);
    assert.deepEqual([path?.localType, path?.remoteType], ['relay', 'relay'], 'relay-only: relay ↔ relay');
  }
  return { desk, caller, setupMs };
}

describe('loss, latency and blackouts (relay-only calls through a 200 ms round trip)', () => {
  it('5 % UDP loss and a 200 ms round trip: the call connects and stays up 60 s, frames decoding all along', async () => {
    await withPages(stack, async (open) => {
      udpLoss(5, stack.proxy!.port);
      const { desk, caller, setupMs } = await relayCall(open, 'lossy');
      const rtt = (await selectedPath(desk))?.rttMs ?? 0;
      console.log(`# setup under 5 % loss and ${4 * DELAY_MS} ms round trip: ${setupMs} ms from Accept to connected on both sides (peer round trip ${rtt} ms)`);
      assert.ok(rtt >= 4 * DELAY_MS - 10, `the peers' round trip is ${rtt} ms`);
      let before = await Promise.all([desk, caller].map(async (p) => (await stats(p))?.videoFramesDecoded ?? 0));
      for (let s = 0; s < 6; s++) {
        await sleep(10_000);
        const now = await Promise.all([desk, caller].map(async (p) => (await stats(p))?.videoFramesDecoded ?? 0));
        now.forEach((n, i) => assert.ok(n > before[i]! + 50, `page ${i}: ${before[i]} → ${n} frames in 10 s (at ${(s + 1) * 10} s)`));
        before = now;
      }
      for (const p of [desk, caller]) {
        assert.deepEqual((await states(p)).map((e) => e.state).slice(-1), ['connected']);
        assert.ok(!(await states(p)).some((e) => e.state === 'reconnecting'), 'never interrupted');
      }
    });
  });

  it('a 10 s blackout: remote frames decode again within 5 s of the link coming back, no one clicks', async () => {
    await withPages(stack, async (open) => {
      const { desk, caller } = await relayCall(open, 'blackout10');
      blackout();
      const stalled = await Promise.all([framesStalled(desk, 5000), framesStalled(caller, 5000)]);
      await sleep(10_000 - 1000);
      clearFaults();
      const t0 = Date.now();
      const back = await Promise.all([framesResume(desk, 15_000, t0), framesResume(caller, 15_000, t0)]);
      console.log(`# 10 s blackout: frames back ${back.map((b) => b.ms).join(' / ')} ms after the link came back (stalled at ${stalled.join(' / ')})`);
      for (const b of back) assert.ok(b.ms < 5000, `frames back after ${b.ms} ms`);
      for (const p of [desk, caller]) await waitForState(p, 'connected', 5000).then(async () => assert.equal((await states(p)).at(-1)?.state, 'connected'));
    });
  });

  it('a 40 s blackout: both sides end ice-failed, with its words', async () => {
    await withPages(stack, async (open) => {
      const { desk, caller } = await relayCall(open, 'blackout40');
      const t0 = Date.now();
      blackout();
      const ended = await Promise.all([waitForState(desk, 'error', 40_000), waitForState(caller, 'error', 40_000)]);
      console.log(`# 40 s blackout: both ended ${Date.now() - t0} ms into it`);
      for (const [i, e] of ended.entries()) assert.equal(e.reason, 'ice-failed', `page ${i}`);
      for (const p of [desk, caller]) assert.match(await statusText(p), new RegExp(ICE_FAILED_WORDS.replace(/[.:]/g, '\\$&')));
      const left = 40_000 - (Date.now() - t0);
      if (left > 0) await sleep(left);
      clearFaults();
    });
  });
});
