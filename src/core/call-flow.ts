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
import { canTransition, isActive, type CallState, type StateReason } from './state.js';

export { INITIAL_FLOW, type Effect, type Flow, type FlowEvent } from './flow-types.js';

/** Errors about the relay link: they clear once the relay accepts us again. */
const RELAY_REASONS: readonly StateReason[] = ['room-full', 'relay-unreachable', 'unauthorized', 'bad-room'];

const IN_CALL: readonly CallState[] = ['waiting', 'connecting', 'connected', 'reconnecting'];

/** The peer whose server-assigned id sorts lower is the polite one. */
export const isPolite = (selfId: string | null, remoteId: string): boolean => (selfId ?? '') < remoteId;

/** Applies one event. Never mutates `flow`. */
export function step(flow: Flow, event: FlowEvent): [Flow, Effect[]] {
  const run = new Run(flow);
  run.apply(event);
  return [run.f, run.fx];
}

/** One step's working state: the flow so far and the effects in order. */
class Run {
  fx: Effect[] = [];
  constructor(public f: Flow) {}

  set(p: Partial<Flow>): void {
    this.f = { ...this.f, ...p };
  }

  /** Moves the state machine; a transition it does not allow is logged and refused (nothing else changes). */
  go(state: CallState, reason: StateReason = null, p: Partial<Flow> = {}): boolean {
    const from = this.f.state;
    if (from !== state && !canTransition(from, state)) {
      this.fx.push({ do: 'log', text: `refused transition ${from} → ${state}` });
      return false;
    }
    this.set({ ...p, state, reason });
    this.fx.push({ do: 'publish', flow: this.f });
    return true;
  }

  send(message: SignalMessage): void {
    this.fx.push({ do: 'send', message });
  }

  /** Our `ready`, once per call (to the peer waiting for us, if one is). */
  ready(): void {
    if (this.f.readySent || !this.f.relayConnected) return;
    this.set({ readySent: true });
    this.send(this.f.waitingPeer ? { type: 'ready', to: this.f.waitingPeer } : { type: 'ready' });
  }

  bye(): void {
    if (this.f.readySent) this.send({ type: 'bye' });
  }

  end(state: 'ended' | 'error', reason: StateReason): void {
    this.fx.push({ do: 'end' });
    this.set({ peerLeft: false, relinked: false, readySent: false, held: null, peerId: null });
    this.go(state, reason);
  }

  open(peer: string, offer: boolean): void {
    this.fx.push({ do: 'open', peer, offer });
    this.go('connecting', null, { peerLeft: false, peerId: peer });
  }

  /** An error about the relay clears once it accepts us (or we move to another one). */
  clearRelayError(): void {
    if (this.f.state === 'error' && RELAY_REASONS.includes(this.f.reason)) this.go('idle');
  }

  apply(e: FlowEvent): void {
    const f = this.f;
    const s = f.state;
    switch (e.type) {
      case 'click':
        if (isActive(s)) return;
        if (this.go('media', null, { kind: e.kind, peerId: null, held: [] })) this.ready();
        return;
      case 'media-failed':
        this.bye();
        return this.end('error', e.reason);
      case 'relay-failed':
        return this.end('error', e.reason);
      case 'media-ready': {
        this.go('waiting');
        this.ready();
        const held = this.f.held ?? [];
        this.set({ held: null });
        for (const [message, from] of held) this.apply({ type: 'message', message, from });
        return;
      }
      case 'hang-up':
        if (!isActive(s)) return;
        this.bye();
        return this.end('ended', 'hang-up');
      case 'relink':
        this.set({ relayConnected: false, selfId: null });
        return this.clearRelayError();
      case 'client-id':
        this.set({ selfId: e.id, relayConnected: true });
        this.clearRelayError();
        // After a relay reconnect in a 1:1 room, the one peer present is the person we talk to;
        // if nobody is back yet, the next peer-joined is (`relinked` stays set until then).
        if (f.peerId && e.peers.length > 0) {
          this.set({ peerLeft: false, relinked: false, peerId: e.peers.includes(f.peerId) ? f.peerId : (e.peers[0] ?? null) });
        }
        // Our id changed: anyone who missed our `ready` gets it again; what was sent to the old id is void.
        if (s === 'media' || s === 'waiting') {
          this.set({ readySent: false, held: f.held && [] });
          this.ready();
        }
        return;
      case 'disconnect':
        return this.set({ relayConnected: false, relinked: f.relinked || f.peerId !== null });
      case 'refused':
        if (s === 'idle' || s === 'ended' || s === 'error') this.go('error', e.reason);
        return;
      case 'unreachable':
        if (s === 'idle' || (s === 'error' && RELAY_REASONS.includes(f.reason))) this.go('error', 'relay-unreachable');
        return;
      case 'relay-error':
        this.fx.push({ do: 'log', text: `relay error ${e.code}` });
        // Our named `ready` reached a peer that had just left: whoever else comes must hear it.
        if (e.code === 'unknown-peer' && e.about === 'ready' && f.readySent && !f.peerId) {
          this.set({ waitingPeer: undefined, readySent: false });
          this.ready();
        }
        return;
      case 'peer-joined':
        // Same person back on a new socket (their relay link dropped, or the relay restarted).
        if (f.peerId && (f.peerLeft || f.relinked)) this.set({ peerLeft: false, relinked: false, peerId: e.id });
        return;
      case 'peer-left':
        this.set({
          waitingPeer: e.id === f.waitingPeer ? undefined : f.waitingPeer,
          held: f.held && f.held.filter(([, from]) => from !== e.id),
        });
        if (e.id !== f.peerId) return;
        if (s === 'connecting') {
          this.fx.push({ do: 'close' });
          this.go('waiting', null, { peerId: null });
        } else if (s === 'connected' || s === 'reconnecting') {
          // Media is peer-to-peer: while ICE is up the call goes on (their relay link may come back).
          if (e.iceUp) this.set({ peerLeft: true });
          else this.end('ended', 'remote-left');
        }
        return;
      case 'message':
        return this.message(e.message, e.from);
      case 'ice-up':
        if (s === 'connecting' || s === 'reconnecting') this.go('connected');
        return;
      case 'ice-down':
        if (s !== 'connected' && s !== 'reconnecting') return;
        if (f.peerLeft) return this.end('ended', 'remote-left');
        if (s === 'connected' && this.go('reconnecting')) this.fx.push({ do: 'arm' });
        return;
      case 'ice-failed':
        if (f.peerId) this.end('error', 'ice-failed');
        return;
      case 'timeout':
        if (s === 'connecting' || s === 'reconnecting') this.end('error', 'ice-failed');
        return;
    }
  }

  message(m: SignalMessage, from: string): void {
    const f = this.f;
    if (from === f.selfId) return;
    if (f.held) return this.set({ held: [...f.held, [m, from]] });
    const inCall = IN_CALL.includes(f.state);
    const current = f.peerId !== null && from === f.peerId;
    switch (m.type) {
      case 'ready':
        // Not in a call: they wait for us, and hear our `ready` when our user clicks.
        if (!inCall) this.set({ waitingPeer: from });
        if (!inCall || current) return;
        // A `ready` sent to us by name comes from a side that will not offer: it saw our `ready`
        // first, or it is the polite side of two crossing ones. So we offer, as the waiting side
        // does in the tutorial. A broadcast `ready` may have crossed ours (both clicked at once):
        // then only the impolite side offers and the polite one replies with a `ready` to it.
        // Either way ONE offer, never glare: after rolling its own offer back, Chromium 156
        // sometimes never gathers again on the polite side.
        if (!m.to && isPolite(f.selfId, from)) this.send({ type: 'ready', to: from });
        else this.open(from, true);
        return;
      case 'offer':
        // Never answer before our user asked for a call (no media, no consent).
        if (!inCall) return;
        if (!current) this.open(from, false);
        this.fx.push({ do: 'signal', message: m });
        if (!current) this.fx.push({ do: 'arm' });
        return;
      case 'answer':
      case 'candidate':
        if (!current) return;
        // Our offer is answered: from here on ICE has the connect timeout (not while they allow the camera).
        if (m.type === 'answer' && f.state === 'connecting') this.fx.push({ do: 'arm' });
        this.fx.push({ do: 'signal', message: m });
        return;
      case 'bye':
        if (from === f.waitingPeer) this.set({ waitingPeer: undefined });
        if (inCall && current) this.end('ended', 'remote-hang-up');
        return;
    }
  }
}
