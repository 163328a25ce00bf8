/**
 * The call controller: ONE per page (see instance.ts), shared by every element.
 * It owns the relay link, the ICE configuration, the local media, the peer
 * connection (through the Negotiator) and the state machine. Elements only read
 * its snapshot and call startCall / hangUp.
 *
 * Who offers: a side that clicked sends `ready`; whoever is already waiting offers, as in the
 * tutorial. Our `ready` goes out at the click, beside getUserMedia, not after it: the waiting
 * side's offer and candidates travel while the camera starts, and are held until it has
 * (#held). The offering side arms its ICE timeout only once it has an answer, so a person
 * slow to allow the camera does not time its caller out. A side that heard the other's `ready`
 * while idle sends its own to that peer by name, and a named `ready` means "you offer". Two
 * unnamed `ready`s crossing (both clicked at once) make the impolite side offer and the polite
 * one reply with a named `ready`: one offer either way, also against the tutorial's client (which
 * offers on `ready` and answers any offer). The peer whose server-assigned id sorts LOWER is
 * polite; real offer collisions (both restarting ICE) are resolved by the Negotiator.
 *
 * Browser objects come in through ControllerDeps so the logic runs in Node tests.
 */
import { fatalCode, type ClientIdPayload, type ErrorPayload, type HandshakeAuth, type IceConfig, type SignalMessage } from '../protocol.js';
import { Negotiator } from './negotiator.js';
import { iceConfigFresh } from './ice.js';
import { mediaErrorReason, stopStream } from './media.js';
import type { ConnectSignaling, SignalingLink } from './relay-link.js';
import type { FatalCode } from '../protocol.js';
import { canTransition, isActive, type CallKind, type CallState, type ErrorReason, type StateReason } from './state.js';

export interface CallConfig {
  /** Relay base URL (Socket.IO and /ice-servers). */
  server: string;
  room?: string;
  token?: string;
  /** Overrides the relay's iceTransportPolicy. */
  icePolicy?: 'all' | 'relay';
}

export interface CallSnapshot {
  readonly state: CallState;
  readonly reason: StateReason;
  readonly kind: CallKind | null;
  readonly localStream: MediaStream | null;
  readonly remoteStream: MediaStream | null;
  /** The browser refused to autoplay remote audio; call `resumeAudio()` from a click. */
  readonly audioBlocked: boolean;
  readonly selfId: string | null;
  readonly peerId: string | null;
  readonly relayConnected: boolean;
}

export interface ControllerDeps {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  getMedia: (kind: CallKind) => Promise<MediaStream>;
  createPeer: (config: RTCConfiguration) => RTCPeerConnection;
  /** Plays (or with null, stops) the remote audio; resolves false when autoplay is blocked. */
  playRemoteAudio: (stream: MediaStream | null) => Promise<boolean>;
  /** Relay used when no `server` is configured. */
  defaultServer?: string;
  /** Called once, when the relay first accepts us: readies the browser's WebRTC stack before any click. */
  warmUp?: () => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  log?: (...args: unknown[]) => void;
}

export interface ControllerTimings {
  /** connecting/reconnecting longer than this → error `ice-failed`. */
  connectTimeoutMs: number;
  /** How long a click waits for the relay link before `relay-unreachable`. */
  relayWaitMs: number;
  /** ICE `disconnected` this long → ICE restart. */
  disconnectedRestartMs: number;
}

export type Listener = (snapshot: CallSnapshot) => void;

const RELAY_REASONS: readonly StateReason[] = ['room-full', 'relay-unreachable', 'unauthorized', 'bad-room'];

const INITIAL: CallSnapshot = {
  state: 'idle',
  reason: null,
  kind: null,
  localStream: null,
  remoteStream: null,
  audioBlocked: false,
  selfId: null,
  peerId: null,
  relayConnected: false,
};

export class CallController {
  #snap: CallSnapshot = INITIAL;
  readonly #listeners = new Set<Listener>();
  #cfg: CallConfig | null = null;
  /** Config changed during a call: applied when it ends. */
  #cfgDirty = false;
  #link: SignalingLink | null = null;
  #relayFatal: ErrorReason | null = null;
  #relayWaiters: Array<(ok: boolean) => void> = [];
  #ice: { config: IceConfig; at: number } | null = null;
  #icePending: Promise<IceConfig> | null = null;
  #pc: RTCPeerConnection | null = null;
  #neg: Negotiator | null = null;
  /** The peer's socket left while ICE was still up; end when ICE drops. */
  #peerLeft = false;
  /**
   * The last peer whose `ready` reached us before our user clicked: it waits for us, so our
   * `ready` goes to it by name and it offers at once (see #onMessage). If it has gone meanwhile
   * the relay refuses that `ready` (unknown-peer) and we send it to the room instead; if it hung
   * up, its next `ready` reaches us.
   */
  #waitingPeer: string | undefined;
  /** Our socket reconnected during a call: the peer's next id is the same person. */
  #relinked = false;
  #connectTimer: unknown = null;
  /** Our `ready` for this call went out (so leaving it means a `bye`). */
  #readySent = false;
  /** While we wait for media, after our `ready`: what the peers sent, replayed once we have it. */
  #held: Array<[SignalMessage, string]> | null = null;
  #warmedUp = false;
  /** Bumped by every call start and teardown; async continuations of an older call stop. */
  #seq = 0;
  readonly #t: ControllerTimings;
  readonly #deps: ControllerDeps;

  constructor(deps: ControllerDeps, timings: Partial<ControllerTimings> = {}) {
    this.#deps = deps;
    this.#t = { connectTimeoutMs: 20000, relayWaitMs: 8000, disconnectedRestartMs: 3000, ...timings };
  }

  get snapshot(): CallSnapshot {
    return this.#snap;
  }

  /** Listener is called on every change; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Sets relay/room/token/policy and (re)connects to the relay right away, so a
   * click only costs getUserMedia + negotiation. During a call the change waits
   * for the call to end.
   */
  configure(cfg: CallConfig): void {
    const c = this.#cfg;
    if (c && c.server === cfg.server && c.room === cfg.room && c.token === cfg.token && c.icePolicy === cfg.icePolicy && this.#link)
      return;
    const relink = !c || c.server !== cfg.server || c.room !== cfg.room || c.token !== cfg.token || !this.#link;
    this.#cfg = { ...cfg };
    if (!relink) return;
    if (isActive(this.#snap.state)) this.#cfgDirty = true;
    else this.#relink();
  }

  async startCall(kind: CallKind): Promise<void> {
    if (isActive(this.#snap.state)) return;
    if (!this.#cfg) this.configure({ server: this.#deps.defaultServer ?? '' });
    else if (!this.#link || this.#relayFatal) this.#relink();
    const seq = ++this.#seq;
    this.#held = [];
    this.#set('media', null, { kind, remoteStream: null, peerId: null, audioBlocked: false });
    this.#ready();
    let stream: MediaStream;
    try {
      stream = await this.#deps.getMedia(kind);
    } catch (err) {
      if (seq === this.#seq) {
        this.#bye();
        this.#teardown('error', mediaErrorReason(err));
      }
      return;
    }
    if (seq !== this.#seq) {
      stopStream(stream); // hung up while the permission prompt was open
      return;
    }
    this.#patch({ localStream: stream });
    // Both were started before the click; normally they are done by now.
    const [, relayOk] = await Promise.all([this.#iceConfig().catch(() => null), this.#waitForRelay()]);
    if (seq !== this.#seq) return;
    if (!relayOk) {
      this.#teardown('error', this.#relayFatal ?? 'relay-unreachable');
      return;
    }
    this.#set('waiting');
    this.#ready();
    const held = this.#held ?? [];
    this.#held = null;
    for (const [m, from] of held) this.#onMessage(m, from);
  }

  /** Sends our `ready` once per call (to the peer waiting for us, if one is). */
  #ready(): void {
    if (this.#readySent || !this.#snap.relayConnected) return;
    this.#readySent = true;
    this.#link?.send({ type: 'ready', to: this.#waitingPeer });
  }

  #bye(): void {
    if (this.#readySent) this.#link?.send({ type: 'bye' });
  }

  /** Ends the call on both sides (`bye`), stops every track. No-op when no call is active. */
  hangUp(): void {
    if (!isActive(this.#snap.state)) return;
    this.#bye();
    this.#teardown('ended', 'hang-up');
  }

  /** Retries remote audio playback from a user gesture after autoplay was blocked. */
  async resumeAudio(): Promise<void> {
    if (!this.#snap.remoteStream) return;
    const ok = await this.#deps.playRemoteAudio(this.#snap.remoteStream);
    this.#patch({ audioBlocked: !ok });
  }

  // ---- state ---------------------------------------------------------------------------

  #patch(p: Partial<CallSnapshot>): void {
    this.#snap = { ...this.#snap, ...p };
    for (const fn of [...this.#listeners]) {
      try {
        fn(this.#snap);
      } catch (err) {
        this.#log('listener failed', err);
      }
    }
  }

  #set(state: CallState, reason: StateReason = null, extra: Partial<CallSnapshot> = {}): boolean {
    const from = this.#snap.state;
    if (from === state && this.#snap.reason === reason) {
      if (Object.keys(extra).length) this.#patch(extra);
      return true;
    }
    if (from !== state && !canTransition(from, state)) {
      this.#log(`refused transition ${from} → ${state}`);
      return false;
    }
    this.#patch({ ...extra, state, reason });
    return true;
  }

  #log(...args: unknown[]): void {
    (this.#deps.log ?? ((...a: unknown[]) => console.warn('[rtc-call]', ...a)))(...args);
  }

  #setTimer(fn: () => void, ms: number): unknown {
    return (this.#deps.setTimer ?? ((f, m) => setTimeout(f, m)))(fn, ms);
  }

  #clearTimer(h: unknown): void {
    if (h !== null) (this.#deps.clearTimer ?? ((x) => clearTimeout(x as ReturnType<typeof setTimeout>)))(h);
  }

  /** THE teardown path: peer closed, tracks stopped, audio released, timers cleared. */
  #teardown(state: 'ended' | 'error', reason: StateReason): void {
    this.#seq++;
    this.#closePeer();
    stopStream(this.#snap.localStream);
    void this.#deps.playRemoteAudio(null);
    this.#peerLeft = false;
    this.#relinked = false;
    this.#readySent = false;
    this.#held = null;
    this.#set(state, reason, { localStream: null, remoteStream: null, audioBlocked: false, peerId: null });
    if (this.#cfgDirty) {
      this.#cfgDirty = false;
      this.#relink();
    }
  }

  #closePeer(): void {
    this.#clearTimer(this.#connectTimer);
    this.#connectTimer = null;
    const pc = this.#pc;
    if (pc) {
      pc.onnegotiationneeded = pc.onicecandidate = pc.oniceconnectionstatechange = pc.ontrack = null;
    }
    this.#neg?.close();
    this.#neg = null;
    this.#pc = null;
    if (this.#snap.remoteStream) {
      void this.#deps.playRemoteAudio(null);
      this.#patch({ remoteStream: null });
    }
  }

  #armConnectTimer(): void {
    this.#clearTimer(this.#connectTimer);
    this.#connectTimer = this.#setTimer(() => {
      this.#connectTimer = null;
      const s = this.#snap.state;
      if (s === 'connecting' || s === 'reconnecting') this.#teardown('error', 'ice-failed');
    }, this.#t.connectTimeoutMs);
  }

  // ---- relay ---------------------------------------------------------------------------

  #relink(): void {
    this.#link?.close();
    this.#link = null;
    this.#relayFatal = null;
    this.#ice = null;
    this.#icePending = null;
    this.#patch({ relayConnected: false, selfId: null });
    if (this.#snap.state === 'error' && RELAY_REASONS.includes(this.#snap.reason)) this.#set('idle');
    const cfg = this.#cfg;
    if (!cfg) return;
    const auth: HandshakeAuth = {};
    if (cfg.room) auth.room = cfg.room;
    if (cfg.token) auth.token = cfg.token;
    this.#link = this.#deps.connectSignaling(cfg.server, auth, {
      onClientId: (p) => this.#onClientId(p),
      onMessage: (m, from) => this.#onMessage(m, from),
      onPeerJoined: (id) => this.#onPeerJoined(id),
      onPeerLeft: (id) => this.#onPeerLeft(id),
      onRelayError: (p) => this.#onRelayError(p),
      onConnectError: (code) => this.#onConnectError(code),
      onDisconnect: () => {
        this.#patch({ relayConnected: false });
        if (this.#neg) this.#relinked = true;
      },
    });
    void this.#iceConfig().catch((err: unknown) => this.#log('ICE config fetch failed', err));
  }

  /** Cached /ice-servers result, refetched when the TURN credentials are half-way to expiry. */
  #iceConfig(): Promise<IceConfig> {
    const now = (this.#deps.now ?? Date.now)();
    if (this.#ice && iceConfigFresh(this.#ice.config, this.#ice.at, now)) return Promise.resolve(this.#ice.config);
    if (this.#icePending) return this.#icePending;
    const server = this.#cfg?.server ?? '';
    const p = this.#deps.fetchIce(server).then((config) => {
      if (this.#icePending === p) this.#ice = { config, at: now };
      return config;
    });
    this.#icePending = p;
    void p.finally(() => {
      if (this.#icePending === p) this.#icePending = null;
    }).catch(() => undefined);
    return p;
  }

  #waitForRelay(): Promise<boolean> {
    if (this.#snap.relayConnected) return Promise.resolve(true);
    if (this.#relayFatal) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.#clearTimer(timer);
        this.#relayWaiters = this.#relayWaiters.filter((w) => w !== done);
        resolve(ok);
      };
      const timer = this.#setTimer(() => done(false), this.#t.relayWaitMs);
      this.#relayWaiters.push(done);
    });
  }

  #settleRelayWaiters(ok: boolean): void {
    for (const w of [...this.#relayWaiters]) w(ok);
  }

  #onClientId(p: ClientIdPayload): void {
    if (!this.#warmedUp) {
      this.#warmedUp = true;
      this.#deps.warmUp?.();
    }
    this.#relayFatal = null;
    this.#patch({ selfId: p.id, relayConnected: true });
    if (this.#snap.state === 'error' && RELAY_REASONS.includes(this.#snap.reason)) this.#set('idle');
    // After a relay reconnect in a 1:1 room, the one peer present is the person we talk to;
    // if nobody is back yet, the next peer-joined is (#relinked stays set until then).
    if (this.#neg && this.#snap.peerId && p.peers.length > 0) {
      if (!p.peers.includes(this.#snap.peerId)) this.#patch({ peerId: p.peers[0] ?? null });
      this.#peerLeft = false;
      this.#relinked = false;
    }
    this.#settleRelayWaiters(true);
    // Our id changed: anyone who missed our `ready` gets it again; what was sent to the old id is void.
    const s = this.#snap.state;
    if (s === 'media' || s === 'waiting') {
      this.#readySent = false;
      if (this.#held) this.#held = [];
      this.#ready();
    }
  }

  #onRelayError(p: ErrorPayload): void {
    const fatal = fatalCode(p.code);
    if (fatal) return this.#refused(fatal);
    this.#log(`relay error ${p.code}: ${p.message}`);
    // Our named `ready` reached a peer that had just left: whoever else comes must hear it.
    if (p.code === 'unknown-peer' && p.type === 'ready' && this.#readySent && !this.#neg) {
      this.#waitingPeer = undefined;
      this.#readySent = false;
      this.#ready();
    }
  }

  #onConnectError(code: FatalCode | null): void {
    if (code) return this.#refused(code);
    if (this.#snap.state === 'idle' || (this.#snap.state === 'error' && RELAY_REASONS.includes(this.#snap.reason)))
      this.#set('error', 'relay-unreachable');
  }

  /** The relay refused us (room full, bad room, token): no retry until config changes or a click. */
  #refused(reason: ErrorReason): void {
    this.#relayFatal = reason;
    this.#settleRelayWaiters(false);
    const s = this.#snap.state;
    if (s === 'idle' || s === 'ended' || s === 'error') this.#set('error', reason);
  }

  #onPeerJoined(id: string): void {
    // Same person back on a new socket (their relay link dropped, or the relay restarted).
    if (this.#neg && (this.#peerLeft || this.#relinked)) {
      this.#peerLeft = false;
      this.#relinked = false;
      this.#patch({ peerId: id });
    }
  }

  #onPeerLeft(id: string): void {
    if (id === this.#waitingPeer) this.#waitingPeer = undefined;
    this.#held = this.#held && this.#held.filter(([, from]) => from !== id);
    if (id !== this.#snap.peerId) return;
    const s = this.#snap.state;
    if (s === 'connecting') {
      this.#closePeer();
      this.#set('waiting', null, { peerId: null });
    } else if (s === 'connected' || s === 'reconnecting') {
      const ice = this.#pc?.iceConnectionState;
      // Media is peer-to-peer: while ICE is up the call goes on (their relay link may come back).
      if (ice === 'connected' || ice === 'completed') this.#peerLeft = true;
      else this.#teardown('ended', 'remote-left');
    }
  }

  // ---- signaling -----------------------------------------------------------------------

  #onMessage(m: SignalMessage, from: string): void {
    if (from === this.#snap.selfId) return;
    if (this.#held) return void this.#held.push([m, from]);
    const s = this.#snap.state;
    const inCall = s === 'waiting' || s === 'connecting' || s === 'connected' || s === 'reconnecting';
    const current = this.#neg !== null && from === this.#snap.peerId;
    switch (m.type) {
      case 'ready':
        // Not in a call: they wait for us, and hear our `ready` when our user clicks.
        if (!inCall) this.#waitingPeer = from;
        if (!inCall || current) return;
        // A `ready` sent to us by name comes from a side that will not offer: it saw our `ready`
        // first, or it is the polite side of two crossing ones. So we offer, as the waiting side
        // does in the tutorial (its offer and candidate gathering run while the other side still
        // sets up). A broadcast `ready` may have crossed ours (both clicked at once): then only the
        // impolite side offers and the polite one replies with a `ready` to it. Either way ONE
        // offer, never glare: after rolling its own offer back, Chromium 156 sometimes never
        // gathers again on the polite side. Real glare (both restarting ICE) is left to the Negotiator.
        if (!m.to && this.#isPoliteTo(from)) this.#link?.send({ type: 'ready', to: from });
        else void this.#openPeer(from).offer();
        return;
      case 'offer':
        // Never answer before our user asked for a call (no media, no consent).
        if (!inCall) return;
        if (current && this.#neg) return void this.#neg.handleSignal(m);
        void this.#openPeer(from).handleSignal(m);
        this.#armConnectTimer();
        return;
      case 'answer':
      case 'candidate':
        if (!current) return;
        // Our offer is answered: from here on ICE has connectTimeoutMs (not while they allow the camera).
        if (m.type === 'answer' && s === 'connecting') this.#armConnectTimer();
        void this.#neg?.handleSignal(m);
        return;
      case 'bye':
        if (from === this.#waitingPeer) this.#waitingPeer = undefined;
        if (inCall && current) this.#teardown('ended', 'remote-hang-up');
        return;
    }
  }

  /** The peer whose server-assigned id sorts lower is the polite one. */
  #isPoliteTo(remoteId: string): boolean {
    return (this.#snap.selfId ?? '') < remoteId;
  }

  /** Creates the peer connection for `remoteId` (replacing any other) and adds our tracks. */
  #openPeer(remoteId: string): Negotiator {
    this.#closePeer();
    this.#peerLeft = false;
    const ice = this.#ice?.config;
    const pc = this.#deps.createPeer({
      iceServers: ice?.iceServers ?? [],
      iceTransportPolicy: this.#cfg?.icePolicy ?? ice?.iceTransportPolicy ?? 'all',
    });
    const neg = new Negotiator({
      pc,
      polite: () => this.#isPoliteTo(this.#snap.peerId ?? ''),
      send: (msg) => this.#link?.send(msg),
      onConnected: () => this.#onIceUp(),
      onInterrupted: () => this.#onIceDown(),
      onFailed: () => this.#teardown('error', 'ice-failed'),
      onError: (err) => this.#log('negotiation', err),
      disconnectedRestartMs: this.#t.disconnectedRestartMs,
      setTimer: (fn, ms) => this.#setTimer(fn, ms),
      clearTimer: (h) => this.#clearTimer(h),
    });
    pc.onnegotiationneeded = () => void neg.onNegotiationNeeded();
    pc.onicecandidate = (e) => neg.onLocalCandidate(e.candidate);
    pc.oniceconnectionstatechange = () => neg.onIceConnectionStateChange();
    pc.ontrack = (e) => this.#onTrack(e);
    const local = this.#snap.localStream;
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    this.#pc = pc;
    this.#neg = neg;
    this.#set('connecting', null, { peerId: remoteId });
    return neg;
  }

  #onTrack(e: RTCTrackEvent): void {
    let stream = e.streams[0] ?? this.#snap.remoteStream;
    if (!stream) stream = new MediaStream();
    if (!stream.getTracks().includes(e.track)) stream.addTrack(e.track);
    // Patch even when it is the same stream: a video track may just have been added.
    this.#patch({ remoteStream: stream });
    const seq = this.#seq;
    void this.#deps.playRemoteAudio(stream).then((ok) => seq === this.#seq && this.#patch({ audioBlocked: !ok }));
  }

  #onIceUp(): void {
    this.#clearTimer(this.#connectTimer);
    this.#connectTimer = null;
    const s = this.#snap.state;
    if (s === 'connecting' || s === 'reconnecting') this.#set('connected');
  }

  #onIceDown(): void {
    const s = this.#snap.state;
    if (s !== 'connected' && s !== 'reconnecting') return;
    if (this.#peerLeft) return this.#teardown('ended', 'remote-left');
    if (s === 'connected') {
      this.#set('reconnecting');
      this.#armConnectTimer();
    }
  }
}
