/**
 * Recovery without anyone's help (issue 14): the media watchdog restarts ICE on a dead path
 * before ICE itself notices, a restart offer nobody answered is rolled back and made again with
 * backoff, and a restart by the peer is not doubled by one of ours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecoveringNegotiator as Negotiator } from '../../src/core/ice-recovery.js';
import type { SignalMessage } from '../../src/protocol/index.js';
import type { DescriptionLike } from '../../src/core/platform.js';
import { FakePeer, settle } from './fakes.js';
import { FakeClock } from './clock.js';

/** A FakePeer that can roll back its own offer (setLocalDescription({type: 'rollback'})), as browsers do. */
class Peer extends FakePeer {
  override setLocalDescription(d?: DescriptionLike): Promise<void> {
    if (d?.type !== 'rollback') return super.setLocalDescription(d);
    this.log.push('SLD rollback');
    this.signalingState = 'stable';
    return Promise.resolve();
  }
}

function side(name: string, clock: FakeClock, polite = true) {
  const pc = new Peer(name);
  const sent: SignalMessage[] = [];
  const events: string[] = [];
  const neg = new Negotiator({
    pc,
    polite: () => polite,
    send: (m) => sent.push(m),
    onConnected: () => events.push('connected'),
    onInterrupted: () => events.push('interrupted'),
    onFailed: () => events.push('failed'),
    onError: (e) => events.push(`error ${String(e)}`),
    ...clock,
  });
  pc.onnegotiationneeded = () => void neg.onNegotiationNeeded();
  pc.oniceconnectionstatechange = () => neg.onIceConnectionStateChange();
  return { pc, neg, sent, events };
}

/** An offer answered by a second negotiator: both stable, ICE connected on `a`. */
async function connected(clock: FakeClock) {
  const a = side('a', clock);
  const b = side('b', clock, false);
  await a.neg.offer();
  await b.neg.handleSignal(a.sent[0]!);
  await a.neg.handleSignal(b.sent[0]!);
  await settle();
  a.pc.setIce('connected');
  return { a, b };
}

test('media watchdog: bytes that stop for two looks (1 s) restart ICE while ICE still says connected; flowing media never does', async () => {
  const clock = new FakeClock();
  const { a } = await connected(clock);
  for (let s = 0; s < 5; s++) {
    a.pc.bytesReceived += 1000;
    await clock.advance(500);
  }
  assert.equal(a.pc.restartCount, 0, 'media flows: no restart');
  await clock.advance(500); // first look without new bytes
  assert.equal(a.pc.restartCount, 0);
  await clock.advance(500); // second
  assert.equal(a.pc.restartCount, 1, 'restarted after two still looks');
  assert.equal(a.events.at(-1), 'interrupted');
  await settle();
  assert.deepEqual(a.sent.map((m) => m.type), ['offer', 'offer'], 'the restart offer went out');
  await clock.advance(3000);
  assert.equal(a.neg.restarts, 1, 'no second restart on top of the one under way (its offer is retried: see below)');
  a.neg.close();
});

test('media flowing again over the restarted path while ICE never left connected ends the restart (onConnected)', async () => {
  const clock = new FakeClock();
  const { a, b } = await connected(clock);
  a.pc.bytesReceived = 5000;
  await clock.advance(500);
  await clock.advance(1000);
  assert.equal(a.pc.restartCount, 1);
  await b.neg.handleSignal(a.sent.at(-1)!);
  await a.neg.handleSignal(b.sent.at(-1)!);
  const before = a.events.length;
  a.pc.bytesReceived += 3000;
  await clock.advance(500);
  assert.deepEqual(a.events.slice(before), ['connected']);
  assert.deepEqual(clock.pending(), [500], 'only the watchdog is left: the answered offer is not retried');
  a.neg.close();
  b.neg.close();
});

test('a restart offer that gets no answer is rolled back and made again after 2 s, then 4 s, then 8 s; an answer stops it', async () => {
  const clock = new FakeClock();
  const { a, b } = await connected(clock);
  a.pc.setIce('failed');
  await settle();
  const offers = (): number => a.sent.filter((m) => m.type === 'offer').length;
  assert.equal(offers(), 2);
  await clock.advance(1999);
  assert.equal(offers(), 2);
  await clock.advance(1);
  assert.equal(offers(), 3, 'retried after 2 s');
  assert.ok(a.pc.log.includes('SLD rollback'));
  assert.equal(a.pc.signalingState, 'have-local-offer');
  await clock.advance(4000);
  assert.equal(offers(), 4, 'then after 4 s');
  await clock.advance(8000);
  assert.equal(offers(), 5, 'then after 8 s');
  assert.equal(a.pc.restartCount, 4, 'each retry is a new ICE generation (restartIce again)');
  assert.equal(a.neg.restarts, 1, 'retries do not use up the restarts');
  // The last one is answered.
  await b.neg.handleSignal(a.sent.at(-1)!);
  await a.neg.handleSignal(b.sent.at(-1)!);
  assert.equal(a.pc.signalingState, 'stable');
  await clock.advance(20_000);
  assert.equal(offers(), 5, 'answered: no more retries');
  assert.ok(!a.events.some((e) => e.startsWith('error')), a.events.join());
  a.neg.close();
  b.neg.close();
});

test("the peer's restart offer is answered, and our watchdog does not add a second restart on top of it", async () => {
  const clock = new FakeClock();
  const { a, b } = await connected(clock);
  a.pc.bytesReceived = 100;
  await clock.advance(500);
  b.pc.restartIce(); // the peer's restart (its watchdog saw the path die first)
  await settle();
  await a.neg.handleSignal(b.sent.at(-1)!);
  await clock.advance(5000); // a's media stays still meanwhile
  assert.equal(a.pc.restartCount, 0, 'a answered; no restart of its own');
  assert.equal(a.sent.at(-1)?.type, 'answer');
  a.neg.close();
  b.neg.close();
});
