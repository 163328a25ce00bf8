/**
 * Ring latency for `npm run bench`: from the caller's click on "Video call" to the callee
 * page's `rtc-incoming`, with the desk page alone in the room and with 49 more idle answerers
 * (raw Socket.IO clients that take calls, protocol 2), so the request fans out to 50.
 * The caller page links to the relay on load (`connect="load"`), or on intent (`connect="intent"`,
 * the default of a call-only page): `intent` has the pointer move onto the button just before the
 * click (Playwright's click: the worst case, the socket opens between the two), `intent+100` has it
 * arrive 100 ms before (a person's pointer rests on a button a few hundred ms before pressing it).
 * The cases alternate run by run.
 * Both times are page clocks turned into epoch ms (performance.timeOrigin + t): the two
 * Chromium instances run on this machine and share its clock.
 */
import { io, type Socket } from 'socket.io-client';
import type { TestBrowser } from '../test/e2e/support/browsers.js';
import type { Site } from '../test/e2e/support/site.js';
import { sleep, waitFor } from '../test/support/wait.js';

export interface RingCase {
  answerers: number;
  connect: 'load' | 'intent' | 'intent+100';
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
async function ringOnce(site: Site, relay: string, A: TestBrowser, B: TestBrowser, room: string, extra: number, connect: RingCase['connect']): Promise<number> {
  const idle = await idleAnswerers(relay, room, extra);
  const [desk, caller] = await Promise.all([A.newPage(), B.newPage()]);
  try {
    // The desk first: a connect="intent" caller learns presence from GET /presence, polled every 15 s.
    await desk.goto(site.widgetUrl({ room, policy: 'all', graph: false }), { idle: true });
    await waitFor('the desk is linked', () => desk.eval<boolean>('!!window.__probe.selfId()'), { intervalMs: 20, timeoutMs: 20_000 });
    await caller.goto(site.widgetUrl({ room, policy: 'all', graph: false, incoming: 'off', connect: connect === 'load' ? 'load' : 'intent' }), { idle: true });
    await waitFor('caller sees the desk', () => caller.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), { intervalMs: 20, timeoutMs: 10_000 });
    if (connect === 'intent+100') {
      // What the pointer arriving on the element dispatches on it (pointerenter does not bubble).
      await caller.eval("document.querySelector('rtc-call-button').dispatchEvent(new PointerEvent('pointerenter'))");
      await sleep(100);
    }
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
  const cases: RingCase[] = [
    { answerers: 1, connect: 'load', samples: [] },
    { answerers: 1, connect: 'intent', samples: [] },
    { answerers: 1, connect: 'intent+100', samples: [] },
    { answerers: 50, connect: 'load', samples: [] },
  ];
  for (let i = 0; i < runs; i++)
    for (const c of i % 2 ? [...cases].reverse() : cases) {
      c.samples.push(await ringOnce(site, relay, A, B, `ring-${c.answerers}-${c.connect.replace("+", "-")}-${i}-${Date.now().toString(36)}`, c.answerers - 1, c.connect));
      process.stderr.write(`ring ${i + 1}/${runs} answerers ${c.answerers} connect ${c.connect}: ${c.samples.at(-1)!.toFixed(0)} ms\n`);
    }
  return cases;
}
