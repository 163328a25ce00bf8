import { audioContext } from './audio.js';

/** One ring: two 0.4 s bursts 0.2 s apart, then silence, every 3 s (the British cadence on 440 + 480 Hz). */
const CYCLE = 3;
/** Scheduled ahead at once (no timer to keep alive): 2 minutes, as long as the relay keeps a call request open. */
const CYCLES = 40;

/**
 * Starts a phone's ring on the page's one AudioContext (or `ctx`) and returns what stops it at
 * once. Synthesized: two sine oscillators gated by one gain, no audio file. Where the browser
 * does not let the page make sound yet (autoplay policy), the context stays suspended and the
 * ring is silent; it never throws.
 */
export function ringtone(ctx: BaseAudioContext = audioContext()): () => void {
  try {
    if (ctx.state === 'suspended') (ctx as AudioContext).resume().catch(() => undefined);
    const gain = ctx.createGain();
    const g = gain.gain;
    g.value = 0;
    const burst = (t: number): void => {
      // A 10 ms time constant: no click at the edges.
      g.setTargetAtTime(0.1, t, 0.01);
      g.setTargetAtTime(0, t + 0.4, 0.01);
    };
    for (let i = 0, t0 = ctx.currentTime + 0.05; i < CYCLES; i++) {
      burst(t0 + i * CYCLE);
      burst(t0 + i * CYCLE + 0.6);
    }
    gain.connect(ctx.destination);
    const oscs = [440, 480].map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    return () => {
      for (const o of oscs) o.stop();
      gain.disconnect();
    };
  } catch {
    return () => undefined;
  }
}
