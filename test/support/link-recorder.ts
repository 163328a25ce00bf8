/**
 * Handlers for a relay link (src/core/relay-link.ts) that keep everything they are told, in
 * order, for tests to assert on: the real Socket.IO link and the in-memory FakeRelay alike.
 */
import type { SignalingHandlers } from '../../src/core/relay-link.js';
import type { BoundPayload, IceConfig, ClientIdPayload, ErrorPayload, FatalCode, PresencePayload, QueuedPayload, RingingPayload, SignalMessage } from '../../src/protocol/index.js';

export interface LinkRecord {
  ids: ClientIdPayload[];
  messages: Array<{ m: SignalMessage; from: string }>;
  joined: string[];
  left: string[];
  errors: ErrorPayload[];
  connectErrors: Array<FatalCode | null>;
  disconnects: number;
  presence: PresencePayload[];
  ringing: RingingPayload[];
  queued: QueuedPayload[];
  bound: BoundPayload[];
  ice: IceConfig[];
  handlers: SignalingHandlers;
}

export function linkRecorder(): LinkRecord {
  const r: LinkRecord = {
    ids: [],
    messages: [],
    joined: [],
    left: [],
    errors: [],
    connectErrors: [],
    disconnects: 0,
    presence: [],
    ringing: [],
    queued: [],
    bound: [],
    ice: [],
    handlers: {
      onClientId: (p) => void r.ids.push(p),
      onMessage: (m, from) => void r.messages.push({ m, from }),
      onPeerJoined: (id) => void r.joined.push(id),
      onPeerLeft: (id) => void r.left.push(id),
      onRelayError: (p) => void r.errors.push(p),
      onConnectError: (c) => void r.connectErrors.push(c),
      onDisconnect: () => void r.disconnects++,
      onPresence: (p) => void r.presence.push(p),
      onRinging: (p) => void r.ringing.push(p),
      onQueued: (p) => void r.queued.push(p),
      onBound: (p) => void r.bound.push(p),
      onIce: (c) => void r.ice.push(c),
    },
  };
  return r;
}
