import { soloStream } from './media.js';

/**
 * The page's ONE AudioContext (browsers cap how many a page may hold) for the voice
 * graphs. It is only ever a sink for analysers: nothing connects to `destination`,
 * remote audio plays through a media element so Chromium's echo canceller sees it.
 */
let ctx: AudioContext | null = null;

export function audioContext(): AudioContext {
  return (ctx ??= new AudioContext());
}

/** How many voice graphs are on the page: without one the page needs no AudioContext. */
let graphs = 0;
export const graphAttached = (on: boolean): void => void (graphs += on ? 1 : -1);

/**
 * Call from a user gesture (the call button's click) so the context may start. Only when
 * a voice graph needs it: creating it opens the audio output, which slows the
 * getUserMedia running beside it (tens of ms, bench/call-setup.ts).
 */
export function wakeAudioContext(): void {
  if (typeof AudioContext === 'undefined' || graphs < 1) return;
  const c = audioContext();
  if (c.state === 'suspended') void c.resume().catch(() => undefined);
}

/** Puts the audio output to sleep between calls (an awake AudioContext keeps the device open). */
export function restAudioContext(): void {
  if (ctx?.state === 'running') void ctx.suspend().catch(() => undefined);
}

/** A detached <audio> that plays the remote stream; resolves false when autoplay was blocked. */
let player: HTMLAudioElement | null = null;

/** The audio output the person picked ('' = the system default), kept for later calls. */
let sink = '';
export const speaker = (): string => sink;
/** The browser can route a media element to an output (Chromium, Firefox 116+; not Safari). */
export const canPickSpeaker = (): boolean => 'setSinkId' in HTMLMediaElement.prototype;
export async function setSpeaker(id: string): Promise<void> {
  sink = id;
  await player?.setSinkId(id);
}
export async function playRemoteAudio(stream: MediaStream | null): Promise<boolean> {
  if (!stream) {
    if (player) player.srcObject = null;
    return true;
  }
  if (!player) {
    player = new Audio();
    if (sink) void player.setSinkId(sink).catch(() => undefined);
  }
  const solo = soloStream(player.srcObject as MediaStream | null, stream.getAudioTracks()[0]);
  if (!solo) return true;
  if (player.srcObject !== solo) player.srcObject = solo;
  try {
    await player.play();
    return true;
  } catch (err) {
    // AbortError: superseded by a newer srcObject, not a block.
    return (err as { name?: string }).name !== 'NotAllowedError';
  }
}
