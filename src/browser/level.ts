/** A microphone's level, 0–100, for the pre-call check's meter (the page's one AudioContext). */
import { audioContext } from './audio.js';

export interface Level {
  /** The level now: the RMS of the last 256 samples, scaled so speech fills most of the bar. */
  read(): number;
  stop(): void;
}

export function micLevel(stream: MediaStream): Level {
  const ctx = audioContext();
  // Called from the click that opened the check: the context may start.
  void ctx.resume().catch(() => undefined);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 256;
  const source = ctx.createMediaStreamSource(stream);
  source.connect(analyser);
  const buf = new Uint8Array(analyser.fftSize);
  return {
    read() {
      analyser.getByteTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += ((v - 128) / 128) ** 2;
      return Math.min(100, Math.round(Math.sqrt(sum / buf.length) * 400));
    },
    stop() {
      source.disconnect();
    },
  };
}
