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
  type CancelReason,
  type ErrorCode,
  type ErrorPayload,
  type HandshakeAuth,
  type PresencePayload,
  type RingingPayload,
  type SignalMessage,
} from '../../src/protocol/index.js';
import {
  REJOIN_MS,
  RING_EXPIRY_MS,
  cancelStep,
  claimStep,
  declineStep,
  errorPayload,
  expireStep,
  giveUpStep,
  leaveStep,
  openStep,
  othersRung,
  presenceOf,
  profileOf,
  refusals,
  rejoinStep,
  ringAlsoStep,
  preBind,
  ringTargets,
  route,
  unbindStep,
  v1Targets,
  type BoundCall,
  type CallRecord,
  type Grant,
  type MemberView,
  type QueuedCall,
  type Refusal,
  type RingingCall,
  type SocketCall,
  type StepFn,
} from '../../server/calls/rules.js';
import { QUEUE_MAX, QUEUE_WAIT_MS, deskInCall, dequeueStep, enqueueStep, leaveLineStep, lineDecision, lineExpireStep, lineOrder, nextInLine, positions, type LineDraft } from '../../server/calls/queue-rules.js';
import { rejoinKeys, type Side } from '../../server/tokens/rejoin-keys.js';

/** The fake's rejoin keys: the relay's own scheme (an HMAC per side and epoch), with a fixed secret. */
const KEYS = rejoinKeys('the FakeRelay rejoin secret, not a real one');
const keyOf = (rec: BoundCall, sid: string): string => {
  const side = (rec.sides[0] === sid ? 0 : 1) as Side;
  return KEYS.mint(rec.room, rec.id, side, Math.max(0, rec.epochs[side]));
};

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

/** A member of the fake relay: one link, and what the relay knows of its socket. */
interface Member extends MemberView {
  room: string;
  h: SignalingHandlers;
  /** Read at every (re)connect, like the Socket.IO link reads its auth (the phone adds call + key in place). */
  auth: HandshakeAuth;
  name: string;
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

/**
 * An in-memory relay that behaves like the real one (server/calls/signaling.ts, server/calls/calls.ts) as
 * a link sees it: test/core/relay-contract.test.ts runs the same scenarios against both. It
 * decides with the relay's own rules (server/calls/rules.ts: routing, who is rung, refusals, the
 * call records' steps), so only the plumbing is its own. Ids `id01`, `id02`, ... in order of
 * joining; rooms of `roomMembers`; protocol 2 calls (presence, ringing, accept, decline, cancel,
 * bound pairs, the rejoin with call + key) and the v1 bridge; refusals as `error`s.
 * Not modelled: rate limits, authorization, several nodes.
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
  /** What each waiting member was told last of its place. */
  private told = new Map<Member, string>();
  /**
   * Tokens, as the relay with TOKEN_SECRET checks them (no JWTs here): what `auth.token` grants
   * in `room` (role and name), or null to refuse the handshake with `unauthorized`. Unset: an open relay.
   */
  tokens?: (token: string | undefined, room: string) => Grant | null;
  private n = 0;
  private keys = 0;
  private calls = new Map<string, CallRecord>();
  private timers = new Set<NodeJS.Timeout>();
  private presenceDue = new Set<string>();

  /** Protocol 1's name for roomMembers. */
  get roomSize(): number {
    return this.roomMembers;
  }
  set roomSize(n: number) {
    this.roomMembers = n;
  }

  connect: ConnectSignaling = (_url, auth, h) => this.#link(auth, h).link;

  #nextId(): string {
    return `id${String(++this.n).padStart(2, '0')}`;
  }

  #link(auth: HandshakeAuth, h: SignalingHandlers): { m: Member; link: SignalingLink } {
    const room = parseRoom(auth.room);
    const m: Member = { id: this.#nextId(), room: room ?? '', h, auth, v: 1, incoming: true, name: '', open: false, closed: false };
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

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

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
    const { rejoin, ...profile } = profileOf(m.auth, grant);
    Object.assign(m, profile);
    delete m.call;
    if (!this.members.includes(m)) this.members.push(m);
    m.open = true;
    const rejoined = rejoin ? this.#rejoin(m, rejoin.call, rejoin.key) : undefined;
    const bound = rejoined?.bound;
    const presence = presenceOf(this.#inRoom(m.room));
    m.h.onClientId({ id: m.id, room: m.room, peers: peers.map((p) => p.id), protocol: PROTOCOL_VERSION, presence, ...(bound ? { bound } : {}) });
    for (const p of peers) after(() => p.open && p.h.onPeerJoined?.(m.id));
    if (bound) {
      this.#emit(m, 'onBound', bound);
      this.#emit(this.#member(bound.peer), 'onBound', { call: bound.call, peer: m.id, key: keyOf(rejoined.rec, bound.peer) });
    }
    if (m.incoming) this.#presence(m.room);
    if (m.incoming && !m.call) this.#ringNewcomer(m);
  }

  /** Sends one event to a member, later (as the network would), if it is still there then. */
  #emit<K extends 'onMessage' | 'onRelayError' | 'onPresence' | 'onRinging' | 'onQueued' | 'onBound'>(to: Member | undefined, ev: K, ...args: Parameters<SignalingHandlers[K]>): void {
    if (!to) return;
    after(() => {
      if (to.open) (to.h[ev] as (...a: Parameters<SignalingHandlers[K]>) => void)(...args);
    });
  }

  #deliver(to: string | Member | undefined, m: SignalMessage, from: string): void {
    this.#emit(typeof to === 'string' ? this.#member(to) : to, 'onMessage', m, from);
  }

  #refuse(m: Member, r: Refusal, type?: string, call?: string): void {
    this.#emit(m, 'onRelayError', errorPayload(r, type, call));
  }

  #presence(room: string): void {
    if (this.presenceDue.has(room)) return;
    this.presenceDue.add(room);
    after(() => {
      this.presenceDue.delete(room);
      const members = this.#inRoom(room);
      const p = presenceOf(members);
      for (const x of members) x.h.onPresence({ ...p });
      // As the relay: whoever came free may take the head of the line.
      this.#pump(room);
    });
  }

  /** A member's call state changes (the relay's setCall): presence follows. */
  #setCall(who: Member | undefined, id: string, call: SocketCall | null): void {
    if (!who) return;
    if (call) {
      if (who.call && who.call.id !== id) return;
      if (who.call?.state === 'queued' || call.state === 'queued') this.#presence(who.room);
      who.call = call;
    } else if (who.call?.id === id) {
      if (who.call.state === 'queued') this.#presence(who.room);
      delete who.call;
    } else return;
    if (who.incoming) this.#presence(who.room);
  }

  #update<R>(room: string, id: string, step: StepFn<R>): R {
    const k = `${room}\n${id}`;
    const rec = this.calls.get(k);
    const { next, out } = step(rec, Date.now());
    if (next === undefined) this.calls.delete(k);
    else if (next !== rec) this.calls.set(k, next);
    return out;
  }

  #queuedIn(room: string): QueuedCall[] {
    return [...this.calls.values()].filter((c): c is QueuedCall => c.state === 'queued' && c.room === room).sort(lineOrder);
  }

  // ---- the line (as server/calls/line.ts) ----

  #enter(m: Member, d: LineDraft): boolean {
    const out = this.#update(m.room, d.id, enqueueStep(d, this.queueWaitMs, (x) => !!this.#member(x)));
    if (out.result === 'taken') return void this.#refuse(m, refusals.callTaken(d.id), 'ready', d.id), false;
    this.#setCall(m, d.id, { id: d.id, state: 'queued' });
    this.told.delete(m);
    const { queuedAt } = out.rec;
    this.#later(Math.max(0, out.rec.until - Date.now()), () => {
      const gone = this.#update(m.room, d.id, lineExpireStep(queuedAt));
      if (!gone) return;
      const caller = this.#member(gone.caller);
      this.#setCall(caller, gone.id, null);
      if (caller) this.#refuse(caller, refusals.lineExpired(gone.id, Math.round(this.queueWaitMs / 1000)), 'ready', gone.id);
      this.#tellPlaces(m.room);
    });
    this.#tellPlaces(m.room);
    this.#pump(m.room);
    return true;
  }

  #tellPlaces(room: string): void {
    const places = new Map(positions(this.#queuedIn(room)).map((p) => [p.call, p]));
    for (const x of this.#inRoom(room)) {
      const p = x.call?.state === 'queued' ? places.get(x.call.id) : undefined;
      if (!p || this.told.get(x) === `${p.call}:${p.position}`) continue;
      this.told.set(x, `${p.call}:${p.position}`);
      this.#emit(x, 'onQueued', p);
    }
  }

  #pump(room: string): void {
    let moved = false;
    for (;;) {
      const line = this.#queuedIn(room);
      const next = nextInLine(this.#inRoom(room), this.#ringingIn(room), line);
      if (!next) break;
      moved = true;
      const drop = 'drop' in next;
      const out = this.#update(room, drop ? next.drop.id : next.ring.id, dequeueStep(drop ? [] : next.targets, (x) => !drop && !!this.#member(x)));
      if (out.result !== 'rung') continue;
      const rec = out.rec;
      const caller = this.#member(rec.caller);
      this.#setCall(caller, rec.id, { id: rec.id, state: 'ringing' });
      this.#later(this.ringExpiryMs, () => this.#expire(room, rec.id, rec.opened));
      for (const t of rec.rung) this.#deliver(t, { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name }, rec.caller);
      this.#emit(caller, 'onRinging', { call: rec.id, count: rec.rung.length });
    }
    if (moved) this.#tellPlaces(room);
  }

  #ringingIn(room: string): RingingCall[] {
    return [...this.calls.values()].filter((c): c is RingingCall => c.state === 'ringing' && c.room === room).sort((a, b) => a.opened - b.opened);
  }

  // ---- messages ----

  #send(m: Member, raw: unknown): void {
    if (!m.open) return; // like the link: nothing goes out while not connected
    const v = validateMessage(raw);
    if (!v.ok) return this.#emit(m, 'onRelayError', refusal('bad-message', v.message, typeOf(raw)));
    const message = v.message;
    const r = route(m, message);
    const took = (): void => void this.sent.push({ from: m.id, message });
    switch (r.do) {
      case 'refuse':
        return this.#refuse(m, r.refusal, message.type, r.call);
      case 'peer': {
        took();
        // Like the relay: a display name is the relay's (stamped on `media`), never the client's.
        const { name: _, ...rest } = message;
        this.#deliver(r.peer, message.type === 'media' && m.name ? { ...rest, name: m.name } : rest, m.id);
        if (r.unbind && m.call?.state === 'bound') this.#unbind(m, m.call);
        return;
      }
      case 'v1-relay':
        return void (this.#v1Relay(m, message) && took());
      case 'v1':
        return void (this.#v1(m, message, r.noCall) && took());
      case 'request':
        if (r.replace) this.#withdraw(m, r.replace, 'hang-up', true);
        return void (this.#request(m, message, r.call) && took());
      case 'accept':
        return void (this.#accept(m, r.call, false, r.replace) && took());
      case 'decline':
        return void (this.#decline(m, r.call) && took());
      case 'cancel':
        return void (this.#withdraw(m, r.call, r.reason, message.type === 'bye') && took());
      case 'pre': {
        // Preconnect: the relay's own rule (preBind) on the call's record and the target as it is now.
        const target = this.#member(r.to);
        if (!preBind(this.calls.get(`${m.room}\n${r.call}`), r.call, m.id, target?.room === m.room ? target : undefined))
          return this.#refuse(m, refusals.notPreBind(message.type, r.call, r.to), message.type, r.call);
        took();
        const { name: _, ...rest } = message;
        return this.#deliver(target, rest, m.id);
      }
    }
  }

  #request(m: Member, message: SignalMessage, callId: string | undefined): boolean {
    const id = callId ?? `v1-${m.id}-${++this.keys}`;
    const members = this.#inRoom(m.room);
    const targets = ringTargets(m, members, m.room, message.to);
    const kind = message.kind ?? 'video';
    if (message.queue && m.v === 2 && callId) {
      const line = this.#queuedIn(m.room);
      const waiting = line.filter((q) => q.id !== id);
      const d = waiting.length < line.length ? 'queue' : lineDecision(targets, waiting.length, true, message.to !== undefined, { max: this.queueMax, waitMs: this.queueWaitMs }, m.room, deskInCall(m.id, members));
      if (d === 'queue') return this.#enter(m, { id, room: m.room, caller: m.id, callerV: m.v, kind, name: m.name });
      if (d !== 'ring') return void this.#refuse(m, d, 'ready', callId), false;
    }
    if (!Array.isArray(targets)) return void this.#refuse(m, targets, 'ready', callId), false;
    const out = this.#update(m.room, id, openStep({ id, room: m.room, caller: m.id, callerV: m.v, kind, name: m.name, direct: message.to !== undefined, targets }, (x) => !!this.#member(x)));
    if (out.result === 'taken') return void this.#refuse(m, refusals.callTaken(id), 'ready', callId), false;
    this.#setCall(m, id, { id, state: 'ringing' });
    if (out.result === 'opened') {
      const { opened } = out.rec;
      this.#later(this.ringExpiryMs, () => this.#expire(m.room, id, opened));
    }
    for (const t of out.ring) this.#deliver(t, { type: 'ready', call: id, kind, name: m.name }, m.id);
    this.#emit(m, 'onRinging', { call: id, count: out.rec.rung.length + out.rec.declined.length });
    return true;
  }

  #expire(room: string, id: string, opened: number): void {
    const open = this.#update(room, id, expireStep(opened));
    if (!open) return;
    this.#tellRung(open, open.rung, 'no-answer');
    this.#pump(room);
    const caller = this.#member(open.caller);
    this.#setCall(caller, id, null);
    if (caller) this.#refuse(caller, refusals.expired(id), 'ready', id);
  }

  #tellRung(rec: RingingCall, to: readonly string[], reason: CancelReason): void {
    for (const t of to) this.#deliver(t, { type: 'cancel', call: rec.id, reason }, rec.caller);
  }

  #withdraw(m: Member, id: string, reason: CancelReason, quiet: boolean): boolean {
    if (m.call?.state === 'queued' && m.call.id === id && this.#update(m.room, id, leaveLineStep(m.id))) {
      this.#setCall(m, id, null);
      this.told.delete(m);
      this.#tellPlaces(m.room);
      return true;
    }
    const out = this.#update(m.room, id, cancelStep(m.id));
    if (out.result === 'gone') {
      if (m.call?.id === id && m.call.state !== 'bound') this.#setCall(m, id, null);
      if (!quiet) this.#refuse(m, refusals.callEnded(id), 'cancel', id);
      return quiet;
    }
    if (out.result === 'bound') {
      const peer = out.rec.sides.find((s) => s !== m.id) ?? '';
      this.#deliver(peer, { type: 'bye', call: id }, m.id);
      this.#setCall(m, id, null);
      this.#setCall(this.#member(peer), id, null);
      this.#update(m.room, id, unbindStep(m.id));
      return true;
    }
    this.#tellRung(out.rec, out.rec.rung, reason);
    this.#setCall(m, id, null);
    this.#pump(m.room);
    return true;
  }

  #accept(m: Member, id: string, quiet: boolean, replace?: string, offer?: SignalMessage): boolean {
    const out = this.#update(m.room, id, claimStep(m.id, (x) => !!this.#member(x)));
    if (out.result === 'orphan') this.#tellRung(out.rec, out.rec.rung, 'hang-up');
    if (out.result !== 'won') {
      if (!quiet) this.#refuse(m, out.result === 'lost' ? refusals.answeredElsewhere(id) : refusals.callEnded(id), 'accept', id);
      return false;
    }
    const [callerId, acceptorId] = out.rec.sides;
    if (!out.ringing) {
      this.#emit(m, 'onBound', { call: id, peer: acceptorId === m.id ? callerId : acceptorId, key: keyOf(out.rec, m.id) });
      return true;
    }
    if (replace && replace !== id) this.#withdraw(m, replace, 'hang-up', true);
    const caller = this.#member(callerId);
    this.#setCall(m, id, { id, state: 'bound', peer: callerId });
    this.#setCall(caller, id, { id, state: 'bound', peer: m.id });
    this.#emit(caller, 'onBound', { call: id, peer: m.id, key: keyOf(out.rec, callerId) });
    if (offer) this.#deliver(caller, offer, m.id);
    else if (out.ringing.callerV === 1) this.#deliver(caller, { type: 'ready', call: id }, m.id);
    this.#emit(m, 'onBound', { call: id, peer: callerId, key: keyOf(out.rec, m.id) });
    this.#tellRung(out.ringing, othersRung(out.ringing, m.id), 'answered');
    this.#pump(m.room);
    return true;
  }

  #v1(m: Member, message: SignalMessage, noCall?: Refusal): boolean {
    const mine = m.call;
    for (const c of this.#ringingIn(m.room)) {
      if (c.caller === m.id || !c.rung.includes(m.id) || (message.to !== undefined && message.to !== c.caller)) continue;
      const replace = mine?.state === 'ringing' ? mine.id : undefined;
      if (this.#accept(m, c.id, true, replace, message.type === 'offer' ? message : undefined)) return true;
    }
    if (message.type === 'ready') return noCall ? (this.#refuse(m, noCall, 'ready'), false) : this.#request(m, message, mine?.state === 'ringing' ? mine.id : undefined);
    return this.#v1Relay(m, message);
  }

  #v1Relay(m: Member, message: SignalMessage): boolean {
    const targets = v1Targets(m, this.#inRoom(m.room), message.type, m.room, message.to);
    if (!Array.isArray(targets)) return void this.#refuse(m, targets, message.type), false;
    for (const t of targets) this.#deliver(t, message, m.id);
    return targets.length > 0;
  }

  #decline(m: Member, id: string): boolean {
    const out = this.#update(m.room, id, declineStep(m.id));
    if (out.result === 'gone') return void this.#refuse(m, refusals.callEnded(id), 'decline', id), false;
    this.#deliver(out.rec.caller, { type: 'decline', call: id }, m.id);
    if (out.closed) this.#setCall(this.#member(out.rec.caller), id, null);
    this.#pump(m.room);
    return true;
  }

  #unbind(m: Member, call: { id: string; peer: string }): void {
    this.#setCall(m, call.id, null);
    this.#setCall(this.#member(call.peer), call.id, null);
    this.#update(m.room, call.id, unbindStep(m.id));
  }

  // ---- joining and leaving ----

  #rejoin(m: Member, id: string, key: string): { bound: BoundPayload; rec: BoundCall } | undefined {
    const claim = KEYS.read(m.room, id, key);
    if (!claim) return undefined;
    const out = this.#update(m.room, id, rejoinStep(m.id, id, claim, m.room, (x) => !!this.#member(x)));
    if (out.result === 'no') return undefined;
    if (out.result === 'pending') {
      m.call = { id, state: 'bound', peer: '' };
      this.#waitForPeer(m, id, '');
      return undefined;
    }
    m.call = { id, state: 'bound', peer: out.peer };
    if (out.result === 'waiting') {
      this.#waitForPeer(m, id, out.peer);
      return undefined;
    }
    this.#setCall(this.#member(out.peer), id, { id, state: 'bound', peer: m.id });
    return { bound: { call: id, peer: out.peer, key: keyOf(out.rec, m.id) }, rec: out.rec };
  }

  #waitForPeer(m: Member, id: string, gone: string): void {
    this.#later(this.rejoinMs, () => {
      const c = m.call;
      if (!m.open || c?.id !== id || c.state !== 'bound' || c.peer !== gone) return;
      this.#setCall(m, id, null);
      this.#update(m.room, id, giveUpStep(m.id));
    });
  }

  #ringNewcomer(m: Member): void {
    for (const c of this.#ringingIn(m.room)) {
      if (c.direct || c.caller === m.id || m.call) continue;
      const rec = this.#update(m.room, c.id, ringAlsoStep(m.id));
      if (!rec) continue;
      this.#deliver(m, { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name }, rec.caller);
      this.#emit(this.#member(rec.caller), 'onRinging', { call: rec.id, count: rec.rung.length + rec.declined.length });
    }
  }

  /** Its socket left the room (the relay's calls.left): a request is withdrawn, a bound peer waits for a rejoin. */
  #left(m: Member): void {
    const c = m.call;
    if (m.incoming) this.#presence(m.room);
    if (!c) return;
    if (c.state !== 'bound') return void this.#withdraw(m, c.id, 'hang-up', true);
    const out = this.#update(m.room, c.id, leaveStep(m.id));
    if (out.result === 'swapped') {
      const [a, b] = [this.#member(out.by), this.#member(out.other)];
      this.#setCall(a, c.id, { id: c.id, state: 'bound', peer: out.other });
      this.#setCall(b, c.id, { id: c.id, state: 'bound', peer: out.by });
      this.#emit(a, 'onBound', { call: c.id, peer: out.other, key: keyOf(out.rec, out.by) });
      this.#emit(b, 'onBound', { call: c.id, peer: out.by, key: keyOf(out.rec, out.other) });
      return;
    }
    const survivor = this.#member(out.result === 'gone' ? out.other : c.peer);
    if (survivor) this.#waitForPeer(survivor, c.id, m.id);
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
      m.h.onRelayError(refusal('shutting-down', 'the relay is shutting down; reconnect in a moment (media keeps flowing peer-to-peer)'));
      m.h.onDisconnect();
    }
    this.calls.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
    this.#left(m);
  }
}
