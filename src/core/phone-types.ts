/** The Phone's public shapes: its configuration, its snapshot, what it needs from the platform. */
import type { IceConfig, MediaState, PresencePayload } from '../protocol/index.js';
import type { DeviceChoice, SourceKind } from './local-media.js';
import type { PeerConfig, RtcPeerLike, StreamLike, Timers, TrackLike } from './platform.js';
import type { CallSummary, Quality } from './quality.js';
import type { ConnectSignaling } from './relay-link.js';
import type { CallKind, CallState, StateReason } from './state.js';

export interface CallConfig {
  /** Relay base URL (Socket.IO and /ice-servers). */
  server: string;
  room?: string;
  token?: string;
  /** Overrides the relay's iceTransportPolicy. */
  icePolicy?: 'all' | 'relay';
  /** This page takes incoming calls (rings); false for a call-only page. Default true. */
  incoming?: boolean;
  /** The display name callees see with our call requests. */
  name?: string;
  /** false: a desk that places no calls (its idle status waits for calls). Default true. */
  outgoing?: boolean;
  /** A call request nobody answers within this long ends `no-answer` (default 45 000). */
  ringTimeoutMs?: number;
  /** Our call requests wait in the room's line while every desk is busy (default true); false: they end `busy`. */
  queue?: boolean;
  /**
   * When the relay link opens: `load` (at once, the default), `intent` (at `prepare()`: the
   * pointer over or focus on the button), or `click` (at the call). Until then presence comes
   * from `GET /presence` every PRESENCE_POLL_MS, costing the relay no socket per visitor.
   */
  connect?: 'load' | 'intent' | 'click';
  /**
   * Preconnect while ringing (default true): when the relay hands out TURN, a ringing call is
   * negotiated (relay-only on the ringing side, no media) so that Accept only starts the media.
   * false: Accept negotiates from scratch, as without TURN.
   */
  preconnect?: boolean;
}

/** A call that rings here (the head of what rings is `incoming`). */
export interface IncomingCall {
  readonly call: string;
  readonly kind: CallKind;
  /** The caller's display name as the relay stamped it ('' when it has none). */
  readonly name: string;
}

/** A call that rang here and ended unanswered (its caller cancelled, gave up, or left). */
export interface MissedCall extends IncomingCall {
  /** When it stopped ringing (ms since the epoch). */
  readonly at: number;
}

/** Who else in the room takes calls: someone idle / all of them in calls / nobody. */
export type Presence = 'available' | 'busy' | 'offline';

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
  /** The call that rings here now (state `ringing`), else null. */
  readonly incoming: IncomingCall | null;
  /** Calls that rang here unanswered, oldest first (the last 20). */
  readonly missed: readonly MissedCall[];
  /** Whether someone else in the room takes calls, and the counts behind it (this page left out). */
  readonly presence: Presence;
  readonly available: number;
  readonly busy: number;
  /** Our place in the room's line (1 = next) while our call waits there (state `queued`, or the camera still starting); else null. */
  readonly queuePosition: number | null;
  /** Our side of the current call: we placed it, or we took it. */
  readonly role: 'caller' | 'callee' | null;
  /** Our microphone is muted / camera off / screen shown instead of the camera. */
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  /** A device of ours stopped by itself and could not be replaced. */
  readonly lost: 'audio' | 'video' | null;
  /** The peer's own state (its `media` messages), and its name as the relay gave it. */
  readonly remote: RemoteMedia;
  /** When the call connected (ms since the epoch), for a call timer; null before. */
  readonly connectedAt: number | null;
  /** The connection's quality, sampled every few seconds while connected. */
  readonly quality: Quality | null;
  /** The last call's summary, once it ended. */
  readonly summary: CallSummary | null;
  /** Presence came over HTTP (a page that has not linked to the relay yet). */
  readonly presenceKnown: boolean;
  /** This page places calls (false: a desk: `CallConfig.outgoing`). */
  readonly outgoing: boolean;
  /** The pre-call check's camera and microphone (`preview()`), until the call takes them or it closes. */
  readonly preview: S | null;
}

export interface RemoteMedia extends MediaState {
  readonly name: string;
}

export interface PhoneDeps<S extends StreamLike = StreamLike> extends Timers {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  /**
   * `GET /presence` of the room (with the token, where the relay wants one). It rejects with an
   * error whose `code` is the relay's (`unauthorized`, `bad-room`) when the relay refused it.
   */
  fetchPresence?: (server: string, room?: string, token?: string) => Promise<PresencePayload>;
  getMedia: (kind: CallKind, devices: DeviceChoice) => Promise<S>;
  /** One new track from a device (its id, or the default) or the screen, for switches mid-call. */
  getTrack?: (kind: SourceKind, deviceId?: string) => Promise<TrackLike>;
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
  /** A fresh call id (CALL_ID_PATTERN): unguessable, since it names the call at the relay. */
  newId: () => string;
  log: (...args: unknown[]) => void;
}

export interface PhoneTimings {
  /** connecting/reconnecting longer than this → error `ice-failed`. */
  connectTimeoutMs: number;
  /** How long a click waits for the relay link before `relay-unreachable`. */
  relayWaitMs: number;
  /** ICE `disconnected` this long → ICE restart. */
  disconnectedRestartMs: number;
  /** A call request nobody answers within this long ends `no-answer` (CallConfig.ringTimeoutMs wins). */
  ringTimeoutMs: number;
}

export type Listener<S extends StreamLike = StreamLike> = (snapshot: PhoneSnapshot<S>) => void;

