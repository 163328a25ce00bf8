/**
 * The page's ONE call controller, created on first use with the browser's real
 * Socket.IO, fetch, getUserMedia, RTCPeerConnection and audio output. A module
 * singleton (not a window global): every element imports it from here.
 */
import { CallController } from '../core/controller.js';
import { fetchIceConfig } from './ice-fetch.js';
import { warmUp } from './warm-up.js';
import { acquireMedia } from './media.js';
import { playRemoteAudio } from './audio.js';
import { connectSignaling } from './socket-link.js';

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

let instance: CallController | null = null;

export function callController(): CallController {
  return (instance ??= new CallController({
    connectSignaling,
    fetchIce: (server) => fetchIceConfig(server),
    getMedia: acquireMedia,
    createPeer: (config) => new RTCPeerConnection(config),
    playRemoteAudio,
    defaultServer: defaultServer(),
    warmUp,
  }));
}
