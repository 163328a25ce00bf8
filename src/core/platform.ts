/**
 * What the core needs from the platform, as structural types: the browser's real objects
 * (src/browser/) satisfy them, and the node tests pass fakes. The core never names a DOM
 * type or global (it type-checks without the DOM lib: tsconfig.core.json).
 */
import type { CandidateInit, IceServer } from '../protocol/index.js';

/** An event-handler property, checked bivariantly like the DOM's own (so RTCPeerConnection fits). */
type Handler<E> = { bivariance(event: E): void }['bivariance'] | null;

export interface Timers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface TrackLike {
  readonly kind: string;
  stop(): void;
  /** false: sends silence / black frames (mute, camera off) without renegotiating. */
  enabled?: boolean;
  /** The device's name (once the page has permission). */
  readonly label?: string;
  /** The track ended by itself: its device was unplugged or the permission revoked (or, for a screen, "Stop sharing"). */
  onended?: Handler<unknown>;
}

export interface StreamLike {
  getTracks(): TrackLike[];
  getAudioTracks(): TrackLike[];
  addTrack(track: TrackLike): void;
  removeTrack?(track: TrackLike): void;
}

/** What addTrack returns: it swaps the track it sends without renegotiating (device switch, screen share). */
export interface SenderLike {
  replaceTrack(track: TrackLike | null): Promise<void>;
}

/** A transceiver, as preconnect uses it (negotiated before there is a track to send). */
export interface TransceiverLike {
  direction: string;
  readonly sender: SenderLike & { readonly track: TrackLike | null };
  readonly receiver: { readonly track: TrackLike };
}

/** One entry of getStats(): the fields the core reads, by report type (W3C webrtc-stats). */
export interface StatsLike {
  readonly type: string;
  readonly id?: string;
  readonly bytesReceived?: number;
  /** inbound-rtp */
  readonly packetsReceived?: number;
  readonly packetsLost?: number;
  readonly jitter?: number;
  readonly kind?: string;
  /** transport */
  readonly selectedCandidatePairId?: string;
  /** candidate-pair (Firefox marks the pair in use with `selected`) */
  readonly state?: string;
  readonly nominated?: boolean;
  readonly selected?: boolean;
  readonly currentRoundTripTime?: number;
  readonly localCandidateId?: string;
  /** local-candidate */
  readonly candidateType?: string;
  readonly protocol?: string;
  readonly relayProtocol?: string;
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


/** The whole peer connection a call wires up. */
export interface RtcPeerLike<S extends StreamLike = StreamLike> extends PeerConnectionLike {
  onnegotiationneeded: Handler<unknown>;
  onicecandidate: Handler<{ readonly candidate: CandidateInit | null }>;
  oniceconnectionstatechange: Handler<unknown>;
  /** ICE and DTLS together ('connected' only once both are up); absent in old implementations. */
  readonly connectionState?: string;
  onconnectionstatechange: Handler<unknown>;
  ontrack: Handler<{ readonly track: TrackLike; readonly streams: readonly S[]; readonly transceiver?: TransceiverLike }>;
  addTrack(track: TrackLike, ...streams: S[]): SenderLike;
  /** Preconnect: m-lines negotiated with nothing to send yet (replaceTrack at Accept). */
  addTransceiver?(kind: string): TransceiverLike;
  getTransceivers?(): TransceiverLike[];
  readonly remoteDescription?: { readonly type: string; readonly sdp?: string } | null;
  /** New ICE servers (fresh TURN credentials) for what ICE does from now on. */
  setConfiguration(config: PeerConfig): void;
  /** The stats reports (RTCStatsReport is a map of them). */
  getStats(): Promise<{ forEach(fn: (report: StatsLike) => void): void }>;
}
