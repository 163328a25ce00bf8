/**
 * Preconnect while ringing (docs/widget.md#preconnect): the peer connections a ringing call
 * negotiates before anyone accepts, one per (call, peer). A ringing desk offers m-lines with
 * nothing to send, relay-only (its host and srflx addresses stay private until Accept); the
 * caller answers each (at most PRECONNECT_DESKS), ready to send. Accept turns one of them into
 * the call (take); the rest close at once (prune), and the call's end closes everything.
 */
import { PRECONNECT_DESKS, type SignalMessage } from '../protocol/index.js';
import type { PeerCall } from './peer-call.js';
import type { StreamLike } from './platform.js';

/** One preconnection; `pc` null: the relay refused it (it is not tried again for this ring). */
interface Pre<S extends StreamLike> {
  call: string;
  peer: string;
  pc: PeerCall<S> | null;
}

export class Preconnects<S extends StreamLike = StreamLike> {
  readonly #all = new Map<string, Pre<S>>();

  #key = (call: string, peer: string): string => `${call} ${peer}`;

  has(call: string | null, peer: string): boolean {
    return !!call && this.#all.has(this.#key(call, peer));
  }

  /** How many of `call` are open (the caller answers at most PRECONNECT_DESKS). */
  full(call: string): boolean {
    return [...this.#all.values()].filter((p) => p.call === call && p.pc).length >= PRECONNECT_DESKS;
  }

  add(call: string, peer: string, pc: PeerCall<S> | null): void {
    this.#all.set(this.#key(call, peer), { call, peer, pc });
  }

  /** A relayed offer/answer/candidate of a preconnection we hold: handed to it (resolves when applied). */
  signal(m: SignalMessage, from: string): Promise<void> | undefined {
    return m.call ? this.#all.get(this.#key(m.call, from))?.pc?.signal(m) : undefined;
  }

  /** The one that becomes the call (out of this set), if it is negotiated; else it closes. */
  take(call: string | null, peer: string, adopt: boolean): PeerCall<S> | null {
    if (!call) return null;
    const k = this.#key(call, peer);
    const pc = this.#all.get(k)?.pc ?? null;
    this.#all.delete(k);
    if (adopt && pc?.negotiated) return pc;
    pc?.close();
    return null;
  }

  ready(call: string | null, peer: string): boolean {
    return !!call && !!this.#all.get(this.#key(call, peer))?.pc?.negotiated;
  }

  /** The relay refused a message of `call`: its preconnections close (and are not tried again). */
  refused(call: string): void {
    for (const p of this.#all.values()) if (p.call === call) p.pc?.close(), (p.pc = null);
  }

  /** Closes (and forgets) every preconnection `keep` says no to. */
  prune(keep: (call: string, peer: string) => boolean): void {
    for (const [k, p] of this.#all) if (!keep(p.call, p.peer)) p.pc?.close(), this.#all.delete(k);
  }
}
