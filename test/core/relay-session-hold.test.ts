/**
 * Signaling while the relay link is down (issue 14): held, then sent in order once the relay
 * has accepted the new socket (after the rejoin in client-id), not older than 15 s; a newer
 * description voids what was held before it; call control is never held (the flow re-sends it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelaySession, type SessionOwner } from '../../src/core/relay-session.js';
import type { SignalingHandlers } from '../../src/core/relay-link.js';
import type { SignalMessage } from '../../src/protocol/index.js';
import { FakeClock } from './clock.js';

function session() {
  const clock = new FakeClock();
  const order: string[] = [];
  const noop = () => undefined;
  const owner: SessionOwner = {
    dispatch: (e) => void (e.type === 'client-id' && order.push(`client-id ${e.id}`)),
    aside: () => false, iceUp: () => false, ice: noop, preRefused: noop, polled: noop,
  };
  const wire: string[] = [];
  let h!: SignalingHandlers;
  const s = new RelaySession(
    {
      ...clock,
      now: () => clock.now,
      log: () => undefined,
      fetchIce: () => Promise.resolve({ iceServers: [], iceTransportPolicy: 'all' as const }),
      connectSignaling: (_url, _auth, handlers) => {
        h = handlers;
        return { send: (m: SignalMessage) => void wire.push(m.type === 'candidate' ? `candidate ${m.candidate}` : m.type), close: () => undefined };
      },
    },
    8000,
    owner,
  );
  s.open({ server: 'http://relay' });
  const up = (id: string): void => {
    h.onClientId({ id, room: 'r', peers: [], protocol: 2, ice: { iceServers: [], iceTransportPolicy: 'all' } });
    order.push(`after client-id: ${wire.join(', ')}`);
  };
  return { s, clock, wire, order, up, down: () => h.onDisconnect() };
}

const cand = (n: number): SignalMessage => ({ type: 'candidate', candidate: `c${n}`, sdpMid: '0', sdpMLineIndex: 0 });

test('signaling sent while the link is down goes out in order once the relay accepted the new socket', async () => {
  const { s, wire, order, up, down } = session();
  up('one');
  s.send(cand(0));
  assert.deepEqual(wire, ['candidate c0'], 'sent at once while up');
  down();
  s.send({ type: 'offer', sdp: 'o' });
  s.send(cand(1));
  s.send(cand(2));
  assert.deepEqual(wire, ['candidate c0'], 'nothing on the wire while down');
  up('two');
  assert.deepEqual(wire, ['candidate c0', 'offer', 'candidate c1', 'candidate c2']);
  assert.deepEqual(order.slice(-2), ['client-id two', 'after client-id: candidate c0, offer, candidate c1, candidate c2'], 'after the owner heard client-id (and its rejoin)');
});

test('a newer offer or answer voids what was held before it; call control is not held; what waited over 15 s is dropped', async () => {
  const { s, clock, wire, up, down } = session();
  up('one');
  down();
  s.send({ type: 'offer', sdp: 'old' });
  s.send(cand(1));
  s.send({ type: 'ready', call: 'c', kind: 'video' });
  s.send({ type: 'answer', sdp: 'new' });
  s.send(cand(2));
  await clock.advance(14_000);
  s.send({ type: 'bye' });
  await clock.advance(2_000); // the answer and c2 are 16 s old now, the bye 2 s
  up('two');
  assert.deepEqual(wire, ['bye']);
});

test('close() (a new relay or room) forgets what was held', () => {
  const { s, wire, up, down } = session();
  up('one');
  down();
  s.send({ type: 'bye' });
  s.close();
  up('two');
  assert.deepEqual(wire, []);
});
