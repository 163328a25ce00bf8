/** Camera and microphone from the browser, and one-track streams for media elements. */
import { mediaConstraints } from '../core/media.js';
import type { CallKind } from '../core/state.js';

export async function acquireMedia(kind: CallKind): Promise<MediaStream> {
  // Missing on plain-http pages (not a secure context) and in very old browsers.
  if (!globalThis.navigator?.mediaDevices?.getUserMedia || typeof RTCPeerConnection === 'undefined')
    throw new DOMException('no getUserMedia or RTCPeerConnection', 'NotSupportedError');
  return navigator.mediaDevices.getUserMedia(mediaConstraints(kind));
}

/**
 * A stream holding just `track`, reusing `prev` while it holds the same one (a new object
 * would make the element start over). Media elements get only the track they show or play:
 * the local preview, given the microphone too, or an audio element given the video track,
 * sets up a pipeline it never uses, and that work slows the call coming up (bench/call-setup.ts).
 */
export const soloStream = (prev: MediaStream | null, track: MediaStreamTrack | undefined): MediaStream | null =>
  !track ? null : prev?.getTracks()[0] === track ? prev : new MediaStream([track]);
