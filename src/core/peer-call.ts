/**
 * One call's peer connection: it creates the RTCPeerConnection, wires its handlers, adds our
 * tracks, runs perfect negotiation (Negotiator) and the connect timeout, assembles the remote
 * stream, and on `close()` unwires and releases all of it. The object that creates the peer
 * connection is the only one that touches its handlers (as simple-peer's Peer does), so there
 * is ONE teardown path.
 */
import type { SignalMessage } from '../protocol.js';
import { Negotiator } from './negotiator.js';
import type { PeerConfig, RtcPeerLike, StreamLike, Timers, TrackLike } from './platform.js';

/** What the call reports to its owner. */
export type PeerCallEvent = 'up' | 'down' | 'failed' | 'timeout';

export interface PeerCallOptions<S extends StreamLike> extends Timers {
  createPeer: (config: PeerConfig) => RtcPeerLike<S>;
  config: PeerConfig;
  /** Our camera/microphone; its tracks are added at once. */
  local: S | null;
  /** An empty stream, for a remote track that arrives without one. */
  newStream: () => S;
  polite: () => boolean;
  send: (message: SignalMessage) => void;
  onEvent: (event: PeerCallEvent) => void;
  /** The remote stream gained a track (the same stream object, or the first one). */
  onRemoteStream: (stream: S) => void;
  log: (...args: unknown[]) => void;
  /** connecting/reconnecting longer than this → 'timeout'. */
  connectTimeoutMs: number;
  /** ICE `disconnected` this long → ICE restart. */
  disconnectedRestartMs: number;
}

export class PeerCall<S extends StreamLike = StreamLike> {
  readonly #pc: RtcPeerLike<S>;
  readonly #neg: Negotiator;
  readonly #o: PeerCallOptions<S>;
  #remote: S | null = null;
  #timer: unknown = null;
  #closed = false;

  constructor(o: PeerCallOptions<S>) {
    this.#o = o;
    const pc = (this.#pc = o.createPeer(o.config));
    const neg = (this.#neg = new Negotiator({
      pc,
      polite: o.polite,
      send: o.send,
      onConnected: () => {
        this.#disarm();
        o.onEvent('up');
      },
      onInterrupted: () => o.onEvent('down'),
      onFailed: () => o.onEvent('failed'),
      onError: (err) => o.log('negotiation', err),
      disconnectedRestartMs: o.disconnectedRestartMs,
      setTimer: o.setTimer,
      clearTimer: o.clearTimer,
    }));
    pc.onnegotiationneeded = () => void neg.onNegotiationNeeded();
    pc.onicecandidate = (e) => neg.onLocalCandidate(e.candidate);
    pc.oniceconnectionstatechange = () => neg.onIceConnectionStateChange();
    pc.ontrack = (e) => this.#onTrack(e.track, e.streams[0]);
    if (o.local) for (const track of o.local.getTracks()) pc.addTrack(track, o.local);
  }

  /** True while ICE is connected: media flows even if the relay link is gone. */
  get iceUp(): boolean {
    const s = this.#pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  /** We are the side that offers. */
  offer(): void {
    void this.#neg.offer();
  }

  /** An offer, answer or candidate from the peer. */
  signal(m: SignalMessage): void {
    void this.#neg.handleSignal(m);
  }

  /** (Re)starts the connect timeout; ICE coming up clears it. */
  arm(): void {
    this.#disarm();
    this.#timer = this.#o.setTimer(() => {
      this.#timer = null;
      if (!this.#closed) this.#o.onEvent('timeout');
    }, this.#o.connectTimeoutMs);
  }

  /** THE teardown: handlers unwired, timers cleared, negotiation stopped, the peer connection closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarm();
    const pc = this.#pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.oniceconnectionstatechange = pc.ontrack = null;
    this.#neg.close();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#o.clearTimer(this.#timer);
    this.#timer = null;
  }

  #onTrack(track: TrackLike, stream: S | undefined): void {
    const s = (this.#remote = stream ?? this.#remote ?? this.#o.newStream());
    if (!s.getTracks().includes(track)) s.addTrack(track);
    // Reported even when it is the same stream: a video track may just have been added.
    this.#o.onRemoteStream(s);
  }
}
