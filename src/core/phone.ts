/**
 * The page's phone: ONE per page (src/browser/instance.ts), shared by every element. It holds
 * the line to the relay (RelaySession), at most one call's peer connection (PeerCall) and the
 * call flow (call-flow.ts, a pure reducer that decides); it feeds the flow events, carries out
 * its effects and publishes one snapshot. Elements only read the snapshot and call
 * startCall / hangUp / resumeAudio.
 *
 * Browser objects come in through PhoneDeps (the core never names a DOM type), so all of
 * this runs in Node tests.
 */
import { fatalCode, PROTOCOL_VERSION, type HandshakeAuth, type IceConfig, type MediaState, type SignalMessage } from '../protocol/index.js';
import { INITIAL_FLOW, isPolite, step, type Effect, type Flow, type FlowEvent } from './call-flow.js';
import { LocalMedia } from './local-media.js';
import { mediaErrorReason, stopStream } from './media.js';
import { PeerCall, type PeerCallOptions } from './peer-call.js';
import { PreCall } from './pre-call.js';
import { Preconnects } from './preconnect.js';
import type { CallConfig, Listener, PhoneDeps, PhoneSnapshot, PhoneTimings } from './phone-types.js';
import type { PeerConfig, StreamLike } from './platform.js';
import { CallMeter } from './quality.js';
import { RelaySession } from './relay-session.js';
import { NO_MEDIA, snapshot, type Media } from './snapshot.js';
import { isActive, type CallKind } from './state.js';

export type { CallConfig, Listener, PhoneDeps, PhoneSnapshot, PhoneTimings, RemoteMedia } from './phone-types.js';

/** How often the connection's quality is sampled (and `rtc-quality` fired). */
export const QUALITY_EVERY_MS = 2000;
/** How often a page not yet linked to the relay asks `GET /presence` (the relay caches it 2 s). */
export const PRESENCE_POLL_MS = 15000;

export class Phone<S extends StreamLike = StreamLike> {
  #flow: Flow = INITIAL_FLOW;
  #snap: PhoneSnapshot<S>;
  readonly #listeners = new Set<Listener<S>>();
  #cfg: CallConfig | null = null;
  /** Config changed during a call: applied when it ends. */
  #cfgDirty = false;
  #call: PeerCall<S> | null = null;
  /** The connections ringing calls negotiate before Accept (see preconnect.ts). */
  readonly #pre = new Preconnects<S>();
  /** Bumped by every call start and teardown; async continuations of an older call stop. */
  #seq = 0;
  /** The media step of the call placed or accepted last (startCall and accept resolve with it). */
  #pending: Promise<void> = Promise.resolve();
  #ringTimer: unknown = null;
  /** Someone meant to call (intent or click): a `connect` other than `load` links from here on. */
  #wanted = false;
  /** Bumped at every relink: an older presence poll stops. */
  #polls = 0;
  /** The handshake, read at every (re)connect: it carries the rejoin call and key of a bound call. */
  #auth: HandshakeAuth = {};
  #away = false;
  readonly #relay: RelaySession;
  /**
   * Our side's media in a call: `set('muted' | 'cameraOff', on)`, `share(on)` (the screen instead of
   * the camera), `use(kind, deviceId)` (a device switch, by replaceTrack), `devicesChanged()`. The
   * peer is told of every change; the snapshot shows it.
   */
  readonly media: LocalMedia<S>;
  #meter = new CallMeter();
  readonly #t: PhoneTimings;
  readonly #d: PhoneDeps<S>;

  constructor(deps: PhoneDeps<S>, timings: Partial<PhoneTimings> = {}) {
    this.#d = deps;
    this.#t = { connectTimeoutMs: 20000, relayWaitMs: 8000, disconnectedRestartMs: 3000, ringTimeoutMs: 45000, ...timings };
    this.#relay = new RelaySession(deps, this.#t.relayWaitMs);
    this.#snap = snapshot<S>(INITIAL_FLOW, NO_MEDIA);
    this.media = new LocalMedia<S>({
      // In a call its stream; before one, the pre-call check's (a device picked there switches it).
      stream: () => this.#snap.localStream ?? this.#snap.preview,
      replace: async (kind, track) => this.#call?.replace(kind, track),
      getTrack: deps.getTrack,
      changed: () => {
        this.#publish({ ...this.media.state, lost: this.media.lost }, 'always');
        this.#tell();
      },
      log: deps.log,
    });
  }

  get snapshot(): PhoneSnapshot<S> {
    return this.#snap;
  }

  /** Listener is called on every change; returns the unsubscribe function. */
  subscribe(fn: Listener<S>): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Sets relay/room/token/policy and (re)connects to the relay right away, so a click only
   * costs getUserMedia + negotiation. During a call the change waits for the call to end.
   */
  configure(cfg: CallConfig): void {
    const c = this.#cfg;
    const linked = this.#relay.linked;
    const same = (k: keyof CallConfig): boolean => c?.[k] === cfg[k];
    const relink = !c || !linked || !(['server', 'room', 'token', 'incoming', 'name', 'connect'] as const).every(same);
    if (!relink && same('icePolicy') && same('ringTimeoutMs') && same('outgoing') && same('preconnect') && same('queue')) return;
    this.#cfg = { ...cfg };
    this.#publish({ outgoing: cfg.outgoing !== false });
    if (!relink) return;
    if (isActive(this.#flow.state)) this.#cfgDirty = true;
    else this.#relink();
  }

  /** Calls the room: a call request rings its members who take calls. */
  async startCall(kind: CallKind): Promise<void> {
    const s = this.#flow.state;
    if (isActive(s) || s === 'ringing') return;
    this.#wanted = true;
    if (!this.#cfg) this.configure({ server: this.#d.defaultServer ?? '' });
    else if (!this.#relay.linked || this.#relay.fatal) this.#relink();
    else this.#relay.retry();
    this.#publish({ remoteStream: null, audioBlocked: false }, 'silent');
    this.#dispatch({ type: 'click', kind, call: this.#d.newId(), queue: this.#cfg?.queue !== false });
    await this.#pending;
  }

  /** Someone means to call (pointer over, focus on, or touch of the button): a `connect="intent"` page links now. */
  prepare(): void {
    // A relay that refused this token or room (GET /presence said so) would refuse the link too.
    if (this.#cfg?.connect !== 'intent' || this.#wanted || fatalCode(this.#flow.reason)) return;
    this.#wanted = true;
    this.#relink();
  }

  /** Presence over HTTP until the page links: now, then every PRESENCE_POLL_MS. */
  #poll(cfg: CallConfig, seq: number): void {
    const get = this.#d.fetchPresence;
    if (!get || seq !== this.#polls) return;
    const again = (): unknown => this.#d.setTimer(() => this.#poll(cfg, seq), PRESENCE_POLL_MS);
    void get(cfg.server, cfg.room, cfg.token).then(
      (counts) => {
        if (seq !== this.#polls) return;
        this.#dispatch({ type: 'presence', counts });
        // Heard even when the counts did not change (nobody there: 0 and 0, as before the answer).
        this.#publish({ presenceKnown: true });
        again();
      },
      (err: unknown) => {
        // The relay refused the token or room (401, 400): said from load, as a refused handshake
        // would be, and not asked again (the same token cannot do better; a new one relinks).
        const code = fatalCode((err as { code?: unknown } | null)?.code);
        if (!code) return again();
        if (seq === this.#polls) this.#dispatch({ type: 'refused', reason: code });
      },
    );
  }

  /** Takes the call that rings (the first, when several do): media, then the caller's offer is answered. */
  async accept(): Promise<void> {
    this.#dispatch({ type: 'accept' });
    await this.#pending;
  }

  /** Declines the call that rings; the caller hears it. */
  decline(): void {
    this.#dispatch({ type: 'decline' });
  }

  /** Media for the call just placed or accepted, then the call goes on (or fails with the reason). */
  async #media(kind: CallKind): Promise<void> {
    const seq = ++this.#seq;
    let stream: S;
    try {
      stream = this.#preCall.take(kind) ?? (await this.#d.getMedia(kind, this.media.choice));
    } catch (err) {
      if (seq === this.#seq) this.#dispatch({ type: 'media-failed', reason: mediaErrorReason(err) });
      return;
    }
    if (seq !== this.#seq) {
      stopStream(stream); // hung up while the permission prompt was open
      return;
    }
    this.media.start(stream);
    this.#publish({ localStream: stream });
    // Both were started before the click; normally they are done by now.
    const [, relayOk] = await Promise.all([this.#relay.iceConfig().catch(() => null), this.#relay.ready()]);
    if (seq !== this.#seq) return;
    this.#dispatch(relayOk ? { type: 'media-ready' } : { type: 'relay-failed', reason: this.#relay.fatal ?? 'relay-unreachable' });
  }

  /**
   * A desk steps away (true: not rung, not counted in presence; missed calls still listed) or
   * comes back. Kept across reconnects (it goes in the handshake).
   */
  setAway(on: boolean): void {
    if (!this.#away === !on) return;
    this.#away = on;
    this.#auth.away = on;
    this.#relay.control('away', { away: on });
  }

  /** Ends the call on both sides (`bye`), stops every track (a pre-call check's too). No-op when no call is active. */
  hangUp(): void {
    this.endPreview();
    this.#dispatch({ type: 'hang-up' });
  }

  /** Empties the list of missed calls (`snapshot.missed`). */
  clearMissed(): void {
    this.#dispatch({ type: 'clear-missed' });
  }

  // ---- the pre-call check: the camera and microphone before the call, reused by it (pre-call.ts)

  readonly #preCall = new PreCall<S>({
    open: (kind) => this.#d.getMedia(kind, this.media.choice),
    shown: () => this.#snap.preview,
    show: (stream, silent) => {
      if (stream) this.media.start(stream);
      this.#publish({ preview: stream }, silent ? 'silent' : 'changed');
    },
    failed: (reason) => this.#dispatch({ type: 'media-failed', reason }),
  });

  /**
   * Opens the camera and microphone (or the microphone, for `voice`) with the devices picked so
   * far, for the person to check before calling: `snapshot.preview`. `media.use()` switches a
   * device in it; the call placed or accepted next takes this stream as it is (no second prompt).
   */
  preview(kind: CallKind): Promise<void> {
    return isActive(this.#flow.state) ? Promise.resolve() : this.#preCall.open(kind);
  }

  /** Closes the pre-call check (Cancel): its tracks stop. */
  endPreview(): void {
    this.#preCall.close();
  }

  /** Tells the bound peer our media state (the relay stamps our name on it). */
  #tell(): void {
    const f = this.#flow;
    if (f.bound && isActive(f.state)) this.#relay.send({ type: 'media', ...this.media.told });
  }

  /** Samples the connection's quality every few seconds while `call` lasts. */
  #measure(call: PeerCall<S>): void {
    this.#d.setTimer(async () => {
      if (this.#call !== call) return;
      const q = this.#meter.sample(await call.stats().catch(() => []));
      if (this.#call !== call) return;
      if (q) this.#publish({ quality: q });
      this.#measure(call);
    }, QUALITY_EVERY_MS);
  }

  /** Retries remote audio playback from a user gesture after autoplay was blocked. */
  async resumeAudio(): Promise<void> {
    if (!this.#snap.remoteStream) return;
    const ok = await this.#d.playRemoteAudio(this.#snap.remoteStream);
    this.#publish({ audioBlocked: !ok });
  }

  // ---- the flow and its effects ------------------------------------------------------------

  #dispatch(e: FlowEvent): void {
    const was = this.#flow.state;
    // A call the relay bound: at its end our summary goes to the relay (for the site's webhooks).
    const bound = this.#flow.bound && this.#flow.callId;
    const [flow, effects] = step(this.#flow, e);
    this.#flow = flow;
    const m = this.#meter;
    if (flow.state === 'connected' && was !== 'connected') {
      if (m.since === null) {
        m.since = this.#d.now();
        if (this.#call) this.#measure(this.#call);
        this.#snap = { ...this.#snap, connectedAt: m.since };
      }
    } else if (flow.state === 'reconnecting' && was === 'connected') m.reconnects++;
    const a = this.#auth;
    if (flow.key && flow.callId) Object.assign(a, { call: flow.callId, key: flow.key });
    else delete a.call, delete a.key;
    for (const fx of effects) this.#do(fx, bound);
    // (Re)connected: tell the peer our state, which also gives it our name.
    if (flow.state === 'connected' && was !== 'connected') this.#tell();
    this.#publish({}, 'changed', flow);
    if (this.#cfgDirty && !isActive(flow.state)) {
      this.#cfgDirty = false;
      this.#relink();
    }
    this.#prep();
  }

  /** Preconnect is on, and the relay hands out TURN (the ringing side offers relay candidates only). */
  #preOn(ice: IceConfig | undefined): ice is IceConfig {
    return this.#cfg?.preconnect !== false && !!ice?.iceServers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)));
  }

  /**
   * Preconnections follow the flow: one for each call that rings here (offered relay-only), and
   * the current call's with its peer until it binds; any other closes at once. Then a callee
   * that is bound, has its camera and holds a negotiated one with its peer, adopts it.
   */
  #prep(): void {
    const f = this.#flow;
    const pre = this.#pre;
    pre.prune((call, peer) => f.rings.some((r) => r.call === call && r.from === peer) || (call === f.callId && isActive(f.state) && (!f.bound || f.bound === peer)));
    const ice = this.#relay.cachedIce;
    if (this.#preOn(ice))
      for (const r of f.rings)
        if (!pre.has(r.call, r.from)) {
          const pc = this.#make(r.from, { iceServers: ice.iceServers, iceTransportPolicy: 'relay' }, null, r.kind, r.call);
          pre.add(r.call, r.from, pc);
          pc.offer();
        }
    if (f.role === 'callee' && f.state === 'waiting' && f.bound && pre.ready(f.callId, f.bound)) this.#dispatch({ type: 'adopt' });
  }

  /**
   * An offer, answer or candidate of a preconnection (it carries `call`, and is not from the
   * peer of our call): to its preconnection, or dropped. A desk's offer while our request rings
   * opens one (the relay lets only the first desks through; we take at most PRECONNECT_DESKS).
   */
  #preSignal(m: SignalMessage, from: string): boolean {
    const f = this.#flow;
    const t = m.type;
    const call = m.call;
    if (!call || (t !== 'offer' && t !== 'answer' && t !== 'candidate') || (this.#call && from === f.peerId)) return false;
    const ice = this.#relay.cachedIce;
    if (t === 'offer' && f.role === 'caller' && call === f.callId && !f.bound && !this.#pre.has(call, from) && !this.#pre.full(call) && this.#preOn(ice))
      this.#pre.add(call, from, this.#make(from, this.#peerConfig(ice), null, 'answer', call));
    void this.#pre.signal(m, from)?.then(() => this.#prep());
    return true;
  }

  #do(fx: Effect, bound: string | null): void {
    switch (fx.do) {
      case 'send':
        return this.#relay.send(fx.message);
      case 'open':
        return this.#open(fx.peer, fx.offer, fx.pre ?? fx.offer);
      case 'signal':
        return void this.#call?.signal(fx.message);
      case 'arm':
        return this.#call?.arm();
      case 'watch': {
        const call = this.#call;
        void call?.receiving(1500).then((yes) => yes || (this.#call === call && this.#dispatch({ type: 'peer-silent' })));
        return;
      }
      case 'close':
        return this.#closeCall();
      case 'media':
        this.#meter = new CallMeter();
        // The last call's end already put the rest of the media back to NO_MEDIA.
        this.#publish({ summary: null }, 'silent');
        this.#pending = this.#media(this.#flow.kind ?? 'video');
        return;
      case 'ring-timer':
        this.#d.clearTimer(this.#ringTimer);
        this.#ringTimer = this.#d.setTimer(() => this.#dispatch({ type: 'ring-timeout' }), this.#cfg?.ringTimeoutMs ?? this.#t.ringTimeoutMs);
        return;
      case 'end': {
        this.#seq++;
        this.#d.clearTimer(this.#ringTimer);
        this.#closeCall();
        stopStream(this.#snap.localStream);
        void this.#d.playRemoteAudio(null);
        this.media.start();
        const summary = this.#meter.summary(this.#flow.kind, this.#d.now());
        // The relay puts each side's figures into the call's webhook (call.ended).
        if (bound) {
          const { kind: _, ...figures } = summary;
          this.#relay.control('call-summary', { call: bound, ...figures });
        }
        // What outlives a call: the desk mode and whether the room's presence was heard.
        const { presenceKnown, outgoing } = this.#snap;
        return this.#publish({ ...NO_MEDIA, presenceKnown, outgoing, summary }, 'silent');
      }
      case 'publish':
        return this.#publish({}, 'changed', fx.flow);
      case 'log':
        return this.#d.log(fx.text);
    }
  }

  /**
   * Publishes the snapshot of `f` (a state the flow passed through within one step is published
   * too) with the media. Listeners hear it when something changed, `always` (the remote stream
   * gained a track), or not at all (`silent`: a publish follows).
   */
  #publish(media: Partial<Media<S>>, mode: 'changed' | 'always' | 'silent' = 'changed', f: Flow = this.#flow): void {
    const m = { ...this.#snap, ...media };
    if (mode === 'silent') return void (this.#snap = m);
    const prev = this.#snap;
    const next = (this.#snap = snapshot(f, m, prev));
    if (mode === 'changed' && next === prev) return;
    for (const fn of [...this.#listeners]) {
      try {
        fn(next);
      } catch (err) {
        this.#d.log('listener failed', err);
      }
    }
  }

  #relink(): void {
    const cfg = this.#cfg;
    this.#dispatch({ type: 'relink', incoming: cfg?.incoming !== false });
    const seq = ++this.#polls;
    if (!cfg) return this.#relay.close();
    if ((cfg.connect ?? 'load') !== 'load' && !this.#wanted) {
      this.#relay.close();
      return this.#poll(cfg, seq);
    }
    const auth: HandshakeAuth = (this.#auth = { protocol: PROTOCOL_VERSION, incoming: cfg.incoming !== false });
    if (cfg.room) auth.room = cfg.room;
    if (cfg.token) auth.token = cfg.token;
    if (cfg.name) auth.name = cfg.name;
    if (this.#away) auth.away = true;
    const on = (e: FlowEvent): void => this.#dispatch(e);
    this.#relay.open(cfg.server, auth, {
      onClientId: (p) => on({ type: 'client-id', id: p.id, peers: p.peers, ...(p.presence ? { presence: p.presence } : {}), ...(p.bound ? { bound: p.bound } : {}) }),
      onMessage: (message, from) => {
        if (this.#preSignal(message, from)) return;
        if (message.type !== 'media') return on({ type: 'message', message, from, at: this.#d.now() });
        // The peer's in-call state: shown, never part of the call flow.
        const { muted = false, cameraOff = false, sharing = false, name = '' } = message;
        if (from === this.#flow.bound) this.#publish({ remote: { muted, cameraOff, sharing, name } });
      },
      // Who joins the room does not move a call: the relay binds calls and rejoins (`bound`).
      onPeerJoined: () => undefined,
      onPeerLeft: (id) => on({ type: 'peer-left', id, iceUp: this.#call?.iceUp ?? false, at: this.#d.now() }),
      onRelayError: (p) => {
        this.#d.log(`relay error ${p.code}: ${p.message}`);
        // A preconnection the relay does not allow (past the first desks, or the call moved on) is given up.
        if (p.call && p.code === 'not-in-call') this.#pre.refused(p.call);
        on({ type: 'relay-error', code: p.code, ...(p.type ? { about: p.type } : {}), ...(p.call ? { call: p.call } : {}) });
      },
      onRefused: (reason) => on({ type: 'refused', reason }),
      onUnreachable: () => on({ type: 'unreachable' }),
      onDisconnect: () => on({ type: 'disconnect' }),
      onPresence: (counts) => on({ type: 'presence', counts }),
      onRinging: (p) => on({ type: 'ringing', ...p }),
      onQueued: (p) => on({ type: 'queued', ...p }),
      onBound: (p) => on({ type: 'bound', ...p }),
      onMissed: (p) => on({ type: 'missed', call: p.call, kind: p.kind, name: p.name, at: this.#d.now() }),
      onIce: (ice) => this.#call?.setConfig(this.#peerConfig(ice)),
    });
  }

  /**
   * A peer connection with `peer` and its wiring; it reports to us only once it is the call.
   * `pre`: a preconnection of `call` (its messages carry the call id and go to `peer` only).
   */
  #make(peer: string, config: PeerCallOptions<S>['config'], local: S | null, pre?: PeerCallOptions<S>['pre'], call?: string): PeerCall<S> {
    const send = (m: SignalMessage): void => this.#relay.send(call ? { ...m, call, to: peer } : m);
    const pc: PeerCall<S> = new PeerCall<S>(this.#d, this.#t, {
      config,
      local,
      ...(pre ? { pre } : {}),
      polite: () => isPolite(this.#flow.selfId, (this.#call === pc && this.#flow.peerId) || peer),
      send,
      onEvent: (e) => {
        if (this.#call !== pc) return;
        // A restart is coming: it gathers with fresh TURN credentials (stale ones are fetched anew and
        // reach the call through onIce).
        if (e.type === 'ice-down') void this.#relay.iceConfig().catch(() => undefined);
        this.#dispatch(e);
      },
      onRemoteStream: (stream) => this.#call === pc && this.#remoteIn(stream),
    });
    return pc;
  }

  #remoteIn(stream: S): void {
    const seq = this.#seq;
    this.#publish({ remoteStream: stream }, 'always');
    void this.#d.playRemoteAudio(stream).then((ok) => seq === this.#seq && this.#publish({ audioBlocked: !ok }));
  }

  /**
   * The call's peer connection with `peer` (replacing any other), with our tracks. `adopt`: the
   * call's negotiated preconnection with `peer`, if there is one, becomes it: our tracks go out
   * on it (no new offer), and the ringing side reveals its other candidates now (ICE restart).
   */
  #open(peer: string, offer: boolean, adopt: boolean): void {
    const pre = this.#pre.take(this.#flow.callId, peer, adopt);
    this.#closeCall();
    const local = this.#snap.localStream;
    const call = (this.#call = pre ?? this.#make(peer, this.#peerConfig(this.#relay.cachedIce), local));
    this.#relay.keepFresh(true);
    if (!pre) return void (offer && call.offer());
    void call.attach(local);
    if (this.#flow.role === 'callee') call.reveal(this.#peerConfig(this.#relay.cachedIce));
    if (call.remote) this.#remoteIn(call.remote);
    call.arm();
    // Usually up already: the flow hears it after this step.
    this.#d.setTimer(() => call.recheck(), 0);
  }

  /** The peer connection's configuration: the relay's ICE servers, its policy unless the page overrides it. */
  #peerConfig(ice: IceConfig | undefined): PeerConfig {
    return { iceServers: ice?.iceServers ?? [], iceTransportPolicy: this.#cfg?.icePolicy ?? ice?.iceTransportPolicy ?? 'all' };
  }

  #closeCall(): void {
    this.#call?.close();
    this.#call = null;
    this.#relay.keepFresh(false);
    if (this.#snap.remoteStream) {
      void this.#d.playRemoteAudio(null);
      this.#publish({ remoteStream: null }, 'silent');
    }
  }
}
