/**
 * Network change mid-call (issue 14, item 1): the address a call runs over moves to another
 * interface, as a laptop's does from Wi-Fi to cellular. Inside the test's network namespace two
 * veth pairs stand for the two networks; the browsers gather host candidates on them only (no
 * loopback ICE), so the call runs over the first. Mid-call its address goes away (moved to the
 * second interface, or the first interface goes down): nobody clicks anything, ICE is restarted
 * by the widget, and remote frames decode again within 5 s, over the second network.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser } from './support/browsers.js';
import { call, framesResume, mark, offersSent, pairsDump, selectedPath, startFaultStack, timelineSince, type FaultStack } from './support/fault-stack.js';
import { withPages } from './support/fixture.js';
import { NETWORKS, twoNetworks } from './support/network.js';
import { states } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

const WIFI_IP = NETWORKS.wifi;
const CELL_IP = NETWORKS.cell;

let stack: FaultStack;
let A: TestBrowser;
let B: TestBrowser;
let nets: ReturnType<typeof twoNetworks> | null = null;

before(async () => {
  stack = await startFaultStack({ browsers: 2, loopbackIce: false });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
after(async () => {
  nets?.remove();
  await stack?.close();
});

const cases: Array<[string, 'move' | 'die']> = [
  ['the address moves to the other interface', 'move'],
  // (A veth going down does not do it here: both ends of the call are in one namespace, and a
  // local address stays reachable through lo. A network that passes nothing is what a dead Wi-Fi is.)
  ['the network in use stops passing packets, another comes up', 'die'],
];

describe('network change mid-call', () => {
  for (const [name, change] of cases) {
    it(`${name}: ICE restarts by itself, remote frames back within 5 s over the new network`, async () => {
      nets = twoNetworks();
      await withPages(stack, async (open) => {
        const room = uniqueRoom('netchange');
        const desk = await open(A, stack.site.widgetUrl({ room, policy: 'all' }));
        const caller = await open(B, stack.site.widgetUrl({ room, policy: 'all', incoming: 'off' }));
        await call(desk, caller);
        for (const p of [desk, caller]) {
          const path = await selectedPath(p);
          assert.equal(path?.localType, 'host');
          assert.match(path?.local ?? '', new RegExp(`^${WIFI_IP.replace(/\./g, '\\.')}:`));
        }
        const offers = (await offersSent(desk)) + (await offersSent(caller));
        const t0 = Date.now();
        await mark(desk, caller);
        nets![change]();
        const back = await Promise.all([framesResume(desk, 20_000, t0), framesResume(caller, 20_000, t0)]).catch(async (e: unknown) => {
          throw new Error(`${String(e)}\n${await pairsDump(desk)}\n---\n${await pairsDump(caller)}`);
        });
        const ms = Math.max(...back.map((b) => b.ms));
        console.log(`# ${name}: remote frames back after ${back.map((b) => b.ms).join(' / ')} ms`);
        if (process.env.TRACE) for (const p of [desk, caller]) console.log(await timelineSince(p, t0));
        assert.ok(ms < 5000, `frames back after ${ms} ms`);
        for (const p of [desk, caller]) {
          const path = await waitFor('the new path selected', async () => {
            const x = await selectedPath(p);
            return x?.local.startsWith(`${CELL_IP}:`) ? x : null;
          }, { timeoutMs: 5000, intervalMs: 200 });
          assert.equal(path.localType, 'host');
          assert.equal(path.remoteType, 'host');
          // Connected again (the status line too) within 5 s of the change: the restart's end may trail the
          // first frames by a moment (ICE or the media watchdog reports it).
          await waitFor('connected again', async () => (await states(p)).at(-1)?.state === 'connected', { timeoutMs: Math.max(500, t0 + 5000 - Date.now()), intervalMs: 100 });
        }
        // One side restarted ICE: a second offer went out (the glare of two is resolved to one answer).
        assert.ok((await offersSent(desk)) + (await offersSent(caller)) > offers, 'an ICE-restart offer was sent');
      });
    });
  }
});
