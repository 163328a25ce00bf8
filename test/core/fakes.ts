/**
 * Fakes for PURE-LOGIC unit tests only (negotiation and state rules): a peer
 * connection that implements the JSJEP signaling-state rules the Negotiator relies
 * on (offer/answer, implicit rollback, candidates need a remote description),
 * and an in-memory relay room. Anything about real media or the network is tested
 * with real Chromium and the real relay (test/components, test/e2e).
 */
import type { CandidateInit as CandidateLike } from '../../src/protocol/index.js';
import type { DescriptionLike, PeerConnectionLike, Timers } from '../../src/core/platform.js';
import type { ConnectSignaling, SignalingHandlers, SignalingLink } from '../../src/core/relay-link.js';
import {
  LIMITS,
  PROTOCOL_VERSION,
  parseRoom,
  validateMessage,
  type BoundPayload,
  type ErrorCode,
  type ErrorPayload,
  type HandshakeAuth,
  type PresencePayload,
  type RingingPayload,
  type ServerToClientEvents,
  type SignalMessage,
} from '../../src/protocol/index.js';
import { REJOIN_MS, RING_EXPIRY_MS, presenceOf, profileOf, type Grant, type MemberView, type Role, type SocketCall, type Version } from '../../server/calls/rules.js';
import { QUEUE_MAX, QUEUE_WAIT_MS } from '../../server/calls/queue-rules.js';
import { MemoryCallRegistry } from '../../server/calls/registry.js';
import { CallService } from '../../server/calls/service.js';
import { viewOf, type CallData, type CallMember, type CallPort } from '../../server/calls/port.js';
import { newStats } from '../../server/http/stats.js';
import { rejoinKeys } from '../../server/tokens/rejoin-keys.js';

/** The fake's rejoin keys: the relay's own scheme (an HMAC per side and epoch), with a fixed secret. */
const KEYS = rejoinKeys('the FakeRelay rejoin secret, not a real one');

/** Real timers that never keep the test process alive. */
export const nodeTimers: Timers = {
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Lets every queued async step run (the fakes resolve on setImmediate). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick();
}

export class FakePeer implements PeerConnectionLike {
  static count = 0;
  readonly name: string;
  signalingState = 'stable';
  iceConnectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  readonly added: CandidateLike[] = [];
  readonly tracks: unknown[] = [];
  readonly log: string[] = [];
  restartCount = 0;
  closed = false;
  private ufrag: string;
  offers = 0;
  private stableLocal: { type: string; sdp: string } | null = null;
  /** Like a browser's negotiation-needed flag: set by addTrack/restartIce, cleared by an offer. */
  private needed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: CandidateLike | null }) => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  /** Left undefined unless a test drives DTLS (then it moves like a browser's). */
  connectionState: string | undefined = undefined;
  onconnectionstatechange: (() => void) | null = null;
  setConnection(state: string): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  ontrack: ((e: { track: FakeTrack; streams: FakeStream[] }) => void) | null = null;
  readonly config: unknown;

  constructor(name = `pc${++FakePeer.count}`, config?: unknown) {
    this.name = name;
    this.ufrag = `${name}u0`;
    this.config = config;
  }

  /** Like a browser's operations chain: descriptions and candidates are applied one at a time, in call order. */
  private ops: Promise<unknown> = Promise.resolve();
  private chain<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.ops.then(fn);
    this.ops = p.catch(() => undefined);
    return p;
  }

  setLocalDescription(d?: DescriptionLike): Promise<void> {
    return this.chain(() => this.sld(d));
  }

  setRemoteDescription(d: DescriptionLike): Promise<void> {
    return this.chain(() => this.srd(d));
  }

  addIceCandidate(c: CandidateLike): Promise<void> {
    return this.chain(() => this.aic(c));
  }

  private async sld(d?: DescriptionLike): Promise<void> {
    await tick();
    if (this.closed) throw new Error('InvalidStateError: closed');
    const type = d?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
    if (type === 'offer') {
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: offer in ${this.signalingState}`);
      this.localDescription = { type, sdp: `v=0 offer#${++this.offers} from ${this.name}\na=ice-ufrag:${this.ufrag}` };
      this.signalingState = 'have-local-offer';
      this.needed = false;
    } else if (type === 'answer') {
      if (this.signalingState !== 'have-remote-offer') throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.localDescription = { type, sdp: `v=0 answer from ${this.name}\na=ice-ufrag:${this.ufrag}` };
      this.signalingState = 'stable';
      this.stableLocal = this.localDescription;
    }
    this.log.push(`SLD ${type}`);
  }

  private async srd(d: DescriptionLike): Promise<void> {
    await tick();
    if (this.closed) throw new Error('InvalidStateError: closed');
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.log.push('rollback');
        this.localDescription = this.stableLocal;
        this.signalingState = 'stable';
      }
      if (this.signalingState !== 'stable') throw new Error(`InvalidStateError: offer in ${this.signalingState}`);
      this.remoteDescription = { type: 'offer', sdp: d.sdp ?? '' };
      this.signalingState = 'have-remote-offer';
      // Our unassociated addTrack transceivers are matched to the remote offer's m-lines.
      this.needed = false;
    } else if (d.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: answer in ${this.signalingState}`);
      this.remoteDescription = { type: 'answer', sdp: d.sdp ?? '' };
      this.signalingState = 'stable';
      this.stableLocal = this.localDescription;
    }
    this.log.push(`SRD ${d.type}`);
    this.ontrack?.({ track: remoteStream.tracks[0] as FakeTrack, streams: [remoteStream] });
  }

  private async aic(c: CandidateLike): Promise<void> {
    await tick();
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    // Chromium's rule: a candidate needs sdpMid or sdpMLineIndex.
    if (c.candidate && c.sdpMid == null && c.sdpMLineIndex == null) throw new TypeError('sdpMid and sdpMLineIndex are both null');
    this.added.push(c);
  }

  /** What each sender sends now (replaceTrack swaps it without renegotiating). */
  senders: { track: unknown; replaceTrack(t: unknown): Promise<void> }[] = [];
  addTrack(track: unknown): { track: unknown; replaceTrack(t: unknown): Promise<void> } {
    this.tracks.push(track);
    this.queueNegotiationNeeded();
    const sender = {
      track,
      replaceTrack: async (t: unknown): Promise<void> => void (sender.track = t),
    };
    this.senders.push(sender);
    return sender;
  }

  /** Bytes of media received so far (a test makes them grow to say media flows). */
  bytesReceived = 0;
  getStats(): Promise<{ forEach(fn: (r: { type: string; bytesReceived?: number }) => void): void }> {
    const reports = [{ type: 'inbound-rtp', bytesReceived: this.bytesReceived }];
    return Promise.resolve({ forEach: (fn: (r: { type: string; bytesReceived?: number }) => void) => reports.forEach(fn) });
  }

  /** The ICE servers it was last given (setConfiguration: fresh TURN credentials mid-call). */
  configs: unknown[] = [];
  setConfiguration(config: unknown): void {
    this.configs.push(config);
  }

  restartIce(): void {
    this.restartCount++;
    this.ufrag = `${this.name}u${this.restartCount}`;
    this.queueNegotiationNeeded();
  }

  /** Like a browser: queued, and only fired if still needed and stable when it runs. */
  private queueNegotiationNeeded(): void {
    this.needed = true;
    setImmediate(() => {
      if (this.needed && this.signalingState === 'stable' && !this.closed) this.onnegotiationneeded?.();
    });
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }

  setIce(state: string): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }

  /** Simulates local ICE gathering of one host candidate. */
  gather(): void {
    this.onicecandidate?.({ candidate: { candidate: `candidate:1 1 udp 1 127.0.0.1 ${9000 + this.restartCount} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: this.ufrag } });
  }
}

export class FakeTrack {
  stopped = false;
  enabled = true;
  onended: (() => void) | null = null;
  constructor(
    readonly kind: string,
    readonly label = `${kind} device`,
  ) {}
  stop(): void {
    this.stopped = true;
  }
  /** The device went away (unplugged, permission revoked). */
  end(): void {
    this.stopped = true;
    this.onended?.();
  }
}

export class FakeStream {
  readonly tracks: FakeTrack[];
  constructor(kinds: string[]) {
    this.tracks = kinds.map((k) => new FakeTrack(k));
  }
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack): void {
    this.tracks.push(t);
  }
  removeTrack(t: FakeTrack): void {
    this.tracks.splice(this.tracks.indexOf(t), 1);
  }
}

const remoteStream = new FakeStream(['audio']);

/**
 * A member of the fake relay: one link, and what the relay knows of its socket (`data`, as
 * socket.data). The call service reads and writes it as it does a socket (a CallMember), and
 * route() reads it as the sender.
 */
class Member implements CallMember {
  data: CallData;
  /** In its room now (false while a restart is under way, and for good once closed). */
  open = false;
  /** Its link was closed: it never comes back. */
  closed = false;
  /** Refusals it was sent (the fake's `sent` leaves out what was refused). */
  refused = 0;
  /** Its messages wait for this (its join, a step still running), as the relay keeps a socket's order. */
  queue: Promise<void> | null = null;

  constructor(
    public id: string,
    room: string,
    readonly h: SignalingHandlers,
    /** Read at every (re)connect, like the Socket.IO link reads its auth (the phone adds call + key in place). */
    readonly auth: HandshakeAuth,
  ) {
    this.data = { room, v: 1, incoming: true, name: '' };
  }

  get connected(): boolean {
    return this.open;
  }
  get room(): string {
    return this.data.room;
  }
  get v(): Version {
    return this.data.v;
  }
  get call(): SocketCall | undefined {
    return this.data.call;
  }
  get role(): Role | undefined {
    return this.data.role;
  }
}

/** What the raw client of `join` holds: what it received and what the relay refused of its own. */
export interface RawClient {
  readonly id: string;
  received: Array<{ m: SignalMessage; from: string }>;
  errors: ErrorPayload[];
  presence: PresencePayload[];
  ringing: RingingPayload[];
  bound: BoundPayload[];
  send(m: unknown): void;
  close(): void;
}

const refusal = (code: ErrorCode, message: string, type?: string): ErrorPayload => (type === undefined ? { code, message } : { code, message, type });
/** The refused message's type, as the relay names it (a short string or nothing). */
const typeOf = (raw: unknown): string | undefined => {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' && t.length <= 32 ? t : undefined;
};
const after = (fn: () => void): void => void setImmediate(fn);
const silent = { warn: () => undefined, error: () => undefined };

/** A server event as the widget's Socket.IO link hands it on (src/browser/socket-link.ts). */
function hear<E extends keyof ServerToClientEvents>(h: SignalingHandlers, ev: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
  const p = payload as never;
  switch (ev) {
    case 'message': {
      const { from, clientId: _, ...m } = payload as { from: string; clientId: string } & SignalMessage;
      return h.onMessage(m, from);
    }
    case 'error':
      return h.onRelayError(p);
    case 'presence':
      return h.onPresence({ ...(p as PresencePayload) });
    case 'ringing':
      return h.onRinging(p);
    case 'queued':
      return h.onQueued(p);
    case 'bound':
      return h.onBound(p);
    case 'missed':
      return h.onMissed?.({ ...(p as object), from: '' } as never);
  }
}

/**
 * An in-memory relay: the relay's own call service (server/calls/service.ts) over an in-memory
 * port, with the handshake and the room as the relay's signaling.ts does them (ids `id01`,
 * `id02`, ... in order of joining; rooms of `roomMembers`; tokens through `tokens`; refusals as
 * `error`s; a restart). So every call rule (ringing, the line, accept, decline, cancel, bound
 * pairs, rejoin, presence, the v1 bridge) is the relay's, not a copy; test/core/relay-contract
 * .test.ts holds the transport part (what a link sees of the handshake, restart and leaving)
 * to the real relay. Not modelled: rate limits, several nodes, webhooks.
 */
export class FakeRelay {
  readonly members: Member[] = [];
  /** Every message the relay took from a client (relayed, or acted on: a call request, an accept...), as validated, with its sender. */
  readonly sent: Array<{ from: string; message: SignalMessage }> = [];
  roomMembers: number = LIMITS.defaultRoomMembers;
  /** An unanswered request closes after this long (the relay's RING_EXPIRY_MS). */
  ringExpiryMs = RING_EXPIRY_MS;
  /** A bound side that left is waited for this long (the relay's REJOIN_MS). */
  rejoinMs = REJOIN_MS;
  /** The room's line (the relay's QUEUE_MAX and QUEUE_WAIT, queue-rules.ts). */
  queueMax = QUEUE_MAX;
  queueWaitMs = QUEUE_WAIT_MS;
  /**
   * Tokens, as the relay with TOKEN_SECRET checks them (no JWTs here): what `auth.token` grants
   * in `room` (role and name), or null to refuse the handshake with `unauthorized`. Unset: an open relay.
   */
  tokens?: (token: string | undefined, room: string) => Grant | null;
  private n = 0;
  /** The call service and its registry: made at the first link (the options above are read then), again at a restart. */
  #calls?: { service: CallService; registry: MemoryCallRegistry };

  /** Protocol 1's name for roomMembers. */
  get roomSize(): number {
    return this.roomMembers;
  }
  set roomSize(n: number) {
    this.roomMembers = n;
  }

  connect: ConnectSignaling = (_url, auth, h) => this.#link(auth, h).link;

  get #service(): CallService {
    if (!this.#calls) {
      const registry = new MemoryCallRegistry();
      const service = new CallService(this.#port(registry), newStats(), silent, {
        ringExpiryMs: this.ringExpiryMs,
        rejoinMs: this.rejoinMs,
        queueMax: this.queueMax,
        queueWaitMs: this.queueWaitMs,
        keys: KEYS,
        presenceIntervalMs: 0,
      });
      this.#calls = { service, registry };
    }
    return this.#calls.service;
  }

  /** The in-memory port: this process's members, events handed to their links a tick later (as the network would). */
  #port(registry: MemoryCallRegistry): CallPort {
    const views = (room: string): MemberView[] => this.#inRoom(room).map(viewOf);
    return {
      multiNode: false,
      registry,
      local: (id) => this.#member(id),
      localMembers: views,
      members: async (room) => views(room),
      remote: async () => undefined,
      emit: (ids, ev, payload) => {
        for (const id of typeof ids === 'string' ? [ids] : ids) this.#emit(this.#member(id), ev, payload);
      },
      presence: (room, p) => {
        for (const x of this.#inRoom(room)) this.#emit(x, 'presence', p);
      },
      disconnect: (id) => {
        const m = this.#member(id);
        if (!m) return;
        after(() => m.h.onDisconnect());
        this.drop(m);
      },
      toNodes: () => undefined,
      onNodes: () => undefined,
    };
  }

  #nextId(): string {
    return `id${String(++this.n).padStart(2, '0')}`;
  }

  #link(auth: HandshakeAuth, h: SignalingHandlers): { m: Member; link: SignalingLink } {
    const room = parseRoom(auth.room);
    const m = new Member(this.#nextId(), room ?? '', h, auth);
    // Refused at the handshake (connect_error), as the relay's io.use does.
    if (room === null) after(() => h.onConnectError('bad-room'));
    else after(() => this.#admit(m));
    return {
      m,
      link: {
        send: (raw) => this.#send(m, raw),
        close: () => this.drop(m),
      },
    };
  }

  // ---- the room ----

  #inRoom(room: string): Member[] {
    return this.members.filter((x) => x.open && x.room === room);
  }

  #member(id: string): Member | undefined {
    return this.members.find((x) => x.open && x.id === id);
  }

  /** Sends one event to a member, later (as the network would), if it is still there then. */
  #emit<E extends keyof ServerToClientEvents>(to: Member | undefined, ev: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
    if (!to) return;
    if (ev === 'error') to.refused++;
    after(() => {
      if (to.open) hear(to.h, ev, payload);
    });
  }

  /** The handshake and the join, as the relay's handshake.ts and signaling.ts do them. */
  #admit(m: Member): void {
    if (m.closed) return;
    const grant = this.tokens ? this.tokens(m.auth.token, m.room) : undefined;
    if (grant === null) {
      m.closed = true;
      return m.h.onConnectError('unauthorized');
    }
    const peers = this.#inRoom(m.room);
    if (peers.length >= this.roomMembers) {
      m.closed = true;
      m.h.onRelayError(refusal('room-full', `room ${m.room} is full`));
      m.h.onDisconnect();
      return;
    }
    m.data = { room: m.room, ...profileOf(m.auth, grant), ...(grant?.sub ? { sub: grant.sub } : {}) };
    if (!this.members.includes(m)) this.members.push(m);
    m.open = true;
    const service = this.#service;
    this.#enqueue(
      m,
      (async () => {
        const res = await service.joined(m);
        if (!m.open) return;
        m.h.onClientId({ id: m.id, room: m.room, peers: peers.map((p) => p.id), protocol: PROTOCOL_VERSION, presence: res.presence, ...(res.bound ? { bound: res.bound } : {}) });
        for (const p of peers) after(() => p.open && p.h.onPeerJoined?.(m.id));
        await service.afterJoin(m, res);
      })(),
    );
  }

  /** Later messages of `m` wait for `p` (signaling.ts keeps a socket's order the same way). */
  #enqueue(m: Member, p: Promise<void>): void {
    const q = p.catch(() => undefined);
    m.queue = q;
    void q.then(() => {
      if (m.queue === q) m.queue = null;
    });
  }

  // ---- messages ----

  #send(m: Member, raw: unknown): void {
    if (!m.open) return; // like the link: nothing goes out while not connected
    const v = validateMessage(raw);
    if (!v.ok) return this.#emit(m, 'error', refusal('bad-message', v.message, typeOf(raw)));
    const message = v.message;
    // What it took, as the client sent it (the service stamps a bound pair's messages in place); left out again if refused.
    const took = { from: m.id, message: { ...message } };
    const deliver = (): Promise<void> | undefined => {
      if (!m.open) return;
      const refused = m.refused;
      this.sent.push(took);
      const drop = (): void => {
        if (m.refused !== refused && this.sent.includes(took)) this.sent.splice(this.sent.indexOf(took), 1);
      };
      const p = this.#service.message(m, message, m);
      if (!p) return void drop();
      return p.then(drop);
    };
    if (m.queue === null) {
      const p = deliver();
      if (p) this.#enqueue(m, p);
      return;
    }
    this.#enqueue(m, m.queue.then(deliver));
  }

  /** A raw client (like the tutorial's, or with `auth` a v2 one): joins and keeps everything it hears. */
  join(roomOrAuth?: string | HandshakeAuth): RawClient {
    const c: Omit<RawClient, 'id' | 'send' | 'close'> = { received: [], errors: [], presence: [], ringing: [], bound: [] };
    const handlers: SignalingHandlers = {
      onClientId: () => undefined,
      onMessage: (m, from) => void c.received.push({ m, from }),
      onPeerJoined: () => undefined,
      onPeerLeft: () => undefined,
      onRelayError: (e) => void c.errors.push(e),
      onConnectError: () => undefined,
      onDisconnect: () => undefined,
      onPresence: (p) => void c.presence.push(p),
      onRinging: (p) => void c.ringing.push(p),
      onQueued: () => undefined,
      onBound: (p) => void c.bound.push(p),
      onIce: () => undefined,
    };
    const auth = typeof roomOrAuth === 'object' ? roomOrAuth : roomOrAuth === undefined ? {} : { room: roomOrAuth };
    const { m, link } = this.#link(auth, handlers);
    return {
      ...c,
      get id() {
        return m.id;
      },
      send: (msg) => link.send(msg as SignalMessage),
      close: () => link.close(),
    };
  }

  /**
   * The relay process restarts, as the real one does on close: every link hears `shutting-down`
   * and drops without peer-left, then reconnects and gets a NEW id (Socket.IO's automatic
   * reconnection), in the order the links had joined. The new relay knows no call: a bound pair
   * finds each other again by presenting call + key (their auth, read again).
   */
  restart(): void {
    const old = this.members.filter((m) => m.open);
    for (const m of old) {
      m.open = false;
      m.queue = null;
      m.h.onRelayError(refusal('shutting-down', 'the relay is shutting down; reconnect in a moment (media keeps flowing peer-to-peer)'));
      m.h.onDisconnect();
    }
    if (this.#calls) {
      this.#calls.service.stop();
      void this.#calls.registry.close();
      this.#calls = undefined;
    }
    after(() => {
      for (const m of old) {
        m.id = this.#nextId();
        this.#admit(m);
      }
    });
  }

  /** The link of `m` closes (or its socket goes): the rest of its room hears peer-left. */
  drop(m: Member): void {
    m.closed = true;
    if (!m.open) return;
    m.open = false;
    for (const p of this.#inRoom(m.room)) after(() => p.open && p.h.onPeerLeft(m.id));
    void this.#service.left(m);
  }
}
