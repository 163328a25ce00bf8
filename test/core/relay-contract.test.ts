// The relay contract: the same scenarios, written once, against the in-memory FakeRelay that the
// phone's unit tests use (test/core/fakes.ts) and against the real relay (buildRelay on
// 127.0.0.1:0) reached through the widget's own Socket.IO link (src/browser/socket-link.ts), so
// that the fake cannot drift from what the relay does. A difference is fixed in the fake.
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
  type ServerToClientEvents,
  type SignalMessage,
} from '../../src/protocol.js';
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

  constructor(connect: ConnectSignaling, url: string, room: string | undefined) {
    this.link = connect(url, room === undefined ? {} : { room }, this.r.handlers);
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
   * (a `to` that names nobody) and wait for it: the relay sends a socket's events in order. The
   * refusal is then taken out of the record.
   */
  async settled(): Promise<void> {
    const to = `barrier-${++this.#barriers}`;
    this.link.send({ type: 'ready', to });
    const refusal = await waitFor(`the refusal of ${to}`, () => this.r.errors.find((e) => e.message.includes(to)), SOON);
    this.r.errors.splice(this.r.errors.indexOf(refusal), 1);
  }
}

/** One relay under test, fake or real, as the scenarios drive it. */
interface Relay {
  /** A widget link into `room` (none: the default room), not waited on. */
  attach(room?: string): Client;
  /** A widget link that the relay has placed in its room. */
  open(room?: string): Promise<Client>;
  /** A client written like the tutorial's: raw events, no widget code between it and the relay. */
  raw(room?: string): Promise<RawClient>;
  /** The relay process restarts (the real one: closed, then listening again on the same port). */
  restart(): Promise<void>;
  /** Long enough for anything still pending, an automatic reconnect included, to have happened. */
  quiet(): Promise<void>;
  close(): Promise<void>;
}

type RelayFactory = (opts: { roomSize?: number }) => Promise<Relay>;

/** The part of a Relay that differs between the fake and the real one. */
type RelayParts = Omit<Relay, 'attach' | 'open'>;

function relayOver(connect: ConnectSignaling, url: string, parts: RelayParts): Relay {
  const clients: Client[] = [];
  const attach = (room?: string): Client => {
    const c = new Client(connect, url, room);
    clients.push(c);
    return c;
  };
  return {
    ...parts,
    attach,
    async open(room) {
      const c = attach(room);
      await waitFor(`client-id in ${room ?? 'the default room'}`, () => c.r.ids.length, SOON);
      return c;
    },
    async close() {
      for (const c of clients) c.link.close();
      await parts.close();
    },
  };
}

const fakeRelay: RelayFactory = async ({ roomSize }) => {
  const relay = new FakeRelay();
  if (roomSize) relay.roomSize = roomSize;
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

const realRelay: RelayFactory = async ({ roomSize }) => {
  const start = async (port: number) => {
    const app = await buildRelay({ logLevel: 'silent', staticDirs: false, ...(roomSize ? { roomSize } : {}) });
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
        auth: room === undefined ? {} : { room },
        forceNew: true,
        transports: ['websocket'],
        reconnection: false,
      });
      raws.push(socket);
      const c = { id: '', received: [] as RawClient['received'], errors: [] as ErrorPayload[], send: (m: unknown) => void socket.emit('message', m as SignalMessage) };
      socket.on('client-id', (p) => (c.id = p.id));
      socket.on('message', ({ from, clientId: _stamp, ...m }) => c.received.push({ m: m as SignalMessage, from }));
      socket.on('error', (e) => c.errors.push(e));
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
  roomSize?: number;
  run(relay: Relay): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'client-id: a server-made id, the room, the peers already there, the protocol; they hear peer-joined',
    async run(relay) {
      const a = await relay.open('r1');
      assert.deepEqual(a.r.ids, [{ id: a.id, room: 'r1', peers: [], protocol: PROTOCOL_VERSION }]);
      assert.ok(a.id.length > 0 && a.id.length <= LIMITS.maxIdLength, `an id the link accepts as a sender: ${a.id}`);
      const b = await relay.open('r1');
      assert.notEqual(b.id, a.id);
      assert.deepEqual(b.r.ids, [{ id: b.id, room: 'r1', peers: [a.id], protocol: PROTOCOL_VERSION }]);
      await waitFor('a hears that b joined', () => a.r.joined.length, SOON);
      const lobby = await relay.open();
      assert.deepEqual(lobby.r.ids, [{ id: lobby.id, room: DEFAULT_ROOM, peers: [], protocol: PROTOCOL_VERSION }], 'no room named: the default room');
      await a.settled();
      await b.settled();
      assert.deepEqual(a.r.joined, [b.id], 'a join in another room is not told');
      assert.deepEqual(b.r.joined, []);
    },
  },
  {
    name: 'a message goes to the rest of the room, stamped with the sender’s id (a claimed sender is overwritten); other rooms hear nothing',
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const other = await relay.open('r2');
      a.send({ type: 'ready' });
      b.send(CANDIDATE);
      a.send({ type: 'bye', clientId: 'spoofed', from: 'spoofed' } as SignalMessage);
      await waitFor('relayed both ways', () => b.r.messages.length === 2 && a.r.messages.length === 1, SOON);
      assert.deepEqual(b.r.messages, [
        { m: { type: 'ready' }, from: a.id },
        { m: { type: 'bye' }, from: a.id },
      ]);
      assert.deepEqual(a.r.messages, [{ m: CANDIDATE, from: b.id }]);
      await other.settled();
      assert.deepEqual(other.r.messages, []);
      assert.deepEqual([a.r.errors, b.r.errors], [[], []]);
    },
  },
  {
    name: '`to` delivers to that one peer only',
    roomSize: 3,
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const c = await relay.open('r1');
      assert.deepEqual(c.r.ids[0]?.peers, [a.id, b.id]);
      a.send({ type: 'ready', to: b.id });
      a.send({ type: 'bye' });
      await waitFor('c hears the bye', () => c.r.messages.length, SOON);
      await b.settled();
      assert.deepEqual(b.r.messages, [
        { m: { type: 'ready', to: b.id }, from: a.id },
        { m: { type: 'bye' }, from: a.id },
      ]);
      assert.deepEqual(c.r.messages, [{ m: { type: 'bye' }, from: a.id }], 'the ready by name went to b alone');
    },
  },
  {
    name: '`to` a peer outside the room, or to oneself: unknown-peer naming the type, nothing delivered, the link stays up',
    async run(relay) {
      const a = await relay.open('r1');
      const b = await relay.open('r1');
      const elsewhere = await relay.open('r2');
      a.send({ type: 'offer', sdp: 'v=0', to: elsewhere.id });
      a.send({ type: 'ready', to: a.id });
      await waitFor('two refusals', () => a.r.errors.length === 2, SOON);
      assert.deepEqual(a.r.errors, [
        { code: 'unknown-peer', message: `peer ${elsewhere.id} is not in room r1`, type: 'offer' },
        { code: 'unknown-peer', message: 'to must name another peer, not yourself', type: 'ready' },
      ]);
      await Promise.all([b.settled(), elsewhere.settled()]);
      assert.deepEqual([a.r.messages, b.r.messages, elsewhere.r.messages], [[], [], []]);
      a.send({ type: 'ready' });
      await waitFor('b hears the next ready', () => b.r.messages.length, SOON);
      assert.deepEqual(b.r.messages, [{ m: { type: 'ready' }, from: a.id }]);
      assert.equal(a.r.disconnects, 0);
    },
  },
  {
    name: 'room-full: the third link of a room of two hears the fatal code and is dropped; nobody hears of it; it does not come back',
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
    name: 'a raw client (the tutorial’s): malformed messages are refused with bad-message and never delivered; valid ones pass both ways',
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
      assert.deepEqual(w.r.messages, [{ m: { type: 'ready' }, from: tut.id }], 'nothing malformed reached the widget');
      w.send({ type: 'offer', sdp: 'v=0 widget' });
      await waitFor('the tutorial hears the offer', () => tut.received.length, SOON);
      assert.deepEqual(tut.received, [{ m: { type: 'offer', sdp: 'v=0 widget' }, from: w.id }]);
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
      await waitFor('b hears a under its new id', () => b.r.messages.length, SOON);
      assert.deepEqual(b.r.messages, [{ m: { type: 'ready' }, from: a.id }]);
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
        const relay = await make({ roomSize: s.roomSize });
        try {
          await s.run(relay);
        } finally {
          await relay.close();
        }
      });
    }
  });
}
