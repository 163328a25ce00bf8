/**
 * The page's ONE phone, created on first use with the browser's real Socket.IO, fetch,
 * getUserMedia, RTCPeerConnection and audio output. A module singleton (not a window
 * global): every element imports it from here.
 */
import { Phone, type PhoneSnapshot } from '../core/phone.js';
import { playRemoteAudio } from './audio.js';
import { fetchIceConfig } from './ice-fetch.js';
import { fetchPresence } from './presence-fetch.js';
import { acquireMedia, acquireTrack } from './media.js';
import { connectSignaling } from './socket-link.js';
import { warmUp } from './warm-up.js';

/** The phone as the page has it: with the browser's MediaStream. */
export type BrowserPhone = Phone<MediaStream>;
/** What the elements read: the phone's snapshot with the browser's MediaStream. */
export type CallSnapshot = PhoneSnapshot<MediaStream>;

/**
 * Captured while the bundle's <script> runs: afterwards document.currentScript is
 * null. The relay serves the bundle, so its origin is the default relay URL.
 */
const loadedFrom: string = (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || import.meta.url;

export function defaultServer(): string {
  try {
    const u = new URL(loadedFrom);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : location.origin;
  } catch {
    return typeof location !== 'undefined' ? location.origin : '';
  }
}

let instance: BrowserPhone | null = null;

// Closing the tab or navigating away ends the call for the other side at once (a bye, or a
// cancel while it rings), instead of leaving it on a frozen picture until ICE gives up.
if (typeof addEventListener === 'function') addEventListener('pagehide', () => instance?.hangUp());
// A headset plugged in (or a camera unplugged): kinds on the default follow the new default.
globalThis.navigator?.mediaDevices?.addEventListener?.('devicechange', () => void instance?.media.devicesChanged());

/** The page's phone (named for the API it has kept since 0.1: `callController()`). */
export function callController(): BrowserPhone {
  return (instance ??= new Phone<MediaStream>({
    connectSignaling,
    fetchIce: (server) => fetchIceConfig(server),
    fetchPresence,
    getMedia: acquireMedia,
    getTrack: acquireTrack,
    createPeer: (config) => new RTCPeerConnection(config),
    newStream: () => new MediaStream(),
    playRemoteAudio,
    defaultServer: defaultServer(),
    warmUp,
    now: Date.now,
    // 96 random bits, URL-safe: a call id nobody can guess.
    newId: () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(12)))).replace(/\+/g, '-').replace(/\//g, '_'),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    log: (...a) => console.warn('[rtc-call]', ...a),
  }));
}
