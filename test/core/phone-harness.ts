/** The Phone on the fake relay with fake media and fake peer connections, shared by the core's phone tests. */
import assert from 'node:assert/strict';
import { Phone, type PhoneDeps, type PhoneSnapshot } from '../../src/core/phone.js';
import type { CallKind } from '../../src/core/state.js';
import type { ConnectSignaling } from '../../src/core/relay-link.js';
import { FakePeer, FakeRelay, FakeStream, FakeTrack, nodeTimers, settle } from './fakes.js';

export let ids = 0;

export interface Harness {
  c: Phone<FakeStream>;
  peers: FakePeer[];
  streams: FakeStream[];
  states: string[];
  logs: unknown[][];
  /** Tracks made for switches mid-call (getTrack), in order. */
  made: FakeTrack[];
}

/** A controller on the fake relay with fake media and fake peer connections (pure logic only). */
export function make(relay: FakeRelay, opts: { room?: string; media?: (k: CallKind) => Promise<FakeStream>; connectTimeoutMs?: number; fetchFails?: boolean; warmUp?: () => void; connect?: ConnectSignaling; onFetch?: () => void; defaultLabel?: () => string; trackFails?: boolean; name?: string; presence?: () => Promise<{ available: number; busy: number }>; now?: () => number } = {}): Harness {
  const made: FakeTrack[] = [];
  const peers: FakePeer[] = [];
  const streams: FakeStream[] = [];
  const logs: unknown[][] = [];
  const deps: PhoneDeps<FakeStream> = {
    connectSignaling: opts.connect ?? relay.connect,
    fetchIce: async () => {
      opts.onFetch?.();
      if (opts.fetchFails) throw new Error('down');
      return { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'all', ttl: 600 };
    },
    getMedia: async (kind) => {
      const s = opts.media ? await opts.media(kind) : new FakeStream(kind === 'video' ? ['audio', 'video'] : ['audio']);
      streams.push(s);
      return s;
    },
    ...(opts.presence ? { fetchPresence: opts.presence } : {}),
    getTrack: async (kind, id) => {
      if (opts.trackFails) throw Object.assign(new Error('gone'), { name: 'NotFoundError' });
      const t = new FakeTrack(kind === 'screen' ? 'video' : kind, kind === 'screen' ? 'screen' : (id ?? opts.defaultLabel?.() ?? `${kind} default`));
      made.push(t);
      return t;
    },
    createPeer: (config) => {
      const pc = new FakePeer(undefined, config);
      peers.push(pc);
      return pc;
    },
    playRemoteAudio: async () => true,
    ...(opts.warmUp ? { warmUp: opts.warmUp } : {}),
    log: (...a) => logs.push(a),
    newStream: () => new FakeStream([]),
    now: opts.now ?? Date.now,
    newId: () => `call${++ids}`,
    // Calls left connecting at the end of a test must not keep node alive.
    ...nodeTimers,
  };
  const c = new Phone(deps, { connectTimeoutMs: opts.connectTimeoutMs ?? 5000, relayWaitMs: 200 });
  const states: string[] = [];
  c.subscribe((s: PhoneSnapshot<FakeStream>) => {
    const label = s.reason ? `${s.state}:${s.reason}` : s.state;
    if (states.at(-1) !== label) states.push(label);
  });
  c.configure({ server: 'http://relay.test', room: opts.room ?? 'r1', ...(opts.name ? { name: opts.name } : {}) });
  return { c, peers, streams, states, logs, made };
}

export const connectIce = (h: Harness): void => h.peers.at(-1)?.setIce('connected');

/**
 * A calls, B's page rings and B accepts (once the ring arrived): the call that the widget makes
 * in protocol 2. `settleBetween` false: B accepts as soon as its page rings, before A's camera is in.
 */
export async function ringCall(kind: CallKind, settleBetween = true, opts: { a?: Parameters<typeof make>[1]; b?: Parameters<typeof make>[1] } = {}): Promise<{ relay: FakeRelay; a: Harness; b: Harness }> {
  const relay = new FakeRelay();
  const a = make(relay, { ...opts.a });
  const b = make(relay, { ...opts.b });
  await settle();
  const placed = a.c.startCall(kind);
  if (settleBetween) await placed;
  await settle();
  assert.equal(b.c.snapshot.state, 'ringing', 'the callee rings');
  await b.c.accept();
  await placed;
  await settle();
  return { relay, a, b };
}

export const types = (relay: FakeRelay, re = /./): string[] => relay.sent.map((x) => `${x.from}:${x.message.type}`).filter((t) => re.test(t));

