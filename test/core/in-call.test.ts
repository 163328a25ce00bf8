/**
 * In a call (pure logic on the fake relay): mute, camera off and screen share tell the peer,
 * device switches replace the sent track without renegotiating, a track that ends by itself is
 * re-acquired (or the status says so), devicechange follows a new default; quality from
 * getStats() and the call summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallMeter } from '../../src/core/quality.js';
import type { StatsLike } from '../../src/core/platform.js';
import { FakeTrack, settle } from './fakes.js';
import { connectIce, ringCall, type Harness } from './phone-harness.js';

async function connected(opts: Parameters<typeof ringCall>[2] = {}): Promise<Awaited<ReturnType<typeof ringCall>>> {
  const r = await ringCall('video', true, opts);
  connectIce(r.a);
  connectIce(r.b);
  await settle();
  assert.equal(r.a.c.snapshot.state, 'connected');
  return r;
}

const track = (h: Harness, kind: string): FakeTrack => h.c.snapshot.localStream!.getTracks().find((t) => t.kind === kind)!;
const sent = (h: Harness, kind: string): unknown => h.peers.at(-1)!.senders.find((s) => (s.track as FakeTrack).kind === kind)?.track;
const mediaSent = (r: Awaited<ReturnType<typeof ringCall>>): unknown[] => r.relay.sent.filter((x) => x.message.type === 'media').map((x) => x.message);

test('mute and camera off: the tracks send silence and black, the peer is told and shows it, with our name from the relay', async () => {
  const r = await connected({ a: { name: 'Ann' }, b: { name: 'Desk' } });
  const { a, b } = r;
  // Connecting told each side the other's state (all off).
  assert.equal(mediaSent(r).length, 2);
  a.c.media.set('muted', true);
  await settle();
  assert.equal(track(a, 'audio').enabled, false);
  assert.equal(a.c.snapshot.muted, true);
  assert.deepEqual(b.c.snapshot.remote, { muted: true, cameraOff: false, sharing: false, name: 'Ann' });
  assert.equal(a.c.snapshot.remote.name, 'Desk', 'the caller learns who took the call');
  a.c.media.set('cameraOff', true);
  await settle();
  assert.equal(track(a, 'video').enabled, false);
  assert.equal(b.c.snapshot.remote.cameraOff, true);
  a.c.media.set('muted', false);
  a.c.media.set('cameraOff', false);
  await settle();
  assert.equal(track(a, 'audio').enabled, true);
  assert.equal(track(a, 'video').enabled, true);
  assert.deepEqual(b.c.snapshot.remote, { muted: false, cameraOff: false, sharing: false, name: 'Ann' });
  assert.deepEqual(mediaSent(r).at(-1), { type: 'media', muted: false, cameraOff: false, sharing: false });
  // No renegotiation for any of it.
  assert.equal(a.peers[0]!.offers, 1);
});

test('a device switch replaces the sent track and the preview’s, stops the old one and keeps mute', async () => {
  const { a } = await connected();
  const oldMic = track(a, 'audio');
  a.c.media.set('muted', true);
  await a.c.media.use('audio', 'headset');
  const mic = track(a, 'audio');
  assert.equal(mic.label, 'headset');
  assert.equal(mic.enabled, false, 'still muted');
  assert.equal(sent(a, 'audio'), mic, 'the sender sends the new microphone');
  assert.equal(oldMic.stopped, true);
  assert.equal(a.c.snapshot.localStream!.getTracks().filter((t) => t.kind === 'audio').length, 1);
  await a.c.media.use('video', 'cam2');
  assert.equal(sent(a, 'video'), track(a, 'video'));
  assert.equal(track(a, 'video').label, 'cam2');
  assert.equal(a.peers[0]!.offers, 1, 'no renegotiation');
});

test('screen share goes out in place of the camera; the browser’s Stop sharing returns to the camera; the peer sees sharing', async () => {
  const { a, b } = await connected();
  await a.c.media.share(true);
  await settle();
  assert.equal(a.c.snapshot.sharing, true);
  assert.equal((sent(a, 'video') as FakeTrack).label, 'screen');
  assert.equal(b.c.snapshot.remote.sharing, true);
  // The browser's own "Stop sharing" ends the screen track.
  track(a, 'video').end();
  await settle();
  assert.equal(a.c.snapshot.sharing, false);
  assert.equal((sent(a, 'video') as FakeTrack).label, 'video default');
  assert.equal(b.c.snapshot.remote.sharing, false);
});

test('a track that ends by itself is re-acquired from the default; if none is left the peer is told camera off and the status knows', async () => {
  const { a } = await connected();
  track(a, 'audio').end();
  await settle();
  assert.equal(track(a, 'audio').label, 'audio default');
  assert.equal(a.c.snapshot.lost, null);

  const r2 = await connected({ a: { trackFails: true } });
  track(r2.a, 'video').end();
  await settle();
  assert.equal(r2.a.c.snapshot.lost, 'video');
  assert.equal(r2.b.c.snapshot.remote.cameraOff, true, 'no frozen picture: the peer shows the placeholder');
  assert.equal(r2.a.c.snapshot.state, 'connected');
});

test('devicechange: a kind on the default follows a new default (a headset plugged in); a picked device stays', async () => {
  let label = 'audio device';
  const { a } = await connected({ a: { defaultLabel: () => label } });
  await a.c.media.devicesChanged();
  assert.equal(a.made.filter((t) => t.kind === 'audio' && t.stopped).length, 1, 'same default: the probe track is stopped');
  label = 'USB headset';
  await a.c.media.devicesChanged();
  assert.equal(track(a, 'audio').label, 'USB headset');
  assert.equal(sent(a, 'audio'), track(a, 'audio'));
  await a.c.media.use('audio', 'mic-picked');
  label = 'Bluetooth';
  await a.c.media.devicesChanged();
  assert.equal(track(a, 'audio').label, 'mic-picked');
});

const stats = (rttS: number, lost: number, got: number, jitterS: number, type = 'host', protocol = 'udp'): StatsLike[] => [
  { type: 'transport', id: 'T', selectedCandidatePairId: 'P' },
  { type: 'candidate-pair', id: 'P', localCandidateId: 'L', currentRoundTripTime: rttS },
  { type: 'local-candidate', id: 'L', candidateType: type, protocol: 'udp', relayProtocol: protocol },
  { type: 'inbound-rtp', id: 'A', kind: 'audio', packetsLost: lost, packetsReceived: got, jitter: jitterS },
];

test('quality: good / fair / poor from round trip, loss over the interval and jitter; relayed and its transport; the summary averages the call', () => {
  const m = new CallMeter();
  assert.equal(m.sample([{ type: 'inbound-rtp' }]), null, 'no pair in use yet');
  m.since = 1000;
  assert.deepEqual(m.sample(stats(0.04, 0, 1000, 0.005)), { level: 'good', rttMs: 40, packetLoss: 0, jitterMs: 5, relayed: false, via: 'udp' });
  assert.equal(m.sample(stats(0.3, 0, 2000, 0.005))!.level, 'fair', '300 ms round trip');
  const q = m.sample(stats(0.1, 100, 2900, 0.005, 'relay', 'tls'))!;
  assert.equal(q.packetLoss, 0.1, 'loss over the last interval: 100 of 1000');
  assert.equal(q.level, 'poor');
  assert.deepEqual([q.relayed, q.via], [true, 'tls']);
  assert.equal(m.sample(stats(0.05, 100, 3900, 0.12, 'relay', 'tls'))!.level, 'poor', '120 ms jitter');
  m.reconnects = 1;
  assert.deepEqual(m.summary('video', 61000), { kind: 'video', durationMs: 60000, relayed: true, rttMs: 123, packetLoss: 100 / 4000, reconnects: 1 });
  // Firefox: no transport report; the pair in use says selected.
  const f = new CallMeter().sample([
    { type: 'candidate-pair', id: 'X', selected: false, localCandidateId: 'L' },
    { type: 'candidate-pair', id: 'P', selected: true, localCandidateId: 'L', currentRoundTripTime: 0.02 },
    { type: 'local-candidate', id: 'L', candidateType: 'host', protocol: 'tcp' },
  ])!;
  assert.deepEqual([f.rttMs, f.via, f.jitterMs], [20, 'tcp', null]);
  assert.deepEqual(new CallMeter().summary('voice', 5), { kind: 'voice', durationMs: 0, relayed: null, rttMs: null, packetLoss: null, reconnects: 0 });
});

test('the call summary reaches the snapshot when the call ends: duration from connected, reconnects counted', async () => {
  const { a, b } = await connected();
  const at = a.c.snapshot.connectedAt;
  assert.ok(at && at <= Date.now());
  a.peers[0]!.setIce('disconnected');
  a.peers[0]!.setIce('connected');
  await settle();
  b.c.hangUp();
  await settle();
  const s = a.c.snapshot.summary!;
  assert.equal(s.kind, 'video');
  assert.equal(s.reconnects, 1);
  assert.ok(s.durationMs >= 0 && s.durationMs < 5000);
});

test('an ICE interruption asks for fresh TURN credentials before the restart gathers: stale ones are fetched anew and set on the call', async () => {
  let fetches = 0;
  let clock = Date.now();
  const { a } = await connected({ a: { onFetch: () => fetches++, now: () => clock } });
  const pc = a.peers[0]!;
  const [before, configs] = [fetches, pc.configs.length];
  // The fake's credentials live 600 s: past half of that they are due.
  clock += 400_000;
  pc.setIce('disconnected');
  await settle();
  assert.equal(a.c.snapshot.state, 'reconnecting');
  assert.equal(fetches, before + 1, 'fetched anew at the interruption');
  assert.equal(pc.configs.length, configs + 1, 'and set on the call for the restart');
});
