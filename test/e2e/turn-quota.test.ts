/**
 * TURN credentials only for admitted sockets (issue 12), in real browsers: coturn runs with
 * --user-quota=2 --total-quota=20 and the relay requires signed tokens. Anonymous requests get
 * no credential at all, and a relay-only call between two token-holding widget pages (a visitor's
 * call-only page and a desk) connects through coturn: relay ↔ relay candidates, frames both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { mintToken } from '../../server/tokens/tokens.js';
import type { TestBrowser } from './support/browsers.js';
import { startStack, withPages, type Stack } from './support/fixture.js';
import { PAGE_POLL, waitForAudioEnergy, waitForSelectedPair, waitForState } from './support/stats.js';
import { uniqueRoom, waitFor } from '../support/wait.js';

const SECRET = 'e2e-token-secret-that-is-long-enough-0123456789';
let stack: Stack;
let A: TestBrowser;
let B: TestBrowser;

before(async () => {
  stack = await startStack({
    browsers: ['chromium', 'chromium'],
    coturnArgs: ['--user-quota=2', '--total-quota=20'],
    relayEnv: { TOKEN_SECRET: SECRET },
  });
  [A, B] = stack.browsers as [TestBrowser, TestBrowser];
});
after(() => stack?.close());

describe('TURN with quotas behind signed tokens', () => {
  it('25 anonymous requests get no TURN credential; a relay-only call between two token holders connects through coturn, sound both ways', async () => {
    // Anonymous HTTP: /ice-servers is off while tokens are required.
    const answers = await Promise.all(Array.from({ length: 25 }, () => fetch(`${stack.relay.url}/ice-servers`)));
    assert.ok(answers.every((r) => r.status === 403 || r.status === 404 || r.status === 429), `statuses ${answers.map((r) => r.status)}`);
    for (const r of answers) assert.ok(!/credential/.test(await r.text()), 'no credential in an anonymous answer');
    // Anonymous socket: refused at the handshake, so no client-id (and no ice) reaches it.
    const anon = io(stack.relay.url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room: 'x', protocol: 2 } });
    const refused = await new Promise<string>((resolve) => {
      anon.once('connect_error', (e) => resolve(e.message));
      anon.once('client-id', () => resolve('admitted'));
    });
    anon.close();
    assert.match(refused, /unauthorized|token/i);

    await withPages(stack, async (open) => {
      const room = uniqueRoom('quota');
      const [deskToken, visitorToken] = await Promise.all([
        // Each its own `sub`: both pages share one address, whose quota alone would hold only 2 allocations.
        mintToken(SECRET, { room, role: 'answerer', name: 'Desk', sub: 'desk-1', ttl: 600 }),
        mintToken(SECRET, { room, role: 'caller', name: 'Vi', sub: 'visitor-1', ttl: 600 }),
      ]);
      const desk = await open(A, stack.site.widgetUrl({ room, policy: 'relay', token: deskToken }));
      const visitor = await open(B, stack.site.widgetUrl({ room, policy: 'relay', token: visitorToken, incoming: 'off' }));
      await waitFor('the visitor sees the desk', () => visitor.eval<boolean>("document.querySelector('rtc-call-button').getAttribute('presence') === 'available'"), PAGE_POLL);
      await visitor.clickButton('Voice call');
      await waitForState(desk, 'ringing');
      await desk.clickButton('Accept');
      await Promise.all([waitForState(desk, 'connected'), waitForState(visitor, 'connected')]);
      for (const p of [desk, visitor]) {
        const pair = await waitFor(`${p.browser}: succeeded relay pair`, async () => {
          const x = await waitForSelectedPair(p);
          return x.state === 'succeeded' ? x : null;
        }, PAGE_POLL);
        assert.deepEqual({ local: pair.local, remote: pair.remote }, { local: 'relay', remote: 'relay' });
      }
      for (const p of [desk, visitor]) assert.ok((await waitForAudioEnergy(p)).audioEnergy > 0, 'sound arrives through coturn');
    });
  });
});
