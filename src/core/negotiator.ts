/**
 * Perfect negotiation (W3C WebRTC spec §10.7, as in the WebRTC samples) over any
 * RTCPeerConnection-like object, with the pending-candidate queue. No DOM, no Lit, no Socket.IO:
 * its owner feeds it peer connection events and relayed messages, and it answers through `send`.
 * ICE recovery (restarts, their timers, the media watchdog) is beside it, in ice-recovery.ts.
 *
 * Politeness: the Phone decides it from the two server-assigned ids (the peer whose id sorts
 * LOWER is polite, see isPolite in call-flow.ts). The polite peer rolls back its own offer on
 * glare; the impolite one ignores the colliding offer.
 */
import { candidateMessage, toCandidateInit, type CandidateInit, type SignalMessage } from '../protocol/index.js';
import type { DescriptionLike, PeerConnectionLike } from './platform.js';

export type { DescriptionLike, PeerConnectionLike };

export interface NegotiatorOptions {
  pc: PeerConnectionLike;
  /** Asked at collision time, so a changed id (relay reconnect) is taken into account. */
  polite: () => boolean;
  send: (message: SignalMessage) => void;
  /** Negotiation errors that did not break the call (logged by the owner). */
  onError?: (err: unknown) => void;
}

/** Candidates kept while no matching remote description is set; a real call sends < 30. */
const MAX_PENDING = 100;

export class Negotiator {
  /** True while our own offer is being created and set (the glare window). */
  makingOffer = false;
  /** True after we (impolite) ignored a colliding offer; its candidates are then ignored too. */
  ignoreOffer = false;
  /**
   * Offers are only made once the owner allows it (the peer said `ready`)
   * or after a first offer/answer: answering an offer must never race an offer
   * of our own, because the tutorial's client does not handle glare.
   */
  offersAllowed = false;
  /** Remote candidates that arrived before a remote description they belong to. */
  readonly pending: CandidateInit[] = [];
  closed = false;
  #settingRemoteAnswer = false;
  #chain: Promise<void> = Promise.resolve();
  /**
   * The remote SDP we last set, kept here: reading pc.remoteDescription for every candidate
   * measurably delayed the start of ICE checks in Chromium (bench/RESULTS.md, call setup).
   */
  #remoteSdp: string | null = null;
  /** The last addIceCandidate handed to the peer connection (settled, never rejects). */
  #added: Promise<void> = Promise.resolve();
  readonly #opts: NegotiatorOptions;

  constructor(options: NegotiatorOptions) {
    this.#opts = options;
  }

  get pc(): PeerConnectionLike {
    return this.#opts.pc;
  }

  /**
   * We are the caller: offer now (our tracks are added) rather than one task later from
   * `negotiationneeded`, and let renegotiation offer from then on.
   */
  offer(): Promise<void> {
    this.offersAllowed = true;
    return this.onNegotiationNeeded();
  }

  /** Wire to `pc.onnegotiationneeded`. */
  async onNegotiationNeeded(): Promise<void> {
    // The event is queued; by the time it runs a remote offer (or our own) may be in progress.
    if (!this.offersAllowed || this.closed || this.makingOffer || this.pc.signalingState !== 'stable') return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const d = this.pc.localDescription;
      if (d && d.type === 'offer' && !this.closed) {
        this.#opts.send({ type: 'offer', sdp: d.sdp });
        this.offered();
      }
    } catch (err) {
      this.#opts.onError?.(err);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Our offer went out (ICE recovery times the answer to a restart offer). */
  protected offered(): void {}

  /** The peer offers after a first exchange: it renegotiates (for us, an ICE restart of its own). */
  protected peerOffered(): void {}

  /** Wire to `pc.onicecandidate`: each gathered candidate goes out; end-of-candidates (null / "") does not. */
  onLocalCandidate(c: CandidateInit | null): void {
    if (!this.closed && c?.candidate) this.#opts.send(candidateMessage(c));
  }

  /** Processes a validated offer / answer / candidate. */
  handleSignal(m: SignalMessage): Promise<void> {
    if (m.type === 'candidate') {
      // Not queued behind an offer being answered: a candidate of the remote description in place
      // (or being set) goes to the peer connection at once; one whose description has not arrived
      // yet waits in `pending`, handed over together with that description (see #process), so
      // ICE checks start as soon as our answer is set, as when a page calls addIceCandidate on
      // every arrival.
      if (!this.closed && this.pending.push(toCandidateInit(m)) > MAX_PENDING) this.pending.shift();
      this.#flushCandidates();
      return this.#added;
    }
    this.queue(() => this.#process(m));
    // Resolves once the candidates it handed over are applied; the chain does not wait for them.
    return this.#chain.then(() => this.#added);
  }

  /** Runs `task` after every description handed over before it, strictly in order. */
  protected queue(task: () => Promise<void>): void {
    this.#chain = this.#chain.then(task).catch((err: unknown) => this.#opts.onError?.(err));
  }

  /** An offer or an answer (the owner passes nothing else), strictly in arrival order. */
  async #process(m: SignalMessage): Promise<void> {
    const pc = this.pc;
    if (this.closed || (m.type !== 'offer' && m.type !== 'answer')) return;
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
    const collision = m.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.#opts.polite() && collision;
    if (this.ignoreOffer) return;
    // A stray answer (e.g. to an offer we rolled back) would throw; nothing to apply.
    if (m.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
    this.#settingRemoteAnswer = m.type === 'answer';
    if (m.type === 'offer' && this.offersAllowed) this.peerOffered();
    try {
      // For the polite peer on glare this rolls our offer back implicitly.
      const set = pc.setRemoteDescription({ type: m.type, sdp: m.sdp ?? '' });
      // Its candidates go to the peer connection now, queued behind it on its operations chain
      // (as a page that calls addIceCandidate on every arrival does): added once it is set, the
      // browser applied each one synchronously and blocked the page for up to 100 ms.
      const prev = this.#remoteSdp;
      this.#remoteSdp = m.sdp ?? '';
      this.#flushCandidates();
      await set.catch((err: unknown) => {
        this.#remoteSdp = prev;
        throw err;
      });
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (m.type === 'offer') {
      await pc.setLocalDescription();
      const d = pc.localDescription;
      if (d && !this.closed) this.#opts.send({ type: 'answer', sdp: d.sdp });
    }
    // One offer/answer done: renegotiation and ICE restarts may now offer.
    this.offersAllowed = true;
  }

  /** A candidate can be applied when a remote description exists and it belongs to it (ICE restart changes the ufrag). */
  #matchesRemote(c: CandidateInit): boolean {
    const rd = this.#remoteSdp;
    return rd !== null && (!c.usernameFragment || rd.includes(`a=ice-ufrag:${c.usernameFragment}`));
  }

  #flushCandidates(): void {
    for (const c of this.pending.splice(0)) {
      if (this.#matchesRemote(c)) this.#addCandidate(c);
      else this.pending.push(c);
    }
  }

  /**
   * Not awaited: the peer connection applies candidates in call order on its own operations
   * chain, and awaiting each one costs a main-thread turn per candidate while ICE comes up.
   */
  #addCandidate(c: CandidateInit): void {
    this.#added = this.pc.addIceCandidate(c).catch((err: unknown) => {
      // Candidates of an offer we ignored are expected to fail.
      if (!this.ignoreOffer) this.#opts.onError?.(err);
    });
  }

  /** Part of the owner's one teardown path: no more sends, pc closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    this.pc.close();
  }
}
