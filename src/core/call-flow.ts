/**
 * The call flow as a pure reducer: `step(flow, event) → [flow, effects]`. It decides what
 * rings, what we send (call request, accept, decline, cancel, bye), who offers, what is held
 * while the camera starts and how a call ends; the Phone carries the effects out. No timers,
 * no I/O: table-driven tests cover it (test/core/call-flow.test.ts).
 *
 * A call (protocol v2, docs/protocol.md): our click sends a call request (`ready` with the call
 * id we made) beside getUserMedia; the relay rings the room's idle members who take calls and
 * says how many (`ringing`). The first to accept is bound to us (`bound`, decided by the relay)
 * and we offer; its side holds our offer until its own camera is in, then answers. The caller
 * hears each decline; when all have declined, or nobody answers within the ring timeout, or the
 * relay finds nobody (`unavailable`) or nobody free (`busy`), the call ends with that reason.
 * Unless the page said `queue="off"`, the request asks to wait in the room's line instead of
 * `busy`: the relay says our place (`queued`), we show it (state `queued`, no ring timeout),
 * and when our turn comes the free desks ring (`ringing`) as for any request.
 * A call that rings here stops on the caller's `cancel` (missed; or answered elsewhere).
 */
import type { SignalMessage } from '../protocol/index.js';
import { CLEARED, HELD_MAX, IN_CALL, isPolite, MISSED_KEPT, type Effect, type Flow, type FlowEvent, type RingingCall } from './flow-types.js';
import { canTransition, isActive, isRelayReason, type CallState, type EndReason, type StateReason } from './state.js';

export { INITIAL_FLOW, isPolite, type Effect, type Flow, type FlowEvent, type RingingCall } from './flow-types.js';

/** Applies one event. Never mutates `flow`. (Closures rather than a class: they minify to less.) */
export function step(flow: Flow, event: FlowEvent): [Flow, Effect[]] {
  let f = flow;
  const fx: Effect[] = [];
  const set = (p: Partial<Flow>): void => void (f = { ...f, ...p });
  const send = (message: SignalMessage): void => void fx.push({ do: 'send', message });
  const publish = (): void => void fx.push({ do: 'publish', flow: f });

  /** Moves the state machine; a transition it does not allow is logged and refused (nothing else changes). */
  const go = (state: CallState, reason: StateReason = null, p: Partial<Flow> = {}): boolean => {
    const from = f.state;
    if (from !== state && !canTransition(from, state)) {
      fx.push({ do: 'log', text: `refused transition ${from} → ${state}` });
      return false;
    }
    set({ ...p, state, reason });
    publish();
    return true;
  };

  const end = (state: 'ended' | 'error', reason: StateReason): void => {
    fx.push({ do: 'end' });
    set(CLEARED);
    go(state, reason);
  };

  const open = (peer: string, offer: boolean, pre?: boolean): void => {
    fx.push({ do: 'open', peer, offer, ...(pre ? { pre } : {}) });
    go('connecting', null, { peerLeft: false, peerId: peer });
  };

  /** Our call request, while nobody has taken it. */
  const ringingOut = (): boolean => f.role === 'caller' && !f.boundPeer && (f.state === 'media' || f.state === 'waiting' || f.state === 'queued');

  /** Leaves the call we are in or placing: cancel while it only rings, else bye. */
  const leave = (): void => {
    if (!f.callId) return;
    if (ringingOut()) send({ type: 'cancel', call: f.callId, reason: 'hang-up' });
    else send({ type: 'bye' });
  };

  /** A call we place or take that nobody is bound into yet: a refusal ends it. */
  const attempt = (): boolean => !!f.callId && !f.boundPeer && (f.state === 'media' || f.state === 'waiting' || f.state === 'queued' || f.state === 'connecting');

  const request = (): void => {
    if (f.relayConnected && f.callId && f.kind) send({ type: 'ready', call: f.callId, kind: f.kind, ...(f.queue ? { queue: true } : {}) });
  };

  /** A call stops ringing here: `why` null = we declined it; the page shows the next one, if any. */
  const unring = (call: string, why: 'missed' | 'answered-elsewhere' | null, at: number): void => {
    const ring = f.rings.find((r) => r.call === call);
    if (!ring) return;
    const { from: _, ...info } = ring;
    set({
      rings: f.rings.filter((r) => r !== ring),
      missed: why === 'missed' ? [...f.missed, { ...info, at }].slice(-MISSED_KEPT) : f.missed,
    });
    if (f.state !== 'ringing') return;
    if (f.rings.length) publish();
    else if (why) go('ended', why);
    else go('idle');
  };

  const ring = (r: RingingCall): void => {
    if (f.rings.some((x) => x.call === r.call)) return;
    set({ rings: [...f.rings, r] });
    if (f.state === 'ringing') publish();
    else go('ringing');
  };

  const apply = (e: FlowEvent): void => {
    const was = f;
    const s = was.state;
    switch (e.type) {
      case 'click':
        if (isActive(s) || s === 'ringing') return;
        if (go('media', null, { ...CLEARED, kind: e.kind, role: 'caller', callId: e.call, held: [], queue: e.queue !== false })) {
          request();
          fx.push({ do: 'ring-timer' }, { do: 'media' });
        }
        return;
      case 'accept': {
        const head = was.rings[0];
        if (s !== 'ringing' || !head) return;
        send({ type: 'accept', call: head.call });
        if (go('media', null, { ...CLEARED, kind: head.kind, role: 'callee', callId: head.call, held: [], rings: [] })) fx.push({ do: 'media' });
        return;
      }
      case 'decline': {
        const head = was.rings[0];
        if (s !== 'ringing' || !head) return;
        send({ type: 'decline', call: head.call });
        return unring(head.call, null, 0);
      }
      case 'missed':
        set({ missed: [...f.missed, { call: e.call, kind: e.kind, name: e.name, at: e.at }].slice(-MISSED_KEPT) });
        return publish();
      case 'clear-missed':
        if (was.missed.length) set({ missed: [] }), publish();
        return;
      case 'ring-timeout':
        // In line the relay's QUEUE_WAIT bounds the wait; the ring timeout starts when the desks ring.
        if (!ringingOut() || was.place !== null) return;
        send({ type: 'cancel', call: was.callId!, reason: 'no-answer' });
        return end('ended', 'no-answer');
      case 'media-failed':
        leave();
        return end('error', e.reason);
      case 'relay-failed':
        return end('error', e.reason);
      case 'media-ready': {
        if (s !== 'media') return;
        if (was.role === 'caller' && was.boundPeer) open(was.boundPeer, true);
        else go(was.place === null ? 'waiting' : 'queued');
        const held = f.held ?? [];
        set({ held: null });
        for (const [message, from] of held) apply({ type: 'message', message, from, at: 0 });
        return;
      }
      case 'hang-up':
        if (!isActive(s)) return;
        leave();
        return end('ended', 'hang-up');
      case 'relink':
        set({ relayConnected: false, selfId: null, incoming: e.incoming, counts: { available: 0, busy: 0 } });
        if (s === 'error' && isRelayReason(was.reason)) go('idle');
        return;
      case 'client-id':
        set({ selfId: e.id, relayConnected: true, ...(e.presence ? { counts: e.presence } : {}) });
        if (s === 'error' && isRelayReason(was.reason)) go('idle');
        // What rang our old socket cannot be accepted on this one.
        if (was.rings.length) {
          set({ rings: [] });
          if (s === 'ringing') go('idle');
        }
        if (e.bound) apply({ type: 'bound', ...e.bound });
        // Our id changed: the request goes out again (the relay rings anew under the same call id).
        if (ringingOut()) request();
        return;
      case 'disconnect':
        return set({ relayConnected: false, relinked: was.relinked || was.peerId !== null });
      case 'refused':
        if (s === 'idle' || s === 'ended' || s === 'error') go('error', e.reason);
        // A call being placed or taken cannot go on without the relay: it ends now, not at the ring timeout.
        else if (attempt()) end('error', e.reason);
        return;
      case 'unreachable':
        if (s === 'idle' || (s === 'error' && isRelayReason(was.reason))) go('error', 'relay-unreachable');
        return;
      case 'relay-error': {
        // (The Phone logged it, with the relay's words.) About our request or accept: it names the
        // call, or (a refusal that names none, e.g. rate-limited) it is of the `ready` or `accept` we sent.
        const ours = e.call ? e.call === was.callId : e.about === 'ready' || e.about === 'accept';
        if (!ours || !attempt()) return;
        if ((e.code === 'unavailable' || e.code === 'busy') && ringingOut()) {
          // Both called at once and theirs rang us: take it instead (see `message`).
          const head = was.rings[0];
          if (head) return take(head);
          return end('ended', e.code);
        }
        // We waited in line until the relay closed our request (QUEUE_WAIT): nobody answered.
        if (e.code === 'call-ended' && was.place !== null && ringingOut()) return end('ended', 'no-answer');
        // Our accept came too late: someone else took the call, or its caller gave up.
        if ((e.code === 'answered-elsewhere' || e.code === 'call-ended') && was.role === 'callee')
          return end('ended', e.code === 'call-ended' ? 'missed' : 'answered-elsewhere');
        // Any other refusal ends the attempt at once with words for it, never a long "Calling…"
        // (nothing rings anywhere: the relay relayed nothing).
        return end('error', e.code === 'forbidden' ? 'forbidden' : 'refused');
      }
      case 'presence':
        set({ counts: e.counts });
        return publish();
      case 'ringing':
        if (e.call !== was.callId) return;
        set({ ringCount: e.count });
        if (was.place === null) return;
        // Our turn: the free desks ring now, for the ring timeout.
        set({ place: null });
        fx.push({ do: 'ring-timer' });
        if (s === 'queued') go('waiting');
        else publish();
        return;
      case 'queued':
        if (e.call !== was.callId || !ringingOut() || e.position === was.place) return;
        set({ place: e.position });
        if (s === 'waiting') go('queued');
        else publish();
        return;
      case 'bound':
        if (e.call !== was.callId) return;
        set({ boundPeer: e.peer, key: e.key, relinked: false, peerLeft: false, place: null });
        // The same person on a new socket (their link dropped, or the relay restarted).
        if (was.peerId) return set({ peerId: e.peer });
        if (was.role === 'caller' && (s === 'waiting' || s === 'queued')) open(e.peer, true);
        return publish();
      case 'peer-left':
        for (const r of was.rings) if (r.from === e.id) unring(r.call, 'missed', e.at);
        // What it sent while our camera started is void: it is gone (it may rejoin and send anew).
        if (f.held) set({ held: f.held.filter(([, from]) => from !== e.id) });
        if (e.id !== was.peerId) return;
        if (s === 'connecting') {
          fx.push({ do: 'close' });
          go('waiting', null, { peerId: null });
        } else if (s === 'connected' || s === 'reconnecting') {
          // Media is peer-to-peer: while ICE is up the call goes on (their relay link may come back). During
          // an ICE restart they may come back on a new socket of the same call (`bound`) until the connect
          // timeout, which then ends it remote-left (the window is connectTimeoutMs, inside REJOIN_MS).
          if (!e.iceUp && s === 'connected') return end('ended', 'remote-left');
          set({ peerLeft: true });
          if (e.iceUp) fx.push({ do: 'watch' });
        }
        return;
      case 'message':
        return message(e.message, e.from, e.at);
      case 'ice-up':
        if (s === 'connecting' || s === 'reconnecting') go('connected');
        return;
      case 'ice-down':
        if (s !== 'connected' && s !== 'reconnecting') return;
        if (was.peerLeft && s === 'connected') return end('ended', 'remote-left');
        if (s === 'connected' && go('reconnecting')) fx.push({ do: 'arm' });
        return;
      case 'ice-failed':
        if (was.peerId) end('error', 'ice-failed');
        return;
      case 'peer-silent':
        // Its socket left and its media stopped: the browser died (a rejoin would have cleared peerLeft).
        if (was.peerLeft && (s === 'connected' || s === 'reconnecting')) end('ended', 'remote-left');
        return;
      case 'adopt':
        if (s === 'waiting' && was.role === 'callee' && was.boundPeer) open(was.boundPeer, false, true);
        return;
      case 'timeout':
        if (s === 'connecting' || s === 'reconnecting') was.peerLeft ? end('ended', 'remote-left') : end('error', 'ice-failed');
        return;
    }
  };

  /** Both called at once: we take their call (one call, not two); ours is left to lapse. */
  const take = (r: RingingCall): void => {
    send({ type: 'accept', call: r.call });
    set({ role: 'callee', callId: r.call, ringCount: 0, declines: 0, rings: [] });
  };

  const message = (m: SignalMessage, from: string, at: number): void => {
    if (from === f.selfId) return;
    // A call request is never held: while ours rings out it may be the other half of a glare.
    // Held, up to a bound: a peer cannot fill our memory while our permission prompt is open.
    if (f.held && !(m.type === 'ready' && m.call)) return f.held.length < HELD_MAX ? set({ held: [...f.held, [m, from]] }) : undefined;
    const s = f.state;
    const inCall = IN_CALL.includes(s);
    const current = f.peerId !== null && from === f.peerId;
    switch (m.type) {
      case 'ready': {
        // Only call requests (with an id) ring; the relay turns a v1 client's `ready` into one.
        if (!m.call) return;
        const r: RingingCall = { call: m.call, kind: m.kind ?? 'video', name: m.name ?? '', from };
        if ((s === 'idle' || s === 'ended' || s === 'error' || s === 'ringing') && f.incoming) return ring(r);
        // Both called at once and theirs rang us while ours rings out: the polite side (lower id)
        // cancels its own and takes theirs; the other keeps its own, which the polite side takes,
        // unless the relay refuses it (busy: we were the one it would ring), then it takes theirs.
        if (ringingOut()) {
          if (!isPolite(f.selfId, from)) return set({ rings: [...f.rings, r] });
          send({ type: 'cancel', call: f.callId!, reason: 'hang-up' });
          take(r);
        }
        return;
      }
      case 'offer':
        // Never answer before our user asked for a call (no media, no consent), nor anyone but our peer.
        if (!inCall || (f.boundPeer && from !== f.boundPeer)) return;
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
        if (inCall && (current || from === f.boundPeer)) end('ended', 'remote-hang-up');
        return;
      case 'decline':
        if (m.call !== f.callId || !ringingOut()) return;
        set({ declines: f.declines + 1 });
        if (f.ringCount > 0 && f.declines >= f.ringCount) {
          send({ type: 'cancel', call: f.callId!, reason: 'hang-up' });
          end('ended', 'declined' satisfies EndReason);
        }
        return;
      case 'cancel':
        if (m.call) unring(m.call, m.reason === 'answered' ? 'answered-elsewhere' : 'missed', at);
        return;
    }
  };

  apply(event);
  return [f, fx];
}
