/**
 * Media as the core asks for it (constraints per call kind), how getUserMedia failures map
 * to the reasons a person is told, and stopping a stream (its structural type: platform.ts).
 */
import type { StreamLike } from './platform.js';
import type { CallKind, ErrorReason } from './state.js';

/** getUserMedia constraints for a call kind. */
export const mediaConstraints = (kind: CallKind): { audio: boolean; video: boolean } => ({ audio: true, video: kind === 'video' });

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

export const stopStream = (s: StreamLike | null | undefined): void => s?.getTracks().forEach((t) => t.stop());
