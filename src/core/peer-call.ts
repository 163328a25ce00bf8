/**
 * One call's peer connection: it creates the RTCPeerConnection, wires its handlers, adds our
 * tracks, runs perfect negotiation with ICE recovery (RecoveringNegotiator) and the connect timeout, assembles the remote
 * stream, and on `close()` unwires and releases all of it. The object that creates the peer
 * connection is the only one that touches its handlers (as simple-peer's Peer does), so there
 * is ONE teardown path.
 */
import type { SignalMessage } from '../protocol/index.js';
import type { FlowEvent } from './flow-types.js';
import { RecoveringNegotiator } from './ice-recovery.js';
import type { PhoneDeps, PhoneTimings } from './phone-types.js';
import type { PeerConfig, RtcPeerLike, SenderLike, StatsLike, StreamLike, TrackLike, TransceiverLike } from './platform.js';
import type { CallKind } from './state.js';

/** What the call reports to its owner: ICE up, down (restarting), failed for good, or not up in time. */
export type PeerCallEvent = Extract<FlowEvent, { type: 'ice-up' | 'ice-down' | 'ice-failed' | 'timeout' }>;

/** This one call's side of things; the platform (deps) and timings are the Phone's. */
export interface PeerCallOptions<S extends StreamLike> {
  config: PeerConfig;
  /** Our camera/microphone; its tracks are added at once. */
  local: S | null;
  polite: () => boolean;
  send: (message: SignalMessage) => void;
  onEvent: (event: PeerCallEvent) => void;
  /** The remote stream gained a track (the same stream object, or the first one). */
  onRemoteStream: (stream: S) => void;
  /**
   * Preconnect (no `local`): a kind, to offer an m-line for each of its media with nothing to
   * send yet (the ringing desk); `answer`, to answer such an offer ready to send (the caller).
   * Tracks come at Accept with attach(): no new offer, and no RTP before (a sender without a
   * track sends nothing).
   */
  pre?: CallKind | 'answer';
}

export class PeerCall<S extends StreamLike = StreamLike> {
  readonly #pc: RtcPeerLike<S>;
  readonly #neg: RecoveringNegotiator;
  readonly #opts: PeerCallOptions<S>;
  readonly #deps: PhoneDeps<S>;
  readonly #timings: PhoneTimings;
  #remote: S | null = null;
  /** Our senders by the kind of track they were made for (a screen goes out on the video one). */
  readonly #senders = new Map<string, SenderLike>();
  #timer: unknown = null;
  #closed = false;

  constructor(d: PhoneDeps<S>, t: PhoneTimings, o: PeerCallOptions<S>) {
    this.#opts = o;
    this.#deps = d;
    this.#timings = t;
    const pc = (this.#pc = d.createPeer(o.config));
    const neg = (this.#neg = new RecoveringNegotiator({
      pc,
      polite: o.polite,
      send: o.send,
      // ICE up is not yet a call: DTLS must finish too (connectionState), or media never flows.
      onConnected: () => this.#up(),
      onInterrupted: () => o.onEvent({ type: 'ice-down' }),
      onFailed: () => o.onEvent({ type: 'ice-failed' }),
      onError: (err) => d.log('negotiation', err),
      disconnectedRestartMs: t.disconnectedRestartMs,
      setTimer: d.setTimer,
      clearTimer: d.clearTimer,
    }));
    pc.onnegotiationneeded = () => void neg.onNegotiationNeeded();
    pc.onicecandidate = (e) => neg.onLocalCandidate(e.candidate);
    pc.oniceconnectionstatechange = () => neg.onIceConnectionStateChange();
    pc.ontrack = (e) => {
      // The caller's preconnection: its answer is to send once attach() gives it tracks.
      if (o.pre === 'answer' && e.transceiver?.direction === 'recvonly') e.transceiver.direction = 'sendrecv';
      this.#onTrack(e.track, e.streams[0]);
    };
    pc.onconnectionstatechange = () => {
      const c = pc.connectionState;
      if (c === 'connected') this.#up();
      else if (c === 'failed' && this.iceUp) o.onEvent({ type: 'ice-failed' }); // DTLS failed over a working path
    };
    if (o.local) for (const track of o.local.getTracks()) this.#senders.set(track.kind, pc.addTrack(track, o.local));
    // sendrecv is addTransceiver's default direction.
    if (o.pre && o.pre !== 'answer') for (const k of o.pre === 'video' ? ['audio', 'video'] : ['audio']) pc.addTransceiver?.(k);
  }

  /** The remote stream so far (a preconnection's, shown once it becomes the call). */
  get remote(): S | null {
    return this.#remote;
  }

  /** Accept: our tracks go out on the preconnection's transceivers (replaceTrack, no new offer). */
  async attach(stream: S | null): Promise<void> {
    for (const t of stream?.getTracks() ?? []) {
      const tr = this.#pc.getTransceivers?.().find((x: TransceiverLike) => x.receiver.track.kind === t.kind && !x.sender.track);
      if (tr) this.#senders.set(t.kind, tr.sender), await tr.sender.replaceTrack(t);
    }
  }

  /** Accept on the ringing side: its other candidates (host, srflx) may now be gathered and sent. */
  reveal(config: PeerConfig): void {
    // Firefox (ESR 128) answering our restart while the first frames come may freeze its video
    // for good (audio goes on, so the media watchdog never sees it): a Firefox peer's call stays
    // on the relayed path it preconnected over (docs/widget.md#preconnect). Firefox is told by
    // its SDP (its cname is a braced UUID; the origin line is rewritten by the browser).
    if (/cname:\{/.test(this.#pc.remoteDescription?.sdp ?? '')) return;
    this.setConfig(config);
    // Relay-only (the page's or the relay's policy) gathers nothing new: no restart, no renegotiation
    // through the slow path while the first frames come, no second set of TURN allocations.
    if (config.iceTransportPolicy != 'relay') this.#pc.restartIce();
  }

  /** Offer and answer are done (a preconnection is ready to become the call). */
  get negotiated(): boolean {
    return this.#pc.signalingState === 'stable' && !!this.#pc.remoteDescription;
  }

  /** True while ICE is connected: media flows even if the relay link is gone. */
  get iceUp(): boolean {
    const s = this.#pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  /** Reports ice-up if ICE and DTLS are up (a preconnection that just became the call). */
  recheck(): void {
    if (!this.#closed) this.#up();
  }

  #up(): void {
    const c = this.#pc.connectionState;
    if (!this.iceUp || (c !== undefined && c !== 'connected')) return;
    this.#disarm();
    this.#opts.onEvent({ type: 'ice-up' });
  }

  /** We are the side that offers. */
  offer(): void {
    void this.#neg.offer();
  }

  /** An offer, answer or candidate from the peer. */
  signal(m: SignalMessage): Promise<void> {
    return this.#neg.handleSignal(m);
  }

  /** Fresh ICE servers (TURN credentials) for the restarts and allocations to come. */
  setConfig(config: PeerConfig): void {
    if (this.#closed) return;
    try {
      this.#pc.setConfiguration(config);
    } catch (err) {
      this.#deps.log('setConfiguration', err);
    }
  }

  /** Sends `track` instead of what goes out for its kind now, without renegotiating. */
  async replace(kind: string, track: TrackLike): Promise<void> {
    await this.#senders.get(kind)?.replaceTrack(track);
  }

  /** The getStats() reports, as a list. */
  async stats(): Promise<StatsLike[]> {
    const out: StatsLike[] = [];
    (await this.#pc.getStats()).forEach((r) => void out.push(r));
    return out;
  }

  /**
   * Whether media still arrives: the bytes received grow within `ms`. The relay says the peer's
   * socket left; if its media stopped too, the browser died (no need to wait for ICE to notice).
   */
  async receiving(ms: number): Promise<boolean> {
    const bytes = async (): Promise<number> => (await this.stats()).reduce((n, r) => n + (r.type === 'inbound-rtp' ? (r.bytesReceived ?? 0) : 0), 0);
    try {
      const before = await bytes();
      await new Promise<void>((r) => this.#deps.setTimer(() => r(), ms));
      return this.#closed || (await bytes()) > before;
    } catch {
      return true;
    }
  }

  /** (Re)starts the connect timeout; ICE coming up clears it. */
  arm(): void {
    this.#disarm();
    this.#timer = this.#deps.setTimer(() => {
      this.#timer = null;
      if (!this.#closed) this.#opts.onEvent({ type: 'timeout' });
    }, this.#timings.connectTimeoutMs);
  }

  /** THE teardown: handlers unwired, timers cleared, negotiation stopped, the peer connection closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarm();
    const pc = this.#pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.oniceconnectionstatechange = pc.onconnectionstatechange = pc.ontrack = null;
    this.#neg.close();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#deps.clearTimer(this.#timer);
    this.#timer = null;
  }

  #onTrack(track: TrackLike, stream: S | undefined): void {
    const s = (this.#remote = stream ?? this.#remote ?? this.#deps.newStream());
    if (!s.getTracks().includes(track)) s.addTrack(track);
    // Reported even when it is the same stream: a video track may just have been added.
    this.#opts.onRemoteStream(s);
  }
}
