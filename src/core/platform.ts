/**
 * What the core needs from the platform, as structural types: the browser's real objects
 * (src/browser/) satisfy them, and the node tests pass fakes. The core never names a DOM
 * type or global (it type-checks without the DOM lib: tsconfig.core.json).
 */
import type { CandidateInit, IceServer } from '../protocol.js';

export interface Timers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface TrackLike {
  readonly kind: string;
  stop(): void;
}

export interface StreamLike {
  getTracks(): TrackLike[];
  getAudioTracks(): TrackLike[];
  addTrack(track: TrackLike): void;
}

/** RTCConfiguration as the core builds it. */
export interface PeerConfig {
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
}

export interface DescriptionLike {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

/** The part of RTCPeerConnection that negotiation uses (a real one satisfies it). */
export interface PeerConnectionLike {
  readonly signalingState: string;
  readonly iceConnectionState: string;
  readonly localDescription: { readonly type: string; readonly sdp: string } | null;
  setLocalDescription(description?: DescriptionLike): Promise<void>;
  setRemoteDescription(description: DescriptionLike): Promise<void>;
  addIceCandidate(candidate: CandidateInit): Promise<void>;
  restartIce(): void;
  close(): void;
}

/** An event-handler property, checked bivariantly like the DOM's own (so RTCPeerConnection fits). */
type Handler<E> = { bivariance(event: E): void }['bivariance'] | null;

/** The whole peer connection a call wires up. */
export interface RtcPeerLike<S extends StreamLike = StreamLike> extends PeerConnectionLike {
  onnegotiationneeded: Handler<unknown>;
  onicecandidate: Handler<{ readonly candidate: CandidateInit | null }>;
  oniceconnectionstatechange: Handler<unknown>;
  /** ICE and DTLS together ('connected' only once both are up); absent in old implementations. */
  readonly connectionState?: string;
  onconnectionstatechange: Handler<unknown>;
  ontrack: Handler<{ readonly track: TrackLike; readonly streams: readonly S[] }>;
  addTrack(track: TrackLike, ...streams: S[]): unknown;
  /** New ICE servers (fresh TURN credentials) for what ICE does from now on. */
  setConfiguration(config: PeerConfig): void;
  /** The stats reports (RTCStatsReport is a map of them). */
  getStats(): Promise<{ forEach(fn: (report: { type: string; bytesReceived?: number }) => void): void }>;
}
