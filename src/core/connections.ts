/**
 * The Phone's peer connections: the call's (at most one, with our tracks) and the preconnections
 * of the calls that ring. `open` makes the call's (or adopts its negotiated preconnection),
 * `follow` opens and prunes preconnections after every step of the flow, `signal` routes a
 * preconnection's offer, answer or candidate, `close` ends the call's.
 *
 * Preconnect while ringing (docs/widget.md#preconnect): the peer connections a ringing call
 * negotiates before anyone accepts, one per (call, peer). A ringing desk offers m-lines with
 * nothing to send, relay-only (its host and srflx addresses stay private until Accept); the
 * caller answers each (at most PRECONNECT_DESKS), ready to send. Accept turns one of them into
 * the call (open with adopt); the rest close at once (follow), and the call's end closes everything.
 */
import { PRECONNECT_DESKS, type IceConfig, type SignalMessage } from '../protocol/index.js';
import { isPolite, type Flow, type FlowEvent } from './call-flow.js';
import { PeerCall, type PeerCallOptions } from './peer-call.js';
import type { CallConfig, PhoneDeps, PhoneTimings } from './phone-types.js';
import type { PeerConfig, StreamLike } from './platform.js';
import type { RelaySession } from './relay-session.js';
import { isActive } from './state.js';

/** What the connections read of the Phone, and tell it. */
export interface ConnectionsOwner<S extends StreamLike> {
  flow(): Flow;
  config(): CallConfig | null;
  dispatch(e: FlowEvent): void;
  /** The call's remote stream gained a track; null: the call's connection closed. */
  remote(stream: S | null): void;
}

/** One preconnection; `pc` null: the relay refused it (it is not tried again for this ring). */
interface Pre<S extends StreamLike> {
  call: string;
  peer: string;
  pc: PeerCall<S> | null;
}

export class Connections<S extends StreamLike = StreamLike> {
  /** The call's peer connection. */
  call: PeerCall<S> | null = null;
  /** The preconnections, by `${call} ${peer}`. */
  readonly #preconnections = new Map<string, Pre<S>>();
  readonly #deps: PhoneDeps<S>;
  readonly #timings: PhoneTimings;
  readonly #relay: RelaySession;
  readonly #owner: ConnectionsOwner<S>;

  constructor(deps: PhoneDeps<S>, timings: PhoneTimings, relay: RelaySession, owner: ConnectionsOwner<S>) {
    this.#deps = deps;
    this.#timings = timings;
    this.#relay = relay;
    this.#owner = owner;
  }

  #preconnection(call: string | null, peer: string): Pre<S> | undefined {
    return this.#preconnections.get(`${call} ${peer}`);
  }

  #add(call: string, peer: string, pc: PeerCall<S> | null): void {
    this.#preconnections.set(`${call} ${peer}`, { call, peer, pc });
  }

  /** Preconnect is on, and the relay hands out TURN (the ringing side offers relay candidates only). */
  #preOn(ice: IceConfig | undefined): ice is IceConfig {
    return this.#owner.config()?.preconnect !== false && !!ice?.iceServers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)));
  }

  /**
   * Preconnections follow the flow: one for each call that rings here (offered relay-only), and
   * the current call's with its peer until it binds; any other closes at once. Then a callee
   * that is bound, has its camera and holds a negotiated one with its peer, adopts it.
   */
  follow(): void {
    const f = this.#owner.flow();
    const keep = ({ call, peer }: Pre<S>): boolean =>
      f.rings.some((r) => r.call === call && r.from === peer) || (call === f.callId && isActive(f.state) && (!f.boundPeer || f.boundPeer === peer));
    for (const [k, p] of this.#preconnections) if (!keep(p)) p.pc?.close(), this.#preconnections.delete(k);
    const ice = this.#relay.cachedIce;
    if (this.#preOn(ice))
      for (const r of f.rings)
        if (!this.#preconnection(r.call, r.from)) {
          const pc = this.#make(r.from, { iceServers: ice.iceServers, iceTransportPolicy: 'relay' }, null, r.kind, r.call);
          this.#add(r.call, r.from, pc);
          pc.offer();
        }
    if (f.role === 'callee' && f.state === 'waiting' && f.boundPeer && this.#preconnection(f.callId, f.boundPeer)?.pc?.negotiated) this.#owner.dispatch({ type: 'adopt' });
  }

  /**
   * An offer, answer or candidate of a preconnection (it carries `call`, and is not from the
   * peer of our call): to its preconnection, or dropped. A desk's offer while our request rings
   * opens one (the relay lets only the first desks through; we take at most PRECONNECT_DESKS).
   */
  signal(m: SignalMessage, from: string): boolean {
    const f = this.#owner.flow();
    const t = m.type;
    const call = m.call;
    if (!call || (t !== 'offer' && t !== 'answer' && t !== 'candidate') || (this.call && from === f.peerId)) return false;
    const ice = this.#relay.cachedIce;
    // The caller answers at most PRECONNECT_DESKS desks (those the relay did not refuse).
    const open = [...this.#preconnections.values()].filter((p) => p.call === call && p.pc).length;
    if (t === 'offer' && f.role === 'caller' && call === f.callId && !f.boundPeer && !this.#preconnection(call, from) && open < PRECONNECT_DESKS && this.#preOn(ice))
      this.#add(call, from, this.#make(from, this.peerConfig(ice), null, 'answer', call));
    void this.#preconnection(call, from)?.pc?.signal(m).then(() => this.follow());
    return true;
  }

  /** The relay refused a message of `call`'s preconnections: they close (and are not tried again). */
  refused(call: string): void {
    for (const p of this.#preconnections.values()) if (p.call === call) p.pc?.close(), (p.pc = null);
  }

  /**
   * A peer connection with `peer` and its wiring; it reports to the Phone only once it is the call.
   * `pre`: a preconnection of `call` (its messages carry the call id and go to `peer` only).
   */
  #make(peer: string, config: PeerCallOptions<S>['config'], local: S | null, pre?: PeerCallOptions<S>['pre'], call?: string): PeerCall<S> {
    const relay = this.#relay;
    const send = (m: SignalMessage): void => relay.send(call ? { ...m, call, to: peer } : m);
    const pc: PeerCall<S> = new PeerCall<S>(this.#deps, this.#timings, {
      config,
      local,
      ...(pre ? { pre } : {}),
      polite: () => {
        const f = this.#owner.flow();
        return isPolite(f.selfId, (this.call === pc && f.peerId) || peer);
      },
      send,
      onEvent: (e) => {
        if (this.call !== pc) return;
        // A restart is coming: it gathers with fresh TURN credentials (stale ones are fetched anew and
        // reach the call through the session's `ice`).
        if (e.type === 'ice-down') void relay.iceConfig().catch(() => undefined);
        this.#owner.dispatch(e);
      },
      onRemoteStream: (stream) => this.call === pc && this.#owner.remote(stream),
    });
    return pc;
  }

  /**
   * The call's peer connection with `peer` (replacing any other), with our tracks (`local`). `adopt`: the
   * call's negotiated preconnection with `peer`, if there is one, becomes it: our tracks go out
   * on it (no new offer), and the ringing side reveals its other candidates now (ICE restart).
   */
  open(peer: string, offer: boolean, adopt: boolean, local: S | null): void {
    const f = this.#owner.flow();
    const relay = this.#relay;
    // The call's preconnection with `peer` leaves the set: it becomes the call if negotiated, else it closes.
    const p = this.#preconnection(f.callId, peer)?.pc;
    this.#preconnections.delete(`${f.callId} ${peer}`);
    const pre = adopt && p?.negotiated ? p : (p?.close(), null);
    this.close();
    const call = (this.call = pre ?? this.#make(peer, this.peerConfig(relay.cachedIce), local));
    relay.keepFresh(true);
    if (!pre) return void (offer && call.offer());
    void call.attach(local);
    if (f.role === 'callee') call.reveal(this.peerConfig(relay.cachedIce));
    if (call.remote) this.#owner.remote(call.remote);
    call.arm();
    // Usually up already: the flow hears it after this step.
    this.#deps.setTimer(() => call.recheck(), 0);
  }

  /** The peer connection's configuration: the relay's ICE servers, its policy unless the page overrides it. */
  peerConfig(ice: IceConfig | undefined): PeerConfig {
    return { iceServers: ice?.iceServers ?? [], iceTransportPolicy: this.#owner.config()?.icePolicy ?? ice?.iceTransportPolicy ?? 'all' };
  }

  /** Closes the call's peer connection (the preconnections follow the flow). */
  close(): void {
    this.call?.close();
    this.call = null;
    this.#relay.keepFresh(false);
    this.#owner.remote(null);
  }
}
