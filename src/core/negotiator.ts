/**
 * Perfect negotiation (W3C WebRTC spec §10.7 / webrtc samples) over any
 * RTCPeerConnection-like object, plus the pending-candidate queue and the ICE
 * restart policy. No DOM, no Lit, no Socket.IO: the controller feeds it peer
 * connection events and relayed messages, and it answers through `send`.
 *
 * Politeness: the controller decides it from the two server-assigned ids (the
 * peer whose id sorts LOWER is polite, see controller.ts). The polite peer rolls
 * back its own offer on glare; the impolite one ignores the colliding offer.
 */
import { candidateMessage, toCandidateInit, type CandidateInit, type SignalMessage } from '../protocol/index.js';
import type { DescriptionLike, PeerConnectionLike, StatsLike, Timers } from './platform.js';

export type { DescriptionLike, PeerConnectionLike };

export interface NegotiatorOptions extends Timers {
  pc: PeerConnectionLike;
  /** Asked at collision time, so a changed id (relay reconnect) is taken into account. */
  polite: () => boolean;
  send: (message: SignalMessage) => void;
  /** ICE reached connected/completed (first time or after a restart). */
  onConnected: () => void;
  /** ICE is disconnected or failed and a restart is pending / under way. */
  onInterrupted: () => void;
  /** ICE failed and `maxRestarts` restarts did not bring it back. */
  onFailed: () => void;
  /** Negotiation errors that did not break the call (logged by the controller). */
  onError?: (err: unknown) => void;
  /** How long ICE may stay `disconnected` before we restart it (it often recovers alone). */
  disconnectedRestartMs?: number;
  maxRestarts?: number;
}

/** Candidates kept while no matching remote description is set; a real call sends < 30. */
const MAX_PENDING = 100;

export class Negotiator {
  /** True while our own offer is being created and set (the glare window). */
  makingOffer = false;
  /** True after we (impolite) ignored a colliding offer; its candidates are then ignored too. */
  ignoreOffer = false;
  /**
   * Offers are only made once the controller allows it (the peer said `ready`)
   * or after a first offer/answer: answering an offer must never race an offer
   * of our own, because the tutorial's client does not handle glare.
   */
  offersAllowed = false;
  /** Remote candidates that arrived before a remote description they belong to. */
  readonly pending: CandidateInit[] = [];
  restarts = 0;
  closed = false;
  #settingRemoteAnswer = false;
  /** Local candidates gathered in the current ICE generation. */
  #gathered = 0;
  #chain: Promise<void> = Promise.resolve();
  /**
   * The remote SDP we last set, kept here: reading pc.remoteDescription for every candidate
   * measurably delayed the start of ICE checks in Chromium (bench/RESULTS.md, call setup).
   */
  #remoteSdp: string | null = null;
  /** The last addIceCandidate handed to the peer connection (settled, never rejects). */
  #added: Promise<void> = Promise.resolve();
  #disconnectTimer: unknown = null;
  /** An ICE restart is under way (from restart() until ICE is connected again). */
  #restarting = false;
  /** Gatherings in a row that found no candidate at all. */
  #empty = 0;
  /** Our restart offer's answer timeout (retried with backoff), and how many times it fired. */
  #retryTimer: unknown = null;
  #retries = 0;
  /** The media watchdog's timer while ICE is up (see #watch). */
  #watchTimer: unknown = null;
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
        // A restart offer lost on the way (relay down, peer between sockets) must not leave us in
        // have-local-offer for good: roll it back and offer again, after 2, 4, then 8 s.
        if (this.#restarting) this.#retryTimer = this.#opts.setTimer(() => this.#reoffer(), 2000 << Math.min(2, this.#retries++));
      }
    } catch (err) {
      this.#opts.onError?.(err);
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * Wire to `pc.onicecandidate`; end-of-candidates (null / "") is not sent. Gathering that
   * ends with NO candidate (TURN refused us under a relay-only policy, no usable interface)
   * can never connect: fail now instead of at the connect timeout.
   */
  onLocalCandidate(c: CandidateInit | null): void {
    if (this.closed) return;
    if (!c || !c.candidate) {
      // Gathering found nothing (TURN down or refusing us, no usable interface): gather again in
      // 2 s while ICE is not up, four times; the fifth empty gathering in a row fails the call.
      // A TURN server back after a restart is found; one that refuses us fails in about 10 s.
      if (!c && this.#gathered === 0)
        if (++this.#empty > 4) this.#opts.onFailed();
        else this.#opts.setTimer(() => this.closed || this.#up() || this.pc.restartIce(), 2000);
      return;
    }
    this.#gathered++;
    this.#empty = 0;
    this.#opts.send(candidateMessage(c));
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
    const run = this.#chain.then(() => this.#process(m));
    this.#chain = run.catch((err: unknown) => this.#opts.onError?.(err));
    // Resolves once the candidates it handed over are applied; the chain does not wait for them.
    return this.#chain.then(() => this.#added);
  }

  /** An offer or an answer (the controller passes nothing else), strictly in arrival order. */
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
    // The peer restarts ICE (a renegotiation): ours would be a second restart on top of it.
    if (m.type === 'offer' && this.offersAllowed) this.#restarting = true;
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

  /** Wire to `pc.oniceconnectionstatechange`. */
  onIceConnectionStateChange(): void {
    if (this.closed) return;
    const s = this.pc.iceConnectionState;
    if (this.#up()) {
      this.#watch();
      this.#back();
    } else if (s === 'disconnected') {
      this.#opts.onInterrupted();
      if (this.#disconnectTimer === null && !this.#restarting) {
        const set = (fn: () => void, ms: number): unknown => this.#opts.setTimer(fn, ms);
        this.#disconnectTimer = set(() => {
          this.#disconnectTimer = null;
          if (!this.closed && this.pc.iceConnectionState === 'disconnected') this.restart();
        }, this.#opts.disconnectedRestartMs ?? 3000);
      }
    } else if (s === 'failed') {
      this.#clearTimers();
      this.restart();
    }
  }

  /** ICE restart through negotiationneeded (both sides may do it at once: glare is handled). */
  restart(): void {
    if (this.closed) return;
    if (this.restarts >= (this.#opts.maxRestarts ?? 2)) {
      this.#opts.onFailed();
      return;
    }
    this.restarts++;
    this.#gathered = 0;
    this.#restarting = this.offersAllowed = true;
    this.#clearTimers();
    this.#opts.onInterrupted();
    this.pc.restartIce();
  }

  #up(): boolean {
    const s = this.pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  /** The restart offer got no answer in time: roll it back and make a new one (see onNegotiationNeeded). */
  #reoffer(): void {
    this.#chain = this.#chain
      .then(async () => {
        if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
        await this.pc.setLocalDescription({ type: 'rollback' });
        this.pc.restartIce();
        await this.onNegotiationNeeded();
      })
      .catch((err: unknown) => this.#opts.onError?.(err));
  }

  /** ICE is up again (or media flows again over a restarted path while ICE never left `connected`). */
  #back(): void {
    this.#clearTimers();
    this.restarts = this.#retries = 0;
    this.#restarting = false;
    this.#opts.onConnected();
  }

  /**
   * From the first time ICE is up until close, looks at the bytes received every 500 ms. None for
   * two looks in a row (a second without a packet, where audio alone sends 50) is a dead path (the
   * network changed, a TURN server restarted, a blackout) that ICE would call `disconnected` only
   * after several seconds: restart at once. Media that flows again during a restart while ICE
   * stayed `connected` (Chromium moved to the new pair without a state change) ends that restart.
   */
  #watch(): void {
    const pc = this.pc as PeerConnectionLike & { getStats?(): Promise<{ forEach(fn: (r: StatsLike) => void): void }> };
    if (this.#watchTimer !== null || !pc.getStats) return;
    let last = 0;
    let still = 0;
    const look = (): unknown =>
      (this.#watchTimer = this.#opts.setTimer(async () => {
        let n = 0;
        (await pc.getStats!().catch(() => [])).forEach((r) => void (r.type === 'inbound-rtp' && (n += r.bytesReceived ?? 0)));
        if (this.closed) return;
        // Nothing yet (DTLS still coming up) is not a stall.
        if (n > last) (still = 0), this.#restarting && this.#up() && this.#back();
        else if (n && ++still > 1 && !this.#restarting) this.restart();
        last = n;
        look();
      }, 500));
    look();
  }

  #clearTimers(): void {
    for (const t of [this.#disconnectTimer, this.#retryTimer]) if (t !== null) this.#opts.clearTimer(t);
    this.#disconnectTimer = this.#retryTimer = null;
  }

  /** Part of the controller's one teardown path: no more sends, timers cleared, pc closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#clearTimers();
    this.#opts.clearTimer(this.#watchTimer);
    this.pending.length = 0;
    this.pc.close();
  }
}
