/**
 * Call-only pages that link to the relay only when someone means to call (`connect`): until
 * then no socket, presence from GET /presence; `intent` links at prepare(), `click` at the call,
 * which still rings the desk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRelay, settle } from './fakes.js';
import { make } from './phone-harness.js';

const asks = (): { calls: string[]; fetch: () => Promise<{ available: number; busy: number }> } => {
  const calls: string[] = [];
  return { calls, fetch: async () => (calls.push('GET /presence'), { available: 1, busy: 0 }) };
};

test('connect="intent": no socket until prepare(); presence over HTTP meanwhile; prepare links and the socket’s presence takes over', async () => {
  const relay = new FakeRelay();
  make(relay, { name: 'Desk' });
  const p = asks();
  const visitor = make(relay, { presence: p.fetch });
  visitor.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false, connect: 'intent' });
  await settle();
  assert.equal(relay.members.filter((m) => m.open).length, 1, 'only the desk holds a socket');
  assert.equal(visitor.c.snapshot.relayConnected, false);
  assert.deepEqual([visitor.c.snapshot.presence, visitor.c.snapshot.presenceKnown], ['available', true]);
  assert.ok(p.calls.length >= 1);
  visitor.c.prepare();
  await settle();
  assert.equal(visitor.c.snapshot.relayConnected, true, 'linked on intent, before any click');
  assert.equal(relay.members.filter((m) => m.open).length, 2);
  // A second intent does nothing more.
  visitor.c.prepare();
  await settle();
  assert.equal(relay.members.length, 2);
});

test('connect="click": prepare() does not link; the call links and rings the desk', async () => {
  const relay = new FakeRelay();
  const desk = make(relay);
  const p = asks();
  const visitor = make(relay, { presence: p.fetch });
  visitor.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false, connect: 'click' });
  await settle();
  visitor.c.prepare();
  await settle();
  assert.equal(visitor.c.snapshot.relayConnected, false, 'intent is not enough');
  await visitor.c.startCall('voice');
  await settle();
  assert.equal(visitor.c.snapshot.state, 'waiting');
  assert.equal(desk.c.snapshot.state, 'ringing', 'the click rang the desk');
});

test('connect="load" (the default) links at once and asks no HTTP presence', async () => {
  const relay = new FakeRelay();
  const p = asks();
  const a = make(relay, { presence: p.fetch });
  await settle();
  assert.equal(a.c.snapshot.relayConnected, true);
  assert.deepEqual(p.calls, []);
});

test('GET /presence refused (a token not for this room): the refusal from load, and no more lookups', async () => {
  const relay = new FakeRelay();
  let asked = 0;
  const visitor = make(relay, {
    presence: async () => {
      asked++;
      throw Object.assign(new Error('/presence: HTTP 401'), { code: 'unauthorized' });
    },
  });
  visitor.c.configure({ server: 'http://relay.test', room: 'r1', token: 'x.y.z', incoming: false, connect: 'intent' });
  await settle();
  assert.deepEqual([visitor.c.snapshot.state, visitor.c.snapshot.reason], ['error', 'unauthorized']);
  assert.equal(relay.members.length, 0, 'no socket');
  assert.equal(asked, 1, 'asked once: the next poll is not scheduled');
});

test('GET /presence failing otherwise (network, hidden page): idle, no status, asked again later', async () => {
  const relay = new FakeRelay();
  const visitor = make(relay, { presence: async () => Promise.reject(new Error('offline')) });
  visitor.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false, connect: 'intent' });
  await settle();
  assert.deepEqual([visitor.c.snapshot.state, visitor.c.snapshot.presenceKnown], ['idle', false]);
});

test('GET /presence says nobody is there (0 and 0, as before it answered): listeners hear presenceKnown', async () => {
  const relay = new FakeRelay();
  const visitor = make(relay, { presence: async () => ({ available: 0, busy: 0 }) });
  const heard: boolean[] = [];
  visitor.c.subscribe((s) => heard.push(s.presenceKnown));
  visitor.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false, connect: 'intent' });
  await settle();
  assert.equal(heard.at(-1), true, 'told, though the counts did not change');
  assert.equal(visitor.c.snapshot.presence, 'offline');
});
