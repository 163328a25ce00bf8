/** Camera / microphone acquisition and the mapping of its failures to error reasons. */
import type { CallKind, ErrorReason } from './state.js';

export const mediaConstraints = (kind: CallKind): MediaStreamConstraints =>
  kind === 'video' ? { audio: true, video: true } : { audio: true, video: false };

/** Maps a getUserMedia rejection (a DOMException by name) to what we tell the user. */
export function mediaErrorReason(err: unknown): ErrorReason {
  const name = (err as { name?: unknown } | null)?.name;
  switch (name) {
    // (Chrome's pre-standard names PermissionDeniedError, DevicesNotFoundError and
    // TrackStartError went away with Chrome 60; no browser that can run Lit 3 sends them.)
    case 'NotAllowedError':
    case 'SecurityError':
      return 'permission-denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'no-device';
    case 'NotReadableError':
    case 'AbortError':
      return 'device-busy';
    default:
      return 'unsupported';
  }
}

export async function acquireMedia(kind: CallKind): Promise<MediaStream> {
  // Missing on plain-http pages (not a secure context) and in very old browsers.
  if (!globalThis.navigator?.mediaDevices?.getUserMedia || typeof RTCPeerConnection === 'undefined')
    throw new DOMException('no getUserMedia or RTCPeerConnection', 'NotSupportedError');
  return navigator.mediaDevices.getUserMedia(mediaConstraints(kind));
}

export const stopStream = (s: MediaStream | null | undefined): void => s?.getTracks().forEach((t) => t.stop());

/**
 * A stream holding just `track`, reusing `prev` while it holds the same one (a new object
 * would make the element start over). Media elements get only the track they show or play:
 * the local preview, given the microphone too, or an audio element given the video track,
 * sets up a pipeline it never uses, and that work slows the call coming up (bench/call-setup.ts).
 */
export const soloStream = (prev: MediaStream | null, track: MediaStreamTrack | undefined): MediaStream | null =>
  !track ? null : prev?.getTracks()[0] === track ? prev : new MediaStream([track]);
