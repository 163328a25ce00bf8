/**
 * The page's phone: ONE per page (src/browser/instance.ts), shared by every element. It holds
 * the line to the relay (RelaySession), the peer connections (Connections: the call's and the
 * preconnections) and the call flow (call-flow.ts, a pure reducer that decides); it feeds the
 * flow events, carries out its effects and publishes one snapshot. Elements only read the snapshot and call
 * startCall / hangUp / resumeAudio.
 *
 * Browser objects come in through PhoneDeps (the core never names a DOM type), so all of
 * this runs in Node tests.
 */
import { fatalCode, type SignalMessage } from '../protocol/index.js';
import { INITIAL_FLOW, step, type Effect, type Flow, type FlowEvent } from './call-flow.js';
import { Connections, type ConnectionsOwner } from './connections.js';
import { LocalMedia } from './local-media.js';
import { mediaErrorReason, stopStream } from './media.js';
import type { PeerCall } from './peer-call.js';
import { PreCall } from './pre-call.js';
import type { CallConfig, Listener, PhoneDeps, PhoneSnapshot, PhoneTimings } from './phone-types.js';
import type { StreamLike } from './platform.js';
import { CallMeter } from './quality.js';
import { RelaySession, type SessionOwner } from './relay-session.js';
import { NO_MEDIA, snapshot, type Media } from './snapshot.js';
import { isActive, type CallKind } from './state.js';

export type { CallConfig, Listener, PhoneDeps, PhoneSnapshot, PhoneTimings, RemoteMedia } from './phone-types.js';
export { PRESENCE_POLL_MS } from './relay-session.js';

/** How often the connection's quality is sampled (and `rtc-quality` fired). */
export const QUALITY_EVERY_MS = 2000;

export class Phone<S extends StreamLike = StreamLike> {
  #flow: Flow = INITIAL_FLOW;
  #snap: PhoneSnapshot<S>;
  readonly #listeners = new Set<Listener<S>>();
  #cfg: CallConfig | null = null;
  /** Config changed during a call: applied when it ends. */
  #cfgDirty = false;
  readonly #connections: Connections<S>;
  /** Bumped by every call start and teardown; async continuations of an older call stop. */
  #seq = 0;
  /** The media step of the call placed or accepted last (startCall and accept resolve with it). */
  #pending: Promise<void> = Promise.resolve();
  #ringTimer: unknown = null;
  /** Someone meant to call (intent or click): a `connect` other than `load` links from here on. */
  #wanted = false;
  readonly #relay: RelaySession;
  /**
   * Our side's media in a call: `set('muted' | 'cameraOff', on)`, `share(on)` (the screen instead of
   * the camera), `use(kind, deviceId)` (a device switch, by replaceTrack), `devicesChanged()`. The
   * peer is told of every change; the snapshot shows it.
   */
  readonly media: LocalMedia<S>;
  #meter = new CallMeter();
  readonly #timings: PhoneTimings;
  readonly #deps: PhoneDeps<S>;

  constructor(deps: PhoneDeps<S>, timings: Partial<PhoneTimings> = {}) {
    this.#deps = deps;
    this.#timings = { connectTimeoutMs: 20000, relayWaitMs: 8000, disconnectedRestartMs: 3000, ringTimeoutMs: 45000, ...timings };
    // One owner for the session and the connections: what they read of the phone and tell it.
    const owner: SessionOwner & ConnectionsOwner<S> = {
      dispatch: (e) => this.#dispatch(e),
      aside: (m, from) => this.#connections.signal(m, from) || this.#remoteMedia(m, from),
      iceUp: () => this.#connections.call?.iceUp ?? false,
      ice: (c) => this.#connections.call?.setConfig(this.#connections.peerConfig(c)),
      preRefused: (call) => this.#connections.refused(call),
      polled: () => this.#publish({ presenceKnown: true }),
      flow: () => this.#flow,
      config: () => this.#cfg,
      remote: (stream) => this.#remoteIn(stream),
    };
    this.#relay = new RelaySession(deps, this.#timings.relayWaitMs, owner);
    this.#connections = new Connections<S>(deps, this.#timings, this.#relay, owner);
    this.#snap = snapshot<S>(INITIAL_FLOW, NO_MEDIA);
    this.media = new LocalMedia<S>({
      // In a call its stream; before one, the pre-call check's (a device picked there switches it).
      stream: () => this.#snap.localStream ?? this.#snap.preview,
      replace: async (kind, track) => this.#connections.call?.replace(kind, track),
      getTrack: deps.getTrack,
      changed: () => {
        this.#publish({ ...this.media.state, lost: this.media.lost }, 'always');
        this.#tellPeer();
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
    if (!this.#cfg) this.configure({ server: this.#deps.defaultServer ?? '' });
    else if (!this.#relay.linked || this.#relay.fatal) this.#relink();
    else this.#relay.retry();
    this.#publish({ remoteStream: null, audioBlocked: false }, 'silent');
    this.#dispatch({ type: 'click', kind, call: this.#deps.newId(), queue: this.#cfg?.queue !== false });
    await this.#pending;
  }

  /** Someone means to call (pointer over, focus on, or touch of the button): a `connect="intent"` page links now. */
  prepare(): void {
    // A relay that refused this token or room (GET /presence said so) would refuse the link too.
    if (this.#cfg?.connect !== 'intent' || this.#wanted || fatalCode(this.#flow.reason)) return;
    this.#wanted = true;
    this.#relink();
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
      stream = this.#preCall.take(kind) ?? (await this.#deps.getMedia(kind, this.media.choice));
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
    this.#relay.away(on);
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
    open: (kind) => this.#deps.getMedia(kind, this.media.choice),
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
  #tellPeer(): void {
    const f = this.#flow;
    if (f.boundPeer && isActive(f.state)) this.#relay.send({ type: 'media', ...this.media.told });
  }

  /** Samples the connection's quality every few seconds while `call` lasts. */
  #measure(call: PeerCall<S>): void {
    this.#deps.setTimer(async () => {
      if (this.#connections.call !== call) return;
      const q = this.#meter.sample(await call.stats().catch(() => []));
      if (this.#connections.call !== call) return;
      if (q) this.#publish({ quality: q });
      this.#measure(call);
    }, QUALITY_EVERY_MS);
  }

  /** Retries remote audio playback from a user gesture after autoplay was blocked. */
  async resumeAudio(): Promise<void> {
    if (!this.#snap.remoteStream) return;
    const ok = await this.#deps.playRemoteAudio(this.#snap.remoteStream);
    this.#publish({ audioBlocked: !ok });
  }

  // ---- the flow and its effects ------------------------------------------------------------

  #dispatch(e: FlowEvent): void {
    const was = this.#flow.state;
    // A call the relay bound: at its end our summary goes to the relay (for the site's webhooks).
    const boundCall = this.#flow.boundPeer && this.#flow.callId;
    const [flow, effects] = step(this.#flow, e);
    this.#flow = flow;
    const m = this.#meter;
    if (flow.state === 'connected' && was !== 'connected') {
      if (m.since === null) {
        m.since = this.#deps.now();
        if (this.#connections.call) this.#measure(this.#connections.call);
        this.#snap = { ...this.#snap, connectedAt: m.since };
      }
    } else if (flow.state === 'reconnecting' && was === 'connected') m.reconnects++;
    this.#relay.rejoin(flow.callId, flow.key);
    for (const fx of effects) this.#effect(fx, boundCall);
    // (Re)connected: tell the peer our state, which also gives it our name.
    if (flow.state === 'connected' && was !== 'connected') this.#tellPeer();
    this.#publish({}, 'changed', flow);
    if (this.#cfgDirty && !isActive(flow.state)) {
      this.#cfgDirty = false;
      this.#relink();
    }
    this.#connections.follow();
  }

  #effect(fx: Effect, boundCall: string | null): void {
    switch (fx.do) {
      case 'send':
        return this.#relay.send(fx.message);
      case 'open':
        return this.#connections.open(fx.peer, fx.offer, fx.pre ?? fx.offer, this.#snap.localStream);
      case 'signal':
        return void this.#connections.call?.signal(fx.message);
      case 'arm':
        return this.#connections.call?.arm();
      case 'watch': {
        const call = this.#connections.call;
        void call?.receiving(1500).then((yes) => yes || (this.#connections.call === call && this.#dispatch({ type: 'peer-silent' })));
        return;
      }
      case 'close':
        return this.#connections.close();
      case 'media':
        this.#meter = new CallMeter();
        // The last call's end already put the rest of the media back to NO_MEDIA.
        this.#publish({ summary: null }, 'silent');
        this.#pending = this.#media(this.#flow.kind ?? 'video');
        return;
      case 'ring-timer':
        this.#deps.clearTimer(this.#ringTimer);
        this.#ringTimer = this.#deps.setTimer(() => this.#dispatch({ type: 'ring-timeout' }), this.#cfg?.ringTimeoutMs ?? this.#timings.ringTimeoutMs);
        return;
      case 'end': {
        this.#seq++;
        this.#deps.clearTimer(this.#ringTimer);
        this.#connections.close();
        stopStream(this.#snap.localStream);
        void this.#deps.playRemoteAudio(null);
        this.media.start();
        const summary = this.#meter.summary(this.#flow.kind, this.#deps.now());
        // The relay puts each side's figures into the call's webhook (call.ended).
        if (boundCall) {
          const { kind: _, ...figures } = summary;
          this.#relay.control('call-summary', { call: boundCall, ...figures });
        }
        // What outlives a call: the desk mode and whether the room's presence was heard.
        const { presenceKnown, outgoing } = this.#snap;
        return this.#publish({ ...NO_MEDIA, presenceKnown, outgoing, summary }, 'silent');
      }
      case 'publish':
        return this.#publish({}, 'changed', fx.flow);
      case 'log':
        return this.#deps.log(fx.text);
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
        this.#deps.log('listener failed', err);
      }
    }
  }

  #relink(): void {
    const cfg = this.#cfg;
    this.#dispatch({ type: 'relink', incoming: cfg?.incoming !== false });
    if (!cfg) return this.#relay.close();
    if ((cfg.connect ?? 'load') !== 'load' && !this.#wanted) return this.#relay.poll(cfg);
    this.#relay.open(cfg);
  }

  /** The peer's in-call state (a `media` message): shown, never part of the call flow. */
  #remoteMedia(m: SignalMessage, from: string): boolean {
    if (m.type !== 'media') return false;
    const { muted = false, cameraOff = false, sharing = false, name = '' } = m;
    if (from === this.#flow.boundPeer) this.#publish({ remote: { muted, cameraOff, sharing, name } });
    return true;
  }

  /** The call's remote stream (null: its connection closed). */
  #remoteIn(stream: S | null): void {
    const seq = this.#seq;
    if (stream) {
      this.#publish({ remoteStream: stream }, 'always');
      void this.#deps.playRemoteAudio(stream).then((ok) => seq === this.#seq && this.#publish({ audioBlocked: !ok }));
    } else if (this.#snap.remoteStream) {
      void this.#deps.playRemoteAudio(null);
      this.#publish({ remoteStream: null }, 'silent');
    }
  }
}
