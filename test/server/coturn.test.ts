/** The credentials from GET /ice-servers against a real coturn (use-auth-secret): accepted while valid, refused when expired or forged. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IceConfig } from '../../src/protocol/index.js';
import { mintTurnCredential } from '../../server/tokens/turn.js';
import { startCoturn } from '../e2e/support/coturn.js';
import { relayApp } from './support.js';
import { tryAllocate } from './stun.js';

test('coturn allocates with a credential from /ice-servers, and refuses expired or wrong ones', async (t) => {
  const coturn = await startCoturn({ secret: 'relay-test-secret', realm: 'relay.test' });
  t.after(() => coturn.stop());
  const app = await relayApp(t, { turn: { urls: coturn.urls, secret: coturn.secret, ttl: 300 } });
  const cfg = (await app.inject({ url: '/ice-servers' })).json<IceConfig>();
  const turn = cfg.iceServers.find((s) => s.username !== undefined);
  assert.ok(turn?.username && turn.credential, 'a TURN entry with credentials');
  assert.deepEqual(turn.urls, coturn.urls);

  assert.equal(await tryAllocate(coturn.port, turn.username, turn.credential), 'allocated', `coturn log:\n${coturn.log().slice(-1500)}`);

  // Minted 10 minutes ago with a 5-minute ttl: expired 5 minutes ago.
  const old = mintTurnCredential(coturn.secret, 300, Date.now() - 600_000);
  assert.equal(await tryAllocate(coturn.port, old.username, old.credential), 401, 'expired credential refused');
  // Right username, credential from another secret.
  const forged = mintTurnCredential('not-the-secret', 300);
  assert.equal(await tryAllocate(coturn.port, forged.username, forged.credential), 401, 'forged credential refused');
  // A still-valid one minted a minute ago.
  const recent = mintTurnCredential(coturn.secret, 300, Date.now() - 60_000);
  assert.equal(await tryAllocate(coturn.port, recent.username, recent.credential), 'allocated');
});
