/**
 * ICE recovery beside perfect negotiation: a Negotiator that restarts ICE on its own. ICE
 * `disconnected` for disconnectedRestartMs, or `failed`, restarts it (at most maxRestarts times
 * in a row, then the call has failed); a restart offer nobody answers is rolled back and made
 * again with backoff; gathering that finds no candidate at all is retried, then fails; and from
 * the first time ICE is up a media watchdog restarts a path that stopped carrying packets before
 * ICE itself notices.
 */
import type { CandidateInit } from '../protocol/index.js';
import { Negotiator, type NegotiatorOptions } from './negotiator.js';
import type { PeerConnectionLike, StatsLike, Timers } from './platform.js';

export interface IceRecoveryOptions extends NegotiatorOptions, Timers {
  /** ICE reached connected/completed (first time or after a restart). */
  onConnected: () => void;
  /** ICE is disconnected or failed and a restart is pending / under way. */
  onInterrupted: () => void;
  /** ICE failed and `maxRestarts` restarts did not bring it back. */
  onFailed: () => void;
  /** How long ICE may stay `disconnected` before we restart it (it often recovers alone). */
  disconnectedRestartMs?: number;
  maxRestarts?: number;
}

export class RecoveringNegotiator extends Negotiator {
  restarts = 0;
  /** Local candidates gathered in the current ICE generation. */
  #gathered = 0;
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
  readonly #opts: IceRecoveryOptions;

  constructor(options: IceRecoveryOptions) {
    super(options);
    this.#opts = options;
  }

  /**
   * A restart offer lost on the way (relay down, peer between sockets) must not leave us in
   * have-local-offer for good: roll it back and offer again, after 2, 4, then 8 s.
   */
  protected override offered(): void {
    if (this.#restarting) this.#retryTimer = this.#opts.setTimer(() => this.#reoffer(), 2000 << Math.min(2, this.#retries++));
  }

  /** The peer restarts ICE (a renegotiation): ours would be a second restart on top of it. */
  protected override peerOffered(): void {
    this.#restarting = true;
  }

  /**
   * Gathering that ends with NO candidate (TURN refused us under a relay-only policy, no usable
   * interface) can never connect: it is gathered again, then fails now instead of at the connect timeout.
   */
  override onLocalCandidate(c: CandidateInit | null): void {
    if (this.closed) return;
    if (c?.candidate) {
      this.#gathered++;
      this.#empty = 0;
    } else if (!c && this.#gathered === 0)
      // Gathering found nothing (TURN down or refusing us, no usable interface): gather again in
      // 2 s while ICE is not up, four times; the fifth empty gathering in a row fails the call.
      // A TURN server back after a restart is found; one that refuses us fails in about 10 s.
      if (++this.#empty > 4) this.#opts.onFailed();
      else this.#opts.setTimer(() => this.closed || this.#up() || this.pc.restartIce(), 2000);
    super.onLocalCandidate(c);
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

  /** The restart offer got no answer in time: roll it back and make a new one (see offered). */
  #reoffer(): void {
    this.queue(async () => {
      if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
      await this.pc.setLocalDescription({ type: 'rollback' });
      this.pc.restartIce();
      await this.onNegotiationNeeded();
    });
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

  /** Part of the owner's one teardown path: timers cleared too (again, harmlessly, once closed). */
  override close(): void {
    this.#clearTimers();
    this.#opts.clearTimer(this.#watchTimer);
    super.close();
  }
}
