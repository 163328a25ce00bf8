/**
 * Server-side faults under a call (issue 14, item 6): coturn restarted mid relay-only call, the
 * relay restarted mid-call, one of two relay nodes (over a real redis-server) killed. Real
 * Chromium, the built relay, real coturn; nobody clicks anything but Hang up at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser, TestPage } from './support/browsers.js';
import { call, framesResume, mark, pidOn, rebinds, selectedPath, startFaultStack, timelineSince, type FaultStack } from './support/fault-stack.js';
import { startFailoverProxy } from './support/failover-proxy.js';
import { withPages } from './support/fixture.js';
import { startRelay, type Relay } from './support/relay.js';
import { states, stats, waitForFrames, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { startRedis, type RedisServer } from '../redis/support.js';

let stack: FaultStack;
let A: TestBrowser;
let B: TestBrowser;

before(async () => {
  stack = await startFaultStack({ browsers: 2 });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
after(() => stack?.close());

const selfId = (p: TestPage): Promise<string | null> => p.eval('window.__probe.selfId()');

/** ms from `since` until 20 more remote audio packets arrived (400 ms of sound) on this page. */
async function audioResume(p: TestPage, timeoutMs: number, since: number): Promise<number> {
  const base = (await stats(p))?.audioPacketsReceived ?? 0;
  await waitFor(`${p.browser}: remote audio again (past ${base} packets)`, async () => ((await stats(p))?.audioPacketsReceived ?? 0) >= base + 20, { timeoutMs, intervalMs: 100 });
  return Date.now() - since;
}

/** Hang-up on the caller still reaches the desk: remote-hang-up there, hang-up here. */
async function hangUpReaches(desk: TestPage, caller: TestPage): Promise<void> {
  await caller.clickButton('Hang up');
  const [d, c] = await Promise.all([waitForState(desk, 'ended', 5000), waitForState(caller, 'ended', 5000)]);
  assert.equal(d.reason, 'remote-hang-up');
  assert.equal(c.reason, 'hang-up');
}

describe('server-side faults under a call', () => {
  it('coturn restarted mid relay-only call (down 2 s): remote sound back within 5 s of it being back, frames within 10 s', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('coturn');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'relay' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'relay', incoming: 'off' }));
      await call(desk, caller);
      const down = Date.now();
      await stack.restartCoturn(2000);
      const t0 = Date.now();
      // Sound first: the video sender's bandwidth estimate starts over on the new relay path and
      // its frames follow some seconds later (bench/RESULTS.md, Recovery from faults).
      const [audio, video] = await Promise.all([
        Promise.all([desk, caller].map((p) => audioResume(p, 15_000, t0))),
        Promise.all([framesResume(desk, 20_000, t0), framesResume(caller, 20_000, t0)]),
      ]);
      console.log(`# coturn restart: sound back ${audio.join(' / ')} ms, frames ${video.map((b) => b.ms).join(' / ')} ms after coturn was back (${t0 - down} ms after it was stopped)`);
      if (process.env.TRACE) for (const p of [desk, caller]) console.log(await timelineSince(p, down));
      for (const ms of audio) assert.ok(ms < 5000, `sound back after ${ms} ms`);
      for (const b of video) assert.ok(b.ms < 10_000, `frames back after ${b.ms} ms`);
      for (const p of [desk, caller]) {
        const path = await selectedPath(p);
        assert.deepEqual([path?.localType, path?.remoteType], ['relay', 'relay']);
        await waitFor('connected again', async () => (await states(p)).at(-1)?.state === 'connected', { timeoutMs: 5000, intervalMs: 200 });
      }
      await hangUpReaches(desk, caller);
    });
  });

  it('the relay restarted mid-call: frames keep decoding, both rejoin the call, and hang-up still reaches the other side', async () => {
    await withPages(stack, async (open) => {
      const room = uniqueRoom('relayrestart');
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
      const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
      await call(desk, caller);
      const ids = await Promise.all([selfId(desk), selfId(caller)]);
      await mark(desk, caller);
      await stack.restartRelay(1000);
      // Both pages come back on new sockets of the same call.
      for (const [i, p] of [desk, caller].entries()) {
        await waitFor(`page ${i} back on a new socket`, async () => {
          const id = await selfId(p);
          return id !== null && id !== ids[i];
        }, { timeoutMs: 15_000, intervalMs: 200 });
      }
      // Media never needed the relay: frames went on decoding all along.
      for (const p of [desk, caller]) await waitForFrames(p, (await stats(p))?.videoFramesDecoded ?? 0, 3000);
      await waitFor('both rebound into the call (the caller sees bound again)', async () => (await rebinds(caller)) > 0 && (await rebinds(desk)) > 0, { timeoutMs: 15_000, intervalMs: 200 });
      for (const p of [desk, caller]) assert.equal((await states(p)).at(-1)?.state, 'connected', 'the call went on');
      await hangUpReaches(desk, caller);
    });
  });

  it('one of two relay nodes (one redis-server) killed under a call: frames keep decoding, both re-join the surviving node, hang-up still reaches the other side', async () => {
    const redis: RedisServer = await startRedis();
    const nodes: Relay[] = [];
    try {
      for (let i = 0; i < 2; i++) nodes.push(await startRelay({ turnUrls: stack.coturn.urls, turnSecret: stack.coturn.secret, env: { REDIS_URL: redis.url } }));
      const front = await startFailoverProxy(nodes.map((n) => n.port));
      try {
        await withPages(stack, async (open) => {
          const room = uniqueRoom('nodekill');
          const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all', server: front.url }));
          const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', server: front.url, incoming: 'off' }));
          await call(desk, caller);
          assert.equal(front.routed[1], 0, 'both pages are on the first node');
          await mark(desk, caller);
          process.kill(pidOn(nodes[0]!.port), 'SIGKILL');
          for (const p of [desk, caller]) await waitForFrames(p, (await stats(p))?.videoFramesDecoded ?? 0, 3000);
          await waitFor('both re-joined the call on the surviving node', async () => (await rebinds(caller)) > 0 && (await rebinds(desk)) > 0, { timeoutMs: 20_000, intervalMs: 200 });
          assert.ok(front.routed[1]! >= 2, `connections to the surviving node: ${front.routed[1]}`);
          for (const p of [desk, caller]) {
            await waitForFrames(p, (await stats(p))?.videoFramesDecoded ?? 0, 3000);
            assert.equal((await states(p)).at(-1)?.state, 'connected', 'the call went on');
          }
          await hangUpReaches(desk, caller);
        });
      } finally {
        await front.close();
      }
    } finally {
      for (const n of nodes) await n.stop();
      await redis.stop();
    }
  });
});
