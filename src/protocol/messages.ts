/**
 * rtc-call wire protocol: the ONE definition shared by the relay (server/) and the
 * browser call controller (src/core/). Socket.IO default namespace, JSON payloads.
 * This file: the `message` event, what a client sends and what the relay delivers.
 *
 * Compatible with the tutorial client in shared/seed: it listens for `client-id`
 * and `message`, emits `message` with `type` and an optional `clientId` (ignored,
 * the relay stamps the real one), sends no room and bare candidate strings.
 *
 * src/protocol/ must stay DOM-free and dependency-free: it is compiled for Node and
 * bundled into the widget.
 */

/**
 * Bumped on an incompatible change; sent in `client-id` so clients can tell. Version 2 adds
 * ringing (docs/protocol.md): a `ready` with a `call` id is a call request that rings the
 * room's members who take calls; `accept`, `decline` and `cancel` answer or withdraw it; the
 * relay binds the two sides of an accepted call and delivers to each only what the other sends.
 * A client that says nothing of its version (no `protocol` in its handshake, no `call` ids) is
 * served as version 1, as the tutorial's client is.
 */
export const PROTOCOL_VERSION = 2;

export const MESSAGE_TYPES = ['offer', 'answer', 'candidate', 'ready', 'bye', 'accept', 'decline', 'cancel', 'media'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** An ICE candidate as it travels (RTCIceCandidateInit without the DOM lib). */
export interface CandidateInit {
  /** The `candidate:...` line ("" = end of candidates). */
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export const CALL_KINDS = ['video', 'voice'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

/** Why a call request was withdrawn: its caller hung up, nobody answered in time, or (relay) another member answered. */
export const CANCEL_REASONS = ['hang-up', 'no-answer', 'answered'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * v2 `media`: a side's in-call state, sent whole (every flag) to its bound peer whenever one
 * changes and when the call (re)connects, so the peer shows a placeholder instead of a black
 * or frozen frame, and a muted mark. A flag left out is false.
 */
export const MEDIA_FLAGS = ['muted', 'cameraOff', 'sharing'] as const;
export type MediaFlag = (typeof MEDIA_FLAGS)[number];
export type MediaState = Record<MediaFlag, boolean>;

/** What a client sends with `socket.emit('message', ...)`. */
export interface SignalMessage extends CandidateInit {
  type: MessageType;
  /** offer / answer: the SDP text. */
  sdp?: string;
  /** v2: the call this is about. A `ready` with it is a call request; accept, decline and cancel need it. */
  call?: string;
  /** v2, call requests: what the caller asks for (default video). */
  kind?: CallKind;
  /** v2, call requests as delivered: the caller's display name, stamped by the relay (a client's own is dropped). */
  name?: string;
  /** v2, cancel: why the request was withdrawn. */
  reason?: CancelReason;
  /** v2, call requests: wait in the room's line when every member who takes calls is busy, rather than be refused `busy`. */
  queue?: boolean;
  /** v2, media: the microphone is muted / the camera is off / a screen is shown instead of the camera. */
  muted?: boolean;
  cameraOff?: boolean;
  sharing?: boolean;
  /** Deliver to this peer only (must be in the same room); default: everyone else in the room. */
  to?: string;
  /** Sent by the tutorial client; always ignored and overwritten by the relay. */
  clientId?: string;
}

/** What the relay delivers: the sender's message stamped with its server-assigned id. */
export interface RelayedMessage extends Omit<SignalMessage, 'clientId'> {
  /** The sender's server-assigned id. */
  from: string;
  /** Same as `from`, for clients written like the tutorial. */
  clientId: string;
}
