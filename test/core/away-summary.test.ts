/**
 * The phone's part in away desks and webhooks, over the in-memory relay with a recording link:
 * `setAway` tells the relay and goes into every later handshake; a `missed` from the relay
 * (a call that did not ring here because we were away) joins the missed calls; a bound call's
 * end sends our summary (`call-summary`) once, and a call never bound sends none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectSignaling, Control, SignalingHandlers } from '../../src/core/relay-link.js';
import type { HandshakeAuth } from '../../src/protocol/index.js';
import { FakeRelay, settle } from './fakes.js';
import { connectIce, make } from './phone-harness.js';

/** A link over `relay` that records what the core sends besides messages, and keeps its handlers and auth. */
function recording(relay: FakeRelay): { connect: ConnectSignaling; sent: Array<[keyof Control, unknown]>; h: () => SignalingHandlers; auth: () => HandshakeAuth } {
  const sent: Array<[keyof Control, unknown]> = [];
  let handlers: SignalingHandlers | undefined;
  let auth: HandshakeAuth | undefined;
  const connect: ConnectSignaling = (url, a, h) => {
    handlers = h;
    auth = a;
    return { ...relay.connect(url, a, h), control: (e, p) => void sent.push([e, p]) };
  };
  return { connect, sent, h: () => handlers!, auth: () => auth! };
}

test('setAway: the relay hears away true / false once each, and the handshake carries it for a reconnect', async () => {
  const relay = new FakeRelay();
  const link = recording(relay);
  const desk = make(relay, { connect: link.connect });
  await settle();
  desk.c.setAway(true);
  desk.c.setAway(true);
  assert.deepEqual(link.sent, [['away', { away: true }]]);
  assert.equal(link.auth().away, true, 'read at the next (re)connect');
  desk.c.setAway(false);
  assert.deepEqual(link.sent.at(-1), ['away', { away: false }]);
  assert.equal(link.auth().away, false);
});

test('a missed call reported by the relay while away joins the missed calls (rtc-missed reads them)', async () => {
  const relay = new FakeRelay();
  const link = recording(relay);
  const desk = make(relay, { connect: link.connect });
  await settle();
  desk.c.setAway(true);
  link.h().onMissed?.({ call: 'm1', kind: 'voice', name: 'Ada', from: '' });
  await settle();
  const missed = desk.c.snapshot.missed;
  assert.equal(missed.length, 1);
  assert.deepEqual({ ...missed[0], at: 0 }, { call: 'm1', kind: 'voice', name: 'Ada', at: 0 });
  assert.equal(desk.c.snapshot.state, 'idle', 'nothing rang');
});

test('a bound call that ends sends each side\'s summary once, naming the call; a call that never bound sends none', async () => {
  const relay = new FakeRelay();
  const la = recording(relay);
  const lb = recording(relay);
  const a = make(relay, { connect: la.connect });
  const b = make(relay, { connect: lb.connect });
  await settle();
  const placed = a.c.startCall('video');
  await placed;
  await settle();
  await b.c.accept();
  await settle();
  connectIce(a);
  connectIce(b);
  await settle();
  assert.equal(a.c.snapshot.state, 'connected');
  a.c.hangUp();
  await settle();
  const sa = la.sent.filter(([e]) => e === 'call-summary').map(([, p]) => p as Control['call-summary']);
  const sb = lb.sent.filter(([e]) => e === 'call-summary').map(([, p]) => p as Control['call-summary']);
  assert.equal(sa.length, 1);
  assert.equal(sb.length, 1);
  assert.equal(sa[0]!.call, sb[0]!.call);
  assert.deepEqual(Object.keys(sa[0]!).sort(), ['call', 'durationMs', 'packetLoss', 'reconnects', 'relayed', 'rttMs']);
  // Cancelled while it rang: never bound, nothing to report.
  const n = la.sent.length;
  await a.c.startCall('voice');
  await settle();
  a.c.hangUp();
  await settle();
  assert.equal(la.sent.slice(n).filter(([e]) => e === 'call-summary').length, 0);
});
