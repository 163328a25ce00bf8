// The relay contract: the same scenarios, written once, against the in-memory FakeRelay that the
// phone's unit tests use (test/core/fakes.ts) and against the real relay (buildRelay on
// 127.0.0.1:0) reached through the widget's own Socket.IO link (src/browser/socket-link.ts).
// Both run the same call service (server/calls/service.ts), so the call rules themselves are
// tested once, against the real relay, in test/server (ringing, queue, presence, preconnect,
// signaling). What is left here is what the fake does on its own: the transport as a link sees
// it — the handshake (ids, client-id, room-full, a bad room, malformed messages), peer-joined
// and peer-left, a relay restart and the rejoin after it — and one call each way (v1, v2) to hold
// the fake's delivery of the service's events to the real link's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { buildRelay } from '../../server/index.js';
import { connectSignaling } from '../../src/browser/socket-link.js';
import type { ConnectSignaling, SignalingLink } from '../../src/core/relay-link.js';
import {
  DEFAULT_ROOM,
  LIMITS,
  PROTOCOL_VERSION,
  validateMessage,
  type ClientToServerEvents,
  type ErrorPayload,
  type HandshakeAuth,
  type PresencePayload,
  type ServerToClientEvents,
  type SignalMessage,
} from '../../src/protocol/index.js';
import { linkRecorder } from '../support/link-recorder.js';
import { sleep, waitFor } from '../support/wait.js';
import { FakeRelay, settle, type RawClient } from './fakes.js';

/** The fake answers within a few setImmediates, the real relay within a loopback round trip. */
const SOON = { timeoutMs: 10_000, intervalMs: 5 };

/** A widget's link into a relay, with everything it was told. */
class Client {
  readonly r = linkRecorder();
  readonly link: SignalingLink;
  #barriers = 0;

  /** `auth` is the link's own: changed in place, it is what the next (re)connect presents (as the phone does with call + key). */
  constructor(
    connect: ConnectSignaling,
    url: string,
    readonly auth: HandshakeAuth,
  ) {
    this.link = connect(url, auth, this.r.handlers);
  }

  /** The id of the last client-id. */
  get id(): string {
    const p = this.r.ids.at(-1);
    assert.ok(p, 'no client-id yet');
    return p.id;
  }

  send(m: SignalMessage): void {
    this.link.send(m);
  }

  /**
   * Everything the relay sent us before now has arrived. We ask for a refusal that only we hear
   * (a decline of a call that does not exist) and wait for it: the relay sends a socket's events
   * in order. The refusal is then taken out of the record.
   */
  async settled(): Promise<void> {
    const call = `barrier-${++this.#barriers}`;
    this.link.send({ type: 'decline', call });
    const refusal = await waitFor(`the refusal of ${call}`, () => this.r.errors.find((e) => e.call === call), SOON);
    this.r.errors.splice(this.r.errors.indexOf(refusal), 1);
  }

  /** The last presence heard, as `available/busy`. */
  get presence(): string {
    const p = this.r.presence.at(-1);
    return p ? `${p.available}/${p.busy}` : 'none';
  }
}

/** A v2 handshake: the widget's. */
const v2 = (room: string, name: string, more: Omit<HandshakeAuth, 'room' | 'protocol' | 'name'> = {}): HandshakeAuth => ({ room, protocol: 2, name, ...more });

/** One relay under test, fake or real, as the scenarios drive it. */
interface Relay {
  /** A widget link into `room` (none: the default room; a HandshakeAuth: as given), not waited on. */
  attach(room?: string | HandshakeAuth): Client;
  /** A widget link that the relay has placed in its room. */
  open(room?: string | HandshakeAuth): Promise<Client>;
  /** A client written like the tutorial's: raw events, no widget code between it and the relay (with `auth`: a raw v2 client). */
  raw(room?: string | HandshakeAuth): Promise<RawClient>;
  /** The relay process restarts (the real one: closed, then listening again on the same port). */
  restart(): Promise<void>;
  /** Long enough for anything still pending, an automatic reconnect included, to have happened. */
  quiet(): Promise<void>;
  close(): Promise<void>;
}

type RelayFactory = (opts: { roomMembers?: number }) => Promise<Relay>;

/** The part of a Relay that differs between the fake and the real one. */
type RelayParts = Omit<Relay, 'attach' | 'open'>;

function relayOver(connect: ConnectSignaling, url: string, parts: RelayParts): Relay {
  const clients: Client[] = [];
  const attach = (room?: string | HandshakeAuth): Client => {
    const c = new Client(connect, url, typeof room === 'object' ? room : room === undefined ? {} : { room });
    clients.push(c);
    return c;
  };
  return {
    ...parts,
    attach,
    async open(room) {
      const c = attach(room);
      await waitFor(`client-id in ${JSON.stringify(room ?? 'the default room')}`, () => c.r.ids.length, SOON);
      return c;
    },
    async close() {
      for (const c of clients) c.link.close();
      await parts.close();
    },
  };
}

const fakeRelay: RelayFactory = async ({ roomMembers }) => {
  const relay = new FakeRelay();
  if (roomMembers) relay.roomMembers = roomMembers;
  return relayOver(relay.connect, 'http://relay.test', {
    async raw(room) {
      const c = relay.join(room);
      await settle();
      return c;
    },
    restart: async () => relay.restart(),
    quiet: () => settle(),
    close: async () => undefined,
  });
};

const realRelay: RelayFactory = async ({ roomMembers }) => {
  const start = async (port: number) => {
    // A rejoin secret of its own, as a deployment configures one: the keys outlive a restart.
    const app = await buildRelay({ logLevel: 'silent', staticDirs: false, rejoinSecret: 'the rejoin secret of this contract test', ...(roomMembers ? { roomMembers } : {}) });
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };
  let app = await start(0);
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const raws: Socket[] = [];
  return relayOver(connectSignaling, url, {
    async raw(room) {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
        auth: typeof room === 'object' ? room : room === undefined ? {} : { room },
        forceNew: true,
        transports: ['websocket'],
        reconnection: false,
      });
      raws.push(socket);
      const c: RawClient = {
        id: '',
        received: [],
        errors: [] as ErrorPayload[],
        presence: [],
        ringing: [],
        bound: [],
        send: (m: unknown) => void socket.emit('message', m as SignalMessage),
        close: () => void socket.close(),
      };
      socket.on('client-id', (p) => ((c as { id: string }).id = p.id));
      socket.on('message', ({ from, clientId: _stamp, ...m }) => c.received.push({ m: m as SignalMessage, from }));
      socket.on('error', (e) => c.errors.push(e));
      socket.on('presence', (p) => c.presence.push(p));
      socket.on('ringing', (p) => c.ringing.push(p));
      socket.on('bound', (p) => c.bound.push(p));
      await waitFor('the raw client’s client-id', () => c.id, SOON);
      return c;
    },
    async restart() {
      await app.close();
      app = await start(port);
    },
    // The link comes back 0.5–1.5 s after a server-side disconnect (socket-link.ts): wait past that.
    quiet: () => sleep(2000),
    async close() {
      for (const s of raws) s.close();
      await app.close();
    },
  });
};

const CANDIDATE: SignalMessage = { type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' };

/** Malformed messages as a buggy or hostile client sends them, with the `type` the refusal names. */
const BAD: Array<[raw: unknown, type: string | undefined]> = [
  [null, undefined],
  ['offer', undefined],
  [{ type: 'nope' }, 'nope'],
  [{ type: 'offer' }, 'offer'],
  [{ type: 'candidate', candidate: 5 }, 'candidate'],
  [{ type: 'ready', sdp: 'v=0' }, 'ready'],
  [{ type: 'ready', to: '' }, 'ready'],
  [{ type: 'offer', sdp: 'x'.repeat(LIMITS.maxSdpBytes + 1) }, 'offer'],
];

const wording = (raw: unknown): string => {
  const v = validateMessage(raw);
  assert.ok(!v.ok, `${JSON.stringify(raw).slice(0, 40)} is invalid`);
  return v.message;
};

interface Scenario {
  name: string;
  roomMembers?: number;
  run(relay: Relay): Promise<void>;
}

/** A v1 call id the relay made. */
const V1_CALL = /^v1-[A-Za-z0-9_-]+$/;
const OFFER: SignalMessage = { type: 'offer', sdp: 'v=0 contract' };
const p = (available: number, busy: number): PresencePayload => ({ available, busy });

const SCENARIOS: Scenario[] = [
  // ---- protocol 1: links that say nothing of their version ----
  {
    name: 'client-id: a server-made id, the room, the peers already there, the protocol, the presence; they hear peer-joined',
    async run(relay) {
      const a = await relay.open('r1');
      assert.deepEqual(a.r.ids, [{ id: a.id, room: 'r1', peers: [], protocol: PROTOCOL_VERSION, presence: p(1, 0) }]);
      assert.ok(a.id.length > 0 && a.id.length <= LIMITS.maxIdLength, `an id the link accepts as a sender: ${a.id}`);
      const b = await relay.open('r1');
      assert.notEqual(b.id, a.id);
      assert.deepEqual(b.r.ids, [{ id: b.id, room: 'r1', peers: [a.id], protocol: PROTOCOL_VERSION, presence: p(2, 0) }], 'a v1 member takes calls');
      await waitFor('a hears that b joined', () => a.r.joined.length, SOON);
      const lobby = await relay.open();
      assert.deepEqual(lobby.r.ids, [{ id: lobby.id, room: DEFAULT_ROOM, peers: [], protocol: PROTOCOL_VERSION, presence: p(1, 0) }], 'no room named: the default room');
      await a.settled();
      await b.settled();
      assert.deepEqual(a.r.joined, [b.id], 'a join in another room is not told');
      assert.deepEqual(b.r.joined, []);
    },
  },
  {
    name: 'v1: a ready rings the others (the relay names the call), a ready answers it; then messages go to the peer, stamped (a claimed sender is overwritten); other rooms hear nothing',
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const other = await relay.open('r2');
      a.send({ type: 'ready' });
      await waitFor('b is rung', () => b.r.messages.length, SOON);
      const call = b.r.messages[0]?.m.call ?? '';
      assert.match(call, V1_CALL);
      assert.deepEqual(b.r.messages, [{ m: { type: 'ready', call, kind: 'video', name: '' }, from: a.id }]);
      b.send({ type: 'ready' });
      await waitFor('a hears b’s ready', () => a.r.messages.length, SOON);
      assert.deepEqual(a.r.messages, [{ m: { type: 'ready', call }, from: b.id }]);
      await waitFor('both bound', () => a.r.bound.length && b.r.bound.length, SOON);
      // Each side its own rejoin key (the caller's and the acceptor's).
      assert.match(a.r.bound[0]?.key ?? '', /^c0-/);
      assert.match(b.r.bound[0]?.key ?? '', /^a0-/);
      b.send(CANDIDATE);
      a.send({ type: 'bye', clientId: 'spoofed', from: 'spoofed' } as SignalMessage);
      await waitFor('relayed both ways', () => b.r.messages.length === 2 && a.r.messages.length === 2, SOON);
      assert.deepEqual(b.r.messages[1], { m: { type: 'bye' }, from: a.id });
      assert.deepEqual(a.r.messages[1], { m: CANDIDATE, from: b.id });
      await other.settled();
      assert.deepEqual(other.r.messages, []);
      assert.deepEqual([a.r.errors, b.r.errors], [[], []]);
    },
  },
  {
    name: 'room-full: the third link of a room of two members hears the fatal code and is dropped; nobody hears of it; it does not come back',
    roomMembers: 2,
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const c = relay.attach('r1');
      await waitFor('c dropped', () => c.r.disconnects, SOON);
      assert.deepEqual(c.r.errors, [{ code: 'room-full', message: 'room r1 is full' }]);
      assert.deepEqual(c.r.connectErrors, []);
      c.send({ type: 'ready' }); // a dropped link sends nothing
      await relay.quiet();
      assert.deepEqual([c.r.ids, c.r.disconnects, c.r.errors.length], [[], 1, 1], 'never placed in the room, not even by a reconnect');
      await Promise.all([a.settled(), b.settled()]);
      assert.deepEqual([a.r.joined, b.r.joined], [[b.id], []]);
      assert.deepEqual([a.r.messages, b.r.messages], [[], []]);
    },
  },
  {
    name: 'a closed link: the room hears peer-left, a `to` naming it is refused, its place is free again',
    roomMembers: 2,
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const gone = b.id;
      b.link.close();
      await waitFor('a hears b left', () => a.r.left.length, SOON);
      assert.deepEqual(a.r.left, [gone]);
      a.send({ type: 'ready', to: gone });
      await waitFor('the refusal', () => a.r.errors.length, SOON);
      assert.deepEqual(a.r.errors, [{ code: 'unknown-peer', message: `peer ${gone} is not in room r1`, type: 'ready' }]);
      const c = await relay.open('r1');
      assert.deepEqual(c.r.ids[0]?.peers, [a.id]);
      assert.deepEqual([b.r.disconnects, b.r.messages, b.r.joined], [0, [], []], 'a closed link reports nothing more');
    },
  },
  {
    name: 'a raw client (the tutorial’s): malformed messages are refused with bad-message and never delivered; its ready rings the widget, whose offer answers it',
    async run(relay) {
      const w = await relay.open();
      const tut = await relay.raw();
      for (const [raw] of BAD) tut.send(raw);
      tut.send({ type: 'ready' });
      await waitFor('the valid ready', () => w.r.messages.length, SOON);
      await waitFor('every refusal', () => tut.errors.length >= BAD.length, SOON);
      assert.deepEqual(
        tut.errors,
        BAD.map(([raw, type]): ErrorPayload => (type === undefined ? { code: 'bad-message', message: wording(raw) } : { code: 'bad-message', message: wording(raw), type })),
      );
      await w.settled();
      const call = w.r.messages[0]?.m.call ?? '';
      assert.deepEqual(w.r.messages, [{ m: { type: 'ready', call, kind: 'video', name: '' }, from: tut.id }], 'nothing malformed reached the widget');
      w.send({ type: 'offer', sdp: 'v=0 widget' });
      await waitFor('the tutorial hears the offer', () => tut.received.length, SOON);
      assert.deepEqual(tut.received, [{ m: { type: 'offer', sdp: 'v=0 widget' }, from: w.id }]);
      assert.deepEqual(tut.bound.map((x) => x.peer), [w.id], 'the offer answered its call');
    },
  },
  {
    name: 'a room name the relay does not accept: refused at the handshake with the fatal code bad-room; no retry',
    async run(relay) {
      const c = relay.attach('not a room!');
      await waitFor('refused', () => c.r.connectErrors.length, SOON);
      await relay.quiet();
      assert.deepEqual({ ids: c.r.ids, errors: c.r.errors, connectErrors: c.r.connectErrors }, { ids: [], errors: [], connectErrors: ['bad-room'] });
    },
  },
  {
    name: 'relay restart: shutting-down, a disconnect without peer-left, then new ids; the two find each other again',
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      await waitFor('a hears that b joined', () => a.r.joined.length, SOON);
      const before = [a.id, b.id];
      await relay.restart();
      await waitFor('both placed again', () => a.r.ids.length === 2 && b.r.ids.length === 2, { ...SOON, timeoutMs: 20_000 });
      for (const [c, old] of [[a, before[0]], [b, before[1]]] as const) {
        assert.notEqual(c.id, old, 'a new id');
        assert.deepEqual(c.r.errors.map((e) => e.code), ['shutting-down']);
        assert.equal(c.r.disconnects, 1);
        assert.deepEqual(c.r.left, [], 'no peer-left: the relay went, not the peer');
        assert.ok(c.r.connectErrors.every((e) => e === null), `only retries while the relay was away: ${c.r.connectErrors}`);
      }
      // Whoever is back first finds an empty room and hears the other join.
      const [first, second] = a.r.ids[1]?.peers.length === 0 ? [a, b] : [b, a];
      assert.deepEqual([first.r.ids[1]?.peers, second.r.ids[1]?.peers], [[], [first.id]]);
      await waitFor('the first back hears the second join', () => first.r.joined.includes(second.id), SOON);
      a.send({ type: 'ready' });
      await waitFor('b is rung by a under its new id', () => b.r.messages.length, SOON);
      assert.deepEqual(b.r.messages.map((x) => [x.m.type, x.from]), [['ready', a.id]]);
    },
  },

  // ---- protocol 2 ----
  {
    name: 'v2 accept: bound to both, each with its own key, cancel answered to the other rung members, a second accept is answered-elsewhere',
    async run(relay) {
      const d1 = await relay.open(v2('r1', 'D1'));
      const d2 = await relay.open(v2('r1', 'D2'));
      const d3 = await relay.open(v2('r1', 'D3'));
      const caller = await relay.open(v2('r1', 'Caller', { incoming: false }));
      caller.send({ type: 'ready', call: 'a1' });
      for (const d of [d1, d2, d3]) await waitFor('rung', () => d.r.messages.length, SOON);
      d2.send({ type: 'accept', call: 'a1' });
      await waitFor('both bound', () => caller.r.bound.length && d2.r.bound.length, SOON);
      const key = caller.r.bound[0]?.key ?? '';
      const d2Key = d2.r.bound[0]?.key ?? '';
      assert.match(key, /^c0-[A-Za-z0-9_-]{32}$/);
      assert.match(d2Key, /^a0-[A-Za-z0-9_-]{32}$/);
      assert.deepEqual(caller.r.bound, [{ call: 'a1', peer: d2.id, key }]);
      assert.deepEqual(d2.r.bound, [{ call: 'a1', peer: caller.id, key: d2Key }]);
      for (const d of [d1, d3]) await waitFor('cancel answered', () => d.r.messages.length === 2, SOON);
      assert.deepEqual(d1.r.messages[1], { m: { type: 'cancel', call: 'a1', reason: 'answered' }, from: caller.id });
      d3.send({ type: 'accept', call: 'a1' });
      await waitFor('refused', () => d3.r.errors.length, SOON);
      assert.deepEqual(d3.r.errors, [{ code: 'answered-elsewhere', message: 'call a1 was answered by another member', type: 'accept', call: 'a1' }]);
      caller.send(OFFER);
      await waitFor('the offer', () => d2.r.messages.length === 2, SOON);
      assert.deepEqual(d2.r.messages[1], { m: OFFER, from: caller.id });
    },
  },
  {
    name: 'v2 rejoin after a relay restart: the relay knows nothing; the pair presents call and key again and is bound again (client-id carries it)',
    async run(relay) {
      const desk = await relay.open(v2('r1', 'Desk'));
      const visitor = await relay.open(v2('r1', 'Visitor', { incoming: false }));
      visitor.send({ type: 'ready', call: 'rj' });
      await waitFor('rung', () => desk.r.messages.length, SOON);
      desk.send({ type: 'accept', call: 'rj' });
      await waitFor('bound', () => visitor.r.bound.length && desk.r.bound.length, SOON);
      // Each side its own key; as the phone does once bound: the next (re)connect presents the call and its key.
      const keys = [visitor.r.bound[0]!.key, desk.r.bound[0]!.key];
      assert.notEqual(keys[0], keys[1]);
      for (const c of [desk, visitor]) Object.assign(c.auth, { call: 'rj', key: c.r.bound[0]!.key });
      await relay.restart();
      await waitFor('both placed again and bound', () => desk.r.ids.length === 2 && visitor.r.ids.length === 2 && desk.r.bound.length === 2 && visitor.r.bound.length === 2, { ...SOON, timeoutMs: 20_000 });
      const [first, second] = desk.r.ids[1]?.bound ? [visitor, desk] : [desk, visitor];
      assert.equal(first.r.ids[1]?.bound, undefined, 'the first back waits for its peer');
      // Both bound to new sockets: both get new keys (the ones presented are spent).
      const fresh = (c: typeof desk): string => c.r.bound[1]!.key;
      assert.deepEqual(second.r.ids[1]?.bound, { call: 'rj', peer: first.id, key: fresh(second) });
      assert.deepEqual(first.r.bound[1], { call: 'rj', peer: second.id, key: fresh(first) });
      assert.deepEqual(second.r.bound[1], { call: 'rj', peer: first.id, key: fresh(second) });
      for (const c of [desk, visitor]) assert.ok(!keys.includes(fresh(c)), 'a new key');
      visitor.send(OFFER);
      await waitFor('the offer reaches the desk', () => desk.r.messages.some((x) => x.m.type === 'offer'), SOON);
      // Someone else presenting the call with a wrong key is an ordinary member.
      const thief = await relay.open(v2('r1', 'Thief', { incoming: false, call: 'rj', key: 'not-the-key' }));
      assert.equal(thief.r.ids[0]?.bound, undefined);
      thief.send({ ...OFFER, to: desk.id });
      await waitFor('refused', () => thief.r.errors.length, SOON);
      assert.equal(thief.r.errors[0]?.code, 'not-in-call');
    },
  },
];

const RELAYS: Array<[name: string, make: RelayFactory]> = [
  ['fake relay (test/core/fakes.ts)', fakeRelay],
  ['real relay (buildRelay, Socket.IO over TCP)', realRelay],
];

for (const s of SCENARIOS) {
  describe(s.name, () => {
    for (const [name, make] of RELAYS) {
      it(name, async () => {
        const relay = await make({ roomMembers: s.roomMembers });
        try {
          await s.run(relay);
        } finally {
          await relay.close();
        }
      });
    }
  });
}
