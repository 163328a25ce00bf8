/**
 * Ring latency for `npm run bench`: from the caller's click on "Video call" to the callee
 * page's `rtc-incoming`, with the desk page alone in the room and with 49 more idle answerers
 * (raw Socket.IO clients that take calls, protocol 2), so the request fans out to 50.
 * Both times are page clocks turned into epoch ms (performance.timeOrigin + t): the two
 * Chromium instances run on this machine and share its clock.
 */
import { io, type Socket } from 'socket.io-client';
import type { TestBrowser } from '../test/e2e/support/browsers.js';
import type { Site } from '../test/e2e/support/site.js';
import { waitFor } from '../test/support/wait.js';

export interface RingCase {
  answerers: number;
  samples: number[];
}

async function idleAnswerers(relay: string, room: string, n: number): Promise<Socket[]> {
  const sockets = Array.from({ length: n }, () =>
    io(relay, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room, protocol: 2, incoming: true } }),
  );
  await Promise.all(sockets.map((s) => new Promise<void>((resolve, reject) => { s.once('client-id', () => resolve()); s.once('connect_error', reject); })));
  return sockets;
}

/** One ring: fresh desk (A) and caller (B) pages; the caller clicks, the desk hears rtc-incoming. */
async function ringOnce(site: Site, relay: string, A: TestBrowser, B: TestBrowser, room: string, extra: number): Promise<number> {
  const idle = await idleAnswerers(relay, room, extra);
  const [desk, caller] = await Promise.all([A.newPage(), B.newPage()]);
  try {
    await Promise.all([
      desk.goto(site.widgetUrl({ room, policy: 'all', graph: false }), { idle: true }),
      caller.goto(site.widgetUrl({ room, policy: 'all', graph: false, incoming: 'off' }), { idle: true }),
    ]);
    await waitFor('caller sees the desk', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), { intervalMs: 20, timeoutMs: 10_000 });
    await caller.clickButton('Video call');
    const heard = await waitFor('desk rings', () => desk.eval<number | null>("(() => { const e = window.__probe.events.find((x) => x.type === 'rtc-incoming'); return e ? performance.timeOrigin + e.t : null; })()"), { intervalMs: 20, timeoutMs: 10_000 });
    const clicked = await caller.eval<number>('performance.timeOrigin + window.__probe.clicks[0]');
    await caller.clickButton('Cancel');
    return heard - clicked;
  } finally {
    await Promise.all([desk.close(), caller.close()]);
    for (const s of idle) s.close();
  }
}

export async function ringLatency(site: Site, relay: string, A: TestBrowser, B: TestBrowser, runs: number): Promise<RingCase[]> {
  const cases: RingCase[] = [];
  for (const answerers of [1, 50]) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      samples.push(await ringOnce(site, relay, A, B, `ring-${answerers}-${i}-${Date.now().toString(36)}`, answerers - 1));
      process.stderr.write(`ring ${i + 1}/${runs} answerers ${answerers}: ${samples.at(-1)!.toFixed(0)} ms\n`);
    }
    cases.push({ answerers, samples });
  }
  return cases;
}
