/**
 * Fakes for PURE-LOGIC unit tests only (negotiation and state rules): a peer
 * connection that implements the JSJEP signaling-state rules the Negotiator relies
 * on (offer/answer, implicit rollback, candidates need a remote description),
 * and an in-memory relay room. Anything about real media or the network is tested
 * with real Chromium and the real relay (test/components, test/e2e).
 */
import type { CandidateLike, DescriptionLike, PeerConnectionLike } from '../../src/core/negotiator.js';
import type { ConnectSignaling, SignalingHandlers } from '../../src/core/relay-link.js';
import type { SignalMessage } from '../../src/protocol.js';

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
  ontrack: ((e: { track: unknown; streams: unknown[] }) => void) | null = null;
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
    this.ontrack?.({ track: remoteStream.tracks[0], streams: [remoteStream] });
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
}

const remoteStream = new FakeStream(['audio']);

interface Member {
  id: string;
  room: string;
  h: SignalingHandlers;
  open: boolean;
}

/** An in-memory relay: ids, rooms of two, relaying to the rest of the room, peer-joined/left. */
export class FakeRelay {
  readonly members: Member[] = [];
  readonly sent: Array<{ from: string; message: SignalMessage }> = [];
  private n = 0;
  roomSize = 2;

  connect: ConnectSignaling = (_url, auth, h) => {
    const room = auth.room ?? 'lobby';
    const m: Member = { id: `id${String(++this.n).padStart(2, '0')}`, room, h, open: true };
    setImmediate(() => {
      const peers = this.members.filter((x) => x.open && x.room === room);
      if (peers.length >= this.roomSize) {
        m.open = false;
        h.onRelayError({ code: 'room-full', message: 'room is full' });
        h.onDisconnect();
        return;
      }
      this.members.push(m);
      h.onClientId({ id: m.id, room, peers: peers.map((p) => p.id), protocol: 1 });
      for (const p of peers) setImmediate(() => p.h.onPeerJoined(m.id));
    });
    return {
      send: (message) => {
        if (!m.open) return;
        // Like the relay: a message `to` nobody in the room is refused, not relayed.
        if (message.to && !this.members.some((p) => p.open && p.room === room && p.id === message.to)) {
          setImmediate(() => h.onRelayError({ code: 'unknown-peer', message: `peer ${message.to} is not in room ${room}`, type: message.type }));
          return;
        }
        this.sent.push({ from: m.id, message });
        for (const p of this.members) if (p !== m && p.open && p.room === room) setImmediate(() => p.h.onMessage(message, m.id));
      },
      close: () => this.drop(m),
    };
  };

  /** A raw client (like the tutorial's): joins and gets what the room sends. */
  join(room = 'lobby'): { id: string; received: Array<{ m: SignalMessage; from: string }>; send: (m: SignalMessage) => void } {
    const received: Array<{ m: SignalMessage; from: string }> = [];
    const handlers: SignalingHandlers = {
      onClientId: () => undefined,
      onMessage: (m, from) => received.push({ m, from }),
      onPeerJoined: () => undefined,
      onPeerLeft: () => undefined,
      onRelayError: () => undefined,
      onConnectError: () => undefined,
      onDisconnect: () => undefined,
    };
    const link = this.connect('', { room }, handlers);
    return { id: `id${String(this.n).padStart(2, '0')}`, received, send: (m) => link.send(m) };
  }

  /**
   * The relay process restarts: every link drops without peer-left (the relay died), then
   * reconnects and gets a NEW id, like Socket.IO's automatic reconnection does.
   */
  restart(): void {
    const old = this.members.filter((m) => m.open);
    for (const m of old) m.h.onDisconnect();
    setImmediate(() => {
      const back: Member[] = [];
      for (const m of old) {
        m.id = `id${String(++this.n).padStart(2, '0')}`;
        const peers = back.filter((p) => p.room === m.room);
        m.h.onClientId({ id: m.id, room: m.room, peers: peers.map((p) => p.id), protocol: 1 });
        for (const p of peers) p.h.onPeerJoined(m.id);
        back.push(m);
      }
    });
  }

  drop(m: Member): void {
    if (!m.open) return;
    m.open = false;
    for (const p of this.members) if (p.open && p.room === m.room) setImmediate(() => p.h.onPeerLeft(m.id));
  }
}
