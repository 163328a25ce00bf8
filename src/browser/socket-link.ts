/**
 * The relay link over Socket.IO: typed with the protocol's event maps, every inbound
 * `message` checked with `checkMessage` before the core sees it.
 */
import { io, type Socket } from 'socket.io-client';
import { LIMITS, checkMessage, fatalCode, parseIceConfig, parsePresence, type BoundPayload, type IceConfig, type ClientToServerEvents, type ServerToClientEvents, type SignalMessage } from '../protocol/index.js';
import type { ConnectSignaling } from '../core/relay-link.js';

/** An untrusted ICE configuration checked against the schema, or undefined. */
const iceOf = (x: unknown): IceConfig | undefined => {
  try {
    return parseIceConfig(x);
  } catch {
    return undefined;
  }
};

const isBound = (p: BoundPayload | null | undefined): p is BoundPayload =>
  typeof p?.call === 'string' && typeof p.peer === 'string' && typeof p.key === 'string' && p.peer.length <= LIMITS.maxIdLength;

export const connectSignaling: ConnectSignaling = (url, auth, h) => {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    // WebSocket first (one round trip less), long-polling when a proxy blocks it.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    // Read at every (re)connect: the phone adds the rejoin call and key once a call is bound.
    auth: (cb) => cb({ ...auth }),
    forceNew: true,
    reconnectionDelayMax: 5000,
  });
  let fatal = false;
  let closed = false;
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Only when Socket.IO itself has stopped trying (`active` false): connect() on a socket whose
  // handshake is in flight sends a second CONNECT, and the relay makes a second socket of it.
  const later = (ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => !closed && !socket.active && socket.connect(), ms);
  };

  socket.on('client-id', (p) => {
    if (!p || typeof p.id !== 'string') return;
    const { presence: pr, bound, ice, ...rest } = p;
    // ICE servers that are not a configuration: as if none came (/ice-servers is the fallback).
    const iceOk = ice && iceOf(ice);
    const presence = parsePresence(pr);
    h.onClientId({
      ...rest,
      peers: Array.isArray(p.peers) ? p.peers : [],
      ...(iceOk ? { ice: iceOk } : {}),
      ...(presence && { presence }),
      ...(isBound(bound) ? { bound } : {}),
    });
  });
  socket.on('message', (raw) => {
    const m = checkMessage(raw);
    const from = (raw as { from?: unknown } | null)?.from;
    if (Array.isArray(m) || typeof from !== 'string' || from.length > LIMITS.maxIdLength) {
      console.warn('[rtc-call] dropped message:', Array.isArray(m) ? m : 'bad from');
      return;
    }
    h.onMessage(m as SignalMessage, from);
  });
  socket.on('peer-joined', (p) => typeof p?.id === 'string' && h.onPeerJoined?.(p.id));
  socket.on('presence', (p) => parsePresence(p) && h.onPresence(p));
  socket.on('ringing', (p) => typeof p?.call === 'string' && Number.isInteger(p.count) && h.onRinging({ call: p.call, count: p.count }));
  socket.on('queued', (p) => typeof p?.call === 'string' && Number.isInteger(p.position) && p.position > 0 && h.onQueued({ call: p.call, position: p.position }));
  socket.on('bound', (p) => isBound(p) && h.onBound({ call: p.call, peer: p.peer, key: p.key }));
  socket.on('peer-left', (p) => typeof p?.id === 'string' && h.onPeerLeft(p.id));
  socket.on('error', (p) => {
    if (fatalCode(p?.code)) fatal = true;
    h.onRelayError(p);
  });
  socket.on('connect_error', (err) => {
    // Middleware refusals arrive as connect_error with the code as message (or in data).
    const code = fatalCode(err.message) ?? fatalCode((err as { data?: { code?: unknown } }).data?.code);
    if (code) fatal = true;
    h.onConnectError(code);
    // A refusal by the relay's checks (too-many, shutting-down) ends Socket.IO's own retries
    // (`active` false): retry ourselves, backing off to 30 s, unless it was fatal.
    if (!code && !socket.active && !closed) later(Math.min(30e3, 1e3 * 2 ** tries++) * (0.5 + Math.random()));
  });
  socket.on('connect', () => void (tries = 0));
  socket.on('missed', (p) => typeof p?.call == 'string' && typeof p.name == 'string' && h.onMissed?.({ call: p.call, kind: p.kind == 'voice' ? 'voice' : 'video', name: p.name.slice(0, LIMITS.maxNameLength), from: '' }));
  socket.on('ice', (c) => {
    const ice = iceOf(c);
    if (ice) h.onIce(ice);
    else console.warn('[rtc-call] dropped ice: not an ICE configuration');
  });
  socket.on('disconnect', (reason) => {
    h.onDisconnect();
    // Socket.IO does not reconnect after a server-side disconnect; a relay shutting down
    // (rolling restart) does that, so we come back on our own unless we were refused.
    if (reason === 'io server disconnect' && !fatal && !closed) later(500 + Math.random() * 1000);
  });

  return {
    send: (m) => {
      if (socket.connected) socket.emit('message', m);
    },
    close: () => {
      closed = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.disconnect();
    },
    requestIce: () => void (socket.connected && socket.emit('ice')),
    control: (e, p) => void (socket.connected && (socket.emit as (e: string, p: unknown) => void)(e, p)),
    retry: () => !fatal && later(0),
  };
};
