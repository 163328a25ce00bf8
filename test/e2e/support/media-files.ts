/**
 * Media files a test generates for Chromium's file-fed fake devices
 * (`--use-file-for-fake-video-capture=F.y4m`, `--use-file-for-fake-audio-capture=F.wav`):
 * a solid colour and a sine of a known frequency, so what the other side decodes can be
 * told apart from Chromium's own fake camera (a green pattern) and microphone (beeps).
 * Pure Node: no ffmpeg.
 */
import { writeFileSync } from 'node:fs';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** BT.601 limited range, what browsers assume for an untagged Y4M/I420 frame. */
function yuv({ r, g, b }: Rgb): { y: number; u: number; v: number } {
  const c = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  return {
    y: c(16 + 0.257 * r + 0.504 * g + 0.098 * b),
    u: c(128 - 0.148 * r - 0.291 * g + 0.439 * b),
    v: c(128 + 0.439 * r - 0.368 * g - 0.071 * b),
  };
}

/**
 * A YUV4MPEG2 (4:2:0) file of `frames` identical frames of one colour. Chromium loops the
 * file, so a few frames are enough; width and height must be even.
 */
export function writeSolidY4m(path: string, o: { width: number; height: number; fps: number; frames: number; color: Rgb }): void {
  const { width: w, height: h } = o;
  if (w % 2 || h % 2) throw new Error('y4m 4:2:0 needs an even width and height');
  const { y, u, v } = yuv(o.color);
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F${o.fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frame = Buffer.concat([
    Buffer.from('FRAME\n', 'ascii'),
    Buffer.alloc(w * h, y),
    Buffer.alloc((w / 2) * (h / 2), u),
    Buffer.alloc((w / 2) * (h / 2), v),
  ]);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: o.frames }, () => frame)]));
}

/** A mono 16-bit PCM WAV holding a sine of `hz` (amplitude 0–1; 0 gives silence). */
export function writeSineWav(path: string, o: { hz: number; seconds: number; sampleRate?: number; amplitude?: number }): void {
  const rate = o.sampleRate ?? 48_000;
  const n = Math.round(rate * o.seconds);
  const amp = (o.amplitude ?? 0.5) * 32767;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * o.hz * i) / rate)), i * 2);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVE', 8, 'ascii');
  head.write('fmt ', 12, 'ascii');
  head.writeUInt32LE(16, 16); // fmt chunk size
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28); // bytes per second
  head.writeUInt16LE(2, 32); // block align
  head.writeUInt16LE(16, 34); // bits per sample
  head.write('data', 36, 'ascii');
  head.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([head, data]));
}
