/** The Phone's public shapes: its configuration, its snapshot, what it needs from the platform. */
import type { IceConfig } from '../protocol.js';
import type { PeerConfig, RtcPeerLike, StreamLike, Timers } from './platform.js';
import type { ConnectSignaling } from './relay-link.js';
import type { CallKind, CallState, StateReason } from './state.js';

export interface CallConfig {
  /** Relay base URL (Socket.IO and /ice-servers). */
  server: string;
  room?: string;
  token?: string;
  /** Overrides the relay's iceTransportPolicy. */
  icePolicy?: 'all' | 'relay';
}

export interface PhoneSnapshot<S extends StreamLike = StreamLike> {
  readonly state: CallState;
  readonly reason: StateReason;
  readonly kind: CallKind | null;
  readonly localStream: S | null;
  readonly remoteStream: S | null;
  /** The browser refused to autoplay remote audio; call `resumeAudio()` from a click. */
  readonly audioBlocked: boolean;
  readonly selfId: string | null;
  readonly peerId: string | null;
  readonly relayConnected: boolean;
}

export interface PhoneDeps<S extends StreamLike = StreamLike> extends Timers {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  getMedia: (kind: CallKind) => Promise<S>;
  createPeer: (config: PeerConfig) => RtcPeerLike<S>;
  /** An empty stream (`new MediaStream()`), for a remote track that arrives without one. */
  newStream: () => S;
  /** Plays (or with null, stops) the remote audio; resolves false when autoplay is blocked. */
  playRemoteAudio: (stream: S | null) => Promise<boolean>;
  /** Relay used when no `server` is configured. */
  defaultServer?: string;
  /** Called once, when the relay first accepts us: readies the browser's WebRTC stack before any click. */
  warmUp?: () => void;
  now: () => number;
  log: (...args: unknown[]) => void;
}

export interface PhoneTimings {
  /** connecting/reconnecting longer than this → error `ice-failed`. */
  connectTimeoutMs: number;
  /** How long a click waits for the relay link before `relay-unreachable`. */
  relayWaitMs: number;
  /** ICE `disconnected` this long → ICE restart. */
  disconnectedRestartMs: number;
}

export type Listener<S extends StreamLike = StreamLike> = (snapshot: PhoneSnapshot<S>) => void;

