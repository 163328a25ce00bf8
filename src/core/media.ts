/**
 * Media as the core asks for it (constraints per call kind), how getUserMedia failures map
 * to the reasons a person is told, and stopping a stream (its structural type: platform.ts).
 */
import type { DeviceChoice } from './local-media.js';
import type { StreamLike } from './platform.js';
import type { CallKind, ErrorReason } from './state.js';

type Want = boolean | { deviceId: string | { exact: string } };
/** A device by id (`exact`: that one or an error, as a switch wants; else preferred), or any. */
export const want = (id: string | undefined, exact?: boolean): Want => (id ? { deviceId: exact ? { exact: id } : id } : true);

/** getUserMedia constraints for a call kind, preferring the devices picked earlier. */
export const mediaConstraints = (kind: CallKind, d: DeviceChoice = {}): { audio: Want; video: Want } => ({
  audio: want(d.audio),
  video: kind === 'video' && want(d.video),
});

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
