/**
 * The page's ONE AudioContext (browsers cap how many a page may hold) for the voice
 * graphs. It is only ever a sink for analysers: nothing connects to `destination`,
 * remote audio plays through a media element so Chromium's echo canceller sees it.
 */
let ctx: AudioContext | null = null;

export function audioContext(): AudioContext {
  return (ctx ??= new AudioContext());
}

/** Call from a user gesture (the call button's click) so the context may start. */
export function resumeAudio(): void {
  if (typeof AudioContext === 'undefined') return;
  const c = audioContext();
  if (c.state === 'suspended') void c.resume().catch(() => undefined);
}

/** A detached <audio> that plays the remote stream; resolves false when autoplay was blocked. */
let player: HTMLAudioElement | null = null;
export async function playRemoteAudio(stream: MediaStream | null): Promise<boolean> {
  if (!stream) {
    if (player) player.srcObject = null;
    return true;
  }
  player ??= new Audio();
  if (player.srcObject !== stream) player.srcObject = stream;
  try {
    await player.play();
    return true;
  } catch (err) {
    // AbortError: superseded by a newer srcObject, not a block.
    return (err as { name?: string }).name !== 'NotAllowedError';
  }
}
