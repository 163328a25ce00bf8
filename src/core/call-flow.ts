/**
 * The call flow as a pure reducer: `step(flow, event) → [flow, effects]`. It decides who
 * offers, what is held while the camera starts, when `ready` and `bye` go out and how a call
 * ends; the Phone carries the effects out (send, open or close the peer connection, tear down).
 * No timers, no I/O, no objects: table-driven tests cover it (test/core/call-flow.test.ts).
 *
 * Who offers: a side that clicked sends `ready`; whoever is already waiting offers, as in the
 * tutorial. Our `ready` goes out at the click, beside getUserMedia: the waiting side's offer and
 * candidates travel while the camera starts, and are held until it has (`held`). A side that
 * heard the other's `ready` while idle sends its own to that peer by name (`waitingPeer`), and
 * a named `ready` means "you offer". Two unnamed `ready`s crossing (both clicked at once) make
 * the impolite side offer and the polite one reply with a named `ready`: one offer either way,
 * also against the tutorial's client (which offers on `ready` and answers any offer). The peer
 * whose server-assigned id sorts LOWER is polite; real offer collisions (both restarting ICE)
 * are left to the Negotiator.
 */
import type { SignalMessage } from '../protocol.js';
import type { Effect, Flow, FlowEvent } from './flow-types.js';
import { canTransition, isActive, isRelayReason, type CallState, type StateReason } from './state.js';

export { INITIAL_FLOW, type Effect, type Flow, type FlowEvent } from './flow-types.js';


const IN_CALL: readonly CallState[] = ['waiting', 'connecting', 'connected', 'reconnecting'];

/** The peer whose server-assigned id sorts lower is the polite one. */
export const isPolite = (selfId: string | null, remoteId: string): boolean => (selfId ?? '') < remoteId;

/** Applies one event. Never mutates `flow`. (Closures rather than a class: they minify to less.) */
export function step(flow: Flow, event: FlowEvent): [Flow, Effect[]] {
  let f = flow;
  const fx: Effect[] = [];
  const set = (p: Partial<Flow>): void => void (f = { ...f, ...p });
  const send = (message: SignalMessage): void => void fx.push({ do: 'send', message });

  /** Moves the state machine; a transition it does not allow is logged and refused (nothing else changes). */
  const go = (state: CallState, reason: StateReason = null, p: Partial<Flow> = {}): boolean => {
    const from = f.state;
    if (from !== state && !canTransition(from, state)) {
      fx.push({ do: 'log', text: `refused transition ${from} → ${state}` });
      return false;
    }
    set({ ...p, state, reason });
    fx.push({ do: 'publish', flow: f });
    return true;
  };

  /** Our `ready`, once per call (to the peer waiting for us, if one is). */
  const ready = (): void => {
    if (f.readySent || !f.relayConnected) return;
    set({ readySent: true });
    send(f.waitingPeer ? { type: 'ready', to: f.waitingPeer } : { type: 'ready' });
  };

  const bye = (): void => {
    if (f.readySent) send({ type: 'bye' });
  };

  const end = (state: 'ended' | 'error', reason: StateReason): void => {
    fx.push({ do: 'end' });
    set({ peerLeft: false, relinked: false, readySent: false, held: null, peerId: null });
    go(state, reason);
  };

  const open = (peer: string, offer: boolean): void => {
    fx.push({ do: 'open', peer, offer });
    go('connecting', null, { peerLeft: false, peerId: peer });
  };

  const relayError = (): boolean => f.state === 'error' && isRelayReason(f.reason);

  const apply = (e: FlowEvent): void => {
    const was = f;
    const s = was.state;
    switch (e.type) {
      case 'click':
        if (!isActive(s) && go('media', null, { kind: e.kind, peerId: null, held: [] })) ready();
        return;
      case 'media-failed':
        bye();
        return end('error', e.reason);
      case 'relay-failed':
        return end('error', e.reason);
      case 'media-ready': {
        go('waiting');
        ready();
        const held = f.held ?? [];
        set({ held: null });
        for (const [message, from] of held) apply({ type: 'message', message, from });
        return;
      }
      case 'hang-up':
        if (!isActive(s)) return;
        bye();
        return end('ended', 'hang-up');
      case 'relink':
        set({ relayConnected: false, selfId: null });
        if (relayError()) go('idle');
        return;
      case 'client-id':
        set({ selfId: e.id, relayConnected: true });
        if (relayError()) go('idle');
        // After a relay reconnect in a 1:1 room, the one peer present is the person we talk to;
        // if nobody is back yet, the next peer-joined is (`relinked` stays set until then).
        if (was.peerId && e.peers.length > 0) {
          set({ peerLeft: false, relinked: false, peerId: e.peers.includes(was.peerId) ? was.peerId : (e.peers[0] ?? null) });
        }
        // Our id changed: anyone who missed our `ready` gets it again; what was sent to the old id is void.
        if (s === 'media' || s === 'waiting') {
          set({ readySent: false, held: was.held && [] });
          ready();
        }
        return;
      case 'disconnect':
        return set({ relayConnected: false, relinked: was.relinked || was.peerId !== null });
      case 'refused':
        if (s === 'idle' || s === 'ended' || s === 'error') go('error', e.reason);
        return;
      case 'unreachable':
        if (s === 'idle' || relayError()) go('error', 'relay-unreachable');
        return;
      case 'relay-error':
        fx.push({ do: 'log', text: `relay error ${e.code}` });
        // Our named `ready` reached a peer that had just left: whoever else comes must hear it.
        if (e.code === 'unknown-peer' && e.about === 'ready' && was.readySent && !was.peerId) {
          set({ waitingPeer: undefined, readySent: false });
          ready();
        }
        return;
      case 'peer-joined':
        // Same person back on a new socket (their relay link dropped, or the relay restarted).
        if (was.peerId && (was.peerLeft || was.relinked)) set({ peerLeft: false, relinked: false, peerId: e.id });
        return;
      case 'peer-left':
        set({
          waitingPeer: e.id === was.waitingPeer ? undefined : was.waitingPeer,
          held: was.held && was.held.filter(([, from]) => from !== e.id),
        });
        if (e.id !== was.peerId) return;
        if (s === 'connecting') {
          fx.push({ do: 'close' });
          go('waiting', null, { peerId: null });
        } else if (s === 'connected' || s === 'reconnecting') {
          // Media is peer-to-peer: while ICE is up the call goes on (their relay link may come back).
          if (e.iceUp) set({ peerLeft: true });
          else end('ended', 'remote-left');
        }
        return;
      case 'message':
        return message(e.message, e.from);
      case 'ice-up':
        if (s === 'connecting' || s === 'reconnecting') go('connected');
        return;
      case 'ice-down':
        if (s !== 'connected' && s !== 'reconnecting') return;
        if (was.peerLeft) return end('ended', 'remote-left');
        if (s === 'connected' && go('reconnecting')) fx.push({ do: 'arm' });
        return;
      case 'ice-failed':
        if (was.peerId) end('error', 'ice-failed');
        return;
      case 'timeout':
        if (s === 'connecting' || s === 'reconnecting') end('error', 'ice-failed');
        return;
    }
  };

  const message = (m: SignalMessage, from: string): void => {
    if (from === f.selfId) return;
    if (f.held) return set({ held: [...f.held, [m, from]] });
    const s = f.state;
    const inCall = IN_CALL.includes(s);
    const current = f.peerId !== null && from === f.peerId;
    switch (m.type) {
      case 'ready':
        // Not in a call: they wait for us, and hear our `ready` when our user clicks.
        if (!inCall) set({ waitingPeer: from });
        if (!inCall || current) return;
        // A `ready` sent to us by name comes from a side that will not offer: it saw our `ready`
        // first, or it is the polite side of two crossing ones. So we offer, as the waiting side
        // does in the tutorial. A broadcast `ready` may have crossed ours (both clicked at once):
        // then only the impolite side offers and the polite one replies with a `ready` to it.
        // Either way ONE offer, never glare: after rolling its own offer back, Chromium 156
        // sometimes never gathers again on the polite side.
        if (!m.to && isPolite(f.selfId, from)) send({ type: 'ready', to: from });
        else open(from, true);
        return;
      case 'offer':
        // Never answer before our user asked for a call (no media, no consent).
        if (!inCall) return;
        if (!current) open(from, false);
        fx.push({ do: 'signal', message: m });
        if (!current) fx.push({ do: 'arm' });
        return;
      case 'answer':
      case 'candidate':
        if (!current) return;
        // Our offer is answered: from here on ICE has the connect timeout (not while they allow the camera).
        if (m.type === 'answer' && s === 'connecting') fx.push({ do: 'arm' });
        fx.push({ do: 'signal', message: m });
        return;
      case 'bye':
        if (from === f.waitingPeer) set({ waitingPeer: undefined });
        if (inCall && current) end('ended', 'remote-hang-up');
        return;
    }
  };

  apply(event);
  return [f, fx];
}
