/** Camera / microphone acquisition and the mapping of its failures to error reasons. */
import type { CallKind, ErrorReason } from './state.js';

export const mediaConstraints = (kind: CallKind): MediaStreamConstraints =>
  kind === 'video' ? { audio: true, video: true } : { audio: true, video: false };

/** Maps a getUserMedia rejection (a DOMException by name) to what we tell the user. */
export function mediaErrorReason(err: unknown): ErrorReason {
  const name = (err as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'permission-denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'no-device';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'device-busy';
    default:
      return 'unsupported';
  }
}

export async function acquireMedia(kind: CallKind): Promise<MediaStream> {
  // Missing on plain-http pages (not a secure context) and in very old browsers.
  if (!globalThis.navigator?.mediaDevices?.getUserMedia || typeof RTCPeerConnection === 'undefined')
    throw Object.assign(new Error('getUserMedia/RTCPeerConnection unavailable'), { name: 'NotSupportedError' });
  return navigator.mediaDevices.getUserMedia(mediaConstraints(kind));
}

export const stopStream = (s: MediaStream | null | undefined): void => s?.getTracks().forEach((t) => t.stop());
