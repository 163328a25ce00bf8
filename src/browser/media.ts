/** Camera and microphone from the browser, and one-track streams for media elements. */
import type { DeviceChoice, SourceKind } from '../core/local-media.js';
import { mediaConstraints, want } from '../core/media.js';
import type { CallKind } from '../core/state.js';

export async function acquireMedia(kind: CallKind, devices: DeviceChoice): Promise<MediaStream> {
  // Missing on plain-http pages (not a secure context) and in very old browsers.
  if (!globalThis.navigator?.mediaDevices?.getUserMedia || typeof RTCPeerConnection === 'undefined')
    throw new DOMException('no getUserMedia or RTCPeerConnection', 'NotSupportedError');
  return navigator.mediaDevices.getUserMedia(mediaConstraints(kind, devices));
}

/** One track for a switch mid-call: that device exactly (or the default), or the screen. */
export async function acquireTrack(kind: SourceKind, deviceId?: string): Promise<MediaStreamTrack> {
  const md = navigator.mediaDevices;
  const s = kind === 'screen' ? await md.getDisplayMedia({ video: true }) : await md.getUserMedia({ [kind]: want(deviceId, true) });
  return s.getTracks()[0]!;
}

/** The browser can share a screen (no getDisplayMedia on phones). */
export const canShare = (): boolean => !!globalThis.navigator?.mediaDevices?.getDisplayMedia;

/**
 * A stream holding just `track`, reusing `prev` while it holds the same one (a new object
 * would make the element start over). Media elements get only the track they show or play:
 * the local preview, given the microphone too, or an audio element given the video track,
 * sets up a pipeline it never uses, and that work slows the call coming up (bench/call-setup.ts).
 */
export const soloStream = (prev: MediaStream | null, track: MediaStreamTrack | undefined): MediaStream | null =>
  !track ? null : prev?.getTracks()[0] === track ? prev : new MediaStream([track]);
