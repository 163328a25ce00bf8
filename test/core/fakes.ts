/**
 * Fakes for PURE-LOGIC unit tests only (negotiation and state rules): a peer
 * connection that implements the JSJEP signaling-state rules the Negotiator relies
 * on (offer/answer, implicit rollback, candidates need a remote description),
 * and an in-memory relay room. Anything about real media or the network is tested
 * with real Chromium and the real relay (test/components, test/e2e).
 */
import type { CandidateInit as CandidateLike } from '../../src/protocol.js';
import type { DescriptionLike, PeerConnectionLike, Timers } from '../../src/core/platform.js';
import type { ConnectSignaling, SignalingHandlers, SignalingLink } from '../../src/core/relay-link.js';
import { LIMITS, PROTOCOL_VERSION, parseRoom, validateMessage, type ErrorCode, type ErrorPayload, type HandshakeAuth, type SignalMessage } from '../../src/protocol.js';

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
  private offers = 0;
  private stableLocal: { type: string; sdp: string } | null = null;
  /** Like a browser's negotiation-needed flag: set by addTrack/restartIce, cleared by an offer. */
  private needed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: CandidateLike | null }) => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
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

  addTrack(track: unknown): void {
    this.tracks.push(track);
    this.queueNegotiationNeeded();
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
  constructor(readonly kind: string) {}
  stop(): void {
    this.stopped = true;
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
}

const remoteStream = new FakeStream(['audio']);

interface Member {
  id: string;
  room: string;
  h: SignalingHandlers;
  /** In its room now (false while a restart is under way, and for good once closed). */
  open: boolean;
  /** Its link was closed: it never comes back. */
  closed: boolean;
}

/** What the raw client of `join` holds: what it received and what the relay refused of its own. */
export interface RawClient {
  readonly id: string;
  received: Array<{ m: SignalMessage; from: string }>;
  errors: ErrorPayload[];
  send(m: unknown): void;
}

const refusal = (code: ErrorCode, message: string, type?: string): ErrorPayload => (type === undefined ? { code, message } : { code, message, type });
/** The refused message's type, as the relay names it (a short string or nothing). */
const typeOf = (raw: unknown): string | undefined => {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' && t.length <= 32 ? t : undefined;
};
const after = (fn: () => void): void => void setImmediate(fn);

/**
 * An in-memory relay that behaves like the real one (server/signaling.ts) as the link sees it:
 * test/core/relay-contract.test.ts runs the same scenarios against both. Ids `id01`, `id02`, ...
 * in order of joining; rooms of `roomSize`; messages validated like the relay does, stamped with
 * the sender and relayed to the rest of the room or to the one peer of `to`; refusals as `error`s.
 * Not modelled: rate limits, authorization, several nodes.
 */
export class FakeRelay {
  readonly members: Member[] = [];
  /** Every message the relay passed on, as delivered, with its sender. */
  readonly sent: Array<{ from: string; message: SignalMessage }> = [];
  private n = 0;
  roomSize: number = LIMITS.defaultRoomSize;

  connect: ConnectSignaling = (_url, auth, h) => this.#link(auth, h).link;

  #nextId(): string {
    return `id${String(++this.n).padStart(2, '0')}`;
  }

  #link(auth: HandshakeAuth, h: SignalingHandlers): { m: Member; link: SignalingLink } {
    const room = parseRoom(auth.room);
    const m: Member = { id: this.#nextId(), room: room ?? '', h, open: false, closed: false };
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

  #admit(m: Member): void {
    if (m.closed) return;
    const peers = this.members.filter((x) => x.open && x.room === m.room);
    if (peers.length >= this.roomSize) {
      m.closed = true;
      m.h.onRelayError(refusal('room-full', `room ${m.room} is full`));
      m.h.onDisconnect();
      return;
    }
    if (!this.members.includes(m)) this.members.push(m);
    m.open = true;
    m.h.onClientId({ id: m.id, room: m.room, peers: peers.map((p) => p.id), protocol: PROTOCOL_VERSION });
    for (const p of peers) after(() => p.h.onPeerJoined(m.id));
  }

  #send(m: Member, raw: unknown): void {
    if (!m.open) return; // like the link: nothing goes out while not connected
    const refuse = (e: ErrorPayload): void => after(() => m.h.onRelayError(e));
    const v = validateMessage(raw);
    if (!v.ok) return refuse(refusal('bad-message', v.message, typeOf(raw)));
    const message = v.message;
    const deliver = (p: Member): void => after(() => p.open && p.h.onMessage(message, m.id));
    if (message.to === undefined) {
      this.sent.push({ from: m.id, message });
      for (const p of this.members) if (p !== m && p.open && p.room === m.room) deliver(p);
      return;
    }
    if (message.to === m.id) return refuse(refusal('unknown-peer', 'to must name another peer, not yourself', message.type));
    const target = this.members.find((p) => p.open && p.room === m.room && p.id === message.to);
    if (!target) return refuse(refusal('unknown-peer', `peer ${message.to} is not in room ${m.room}`, message.type));
    this.sent.push({ from: m.id, message });
    deliver(target);
  }

  /** A raw client (like the tutorial's): joins and keeps what the room sends and what is refused. */
  join(room?: string): RawClient {
    const received: RawClient['received'] = [];
    const errors: ErrorPayload[] = [];
    const handlers: SignalingHandlers = {
      onClientId: () => undefined,
      onMessage: (m, from) => received.push({ m, from }),
      onPeerJoined: () => undefined,
      onPeerLeft: () => undefined,
      onRelayError: (e) => errors.push(e),
      onConnectError: () => undefined,
      onDisconnect: () => undefined,
      onPresence: () => undefined,
      onRinging: () => undefined,
      onBound: () => undefined,
    };
    const { m, link } = this.#link({ room }, handlers);
    return {
      get id() {
        return m.id;
      },
      received,
      errors,
      send: (msg) => link.send(msg as SignalMessage),
    };
  }

  /**
   * The relay process restarts, as the real one does on close: every link hears `shutting-down`
   * and drops without peer-left, then reconnects and gets a NEW id (Socket.IO's automatic
   * reconnection), in the order the links had joined.
   */
  restart(): void {
    const old = this.members.filter((m) => m.open);
    for (const m of old) {
      m.open = false;
      m.h.onRelayError(refusal('shutting-down', 'the relay is shutting down; reconnect in a moment (media keeps flowing peer-to-peer)'));
      m.h.onDisconnect();
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
    for (const p of this.members) if (p.open && p.room === m.room) after(() => p.h.onPeerLeft(m.id));
  }
}
