/**
 * How good the connection is, from getStats(), and the call's summary (averages over the call)
 * for `rtc-call-end`, so a site can log call quality without a third-party service.
 */
import type { StatsLike } from './platform.js';
import type { CallKind } from './state.js';

export type QualityLevel = 'good' | 'fair' | 'poor';

export interface Quality {
  /**
   * `poor` from 500 ms round trip, 8 % loss or 100 ms jitter (speech breaks up, video
   * freezes); `fair` from 250 ms, 2 % or 40 ms (noticeable); `good` below all three.
   */
  readonly level: QualityLevel;
  /** Round trip of the candidate pair in use, in ms (null until the browser measured one). */
  readonly rttMs: number | null;
  /** Share of the packets sent to us that were lost since the last sample, 0–1. */
  readonly packetLoss: number;
  /** Jitter of what we receive, in ms (the worse stream; null until measured). */
  readonly jitterMs: number | null;
  /** Media goes through a TURN server rather than direct. */
  readonly relayed: boolean;
  /** Our side's transport: to the TURN server (`udp`, `tcp`, `tls`) when relayed, else the pair's. */
  readonly via: string | null;
}

export interface CallSummary {
  readonly kind: CallKind | null;
  /** From connected to the end (0 for a call that never connected). */
  readonly durationMs: number;
  /** Whether media went through TURN (at the last sample); null if never measured. */
  readonly relayed: boolean | null;
  /** Mean round trip over the call's samples, ms. */
  readonly rttMs: number | null;
  /** Share of the packets sent to us that were lost over the whole call, 0–1. */
  readonly packetLoss: number | null;
  /** How often the connection dropped and came back (ICE restarts). */
  readonly reconnects: number;
}

const ms = (s: number | undefined): number | null => (s === undefined ? null : Math.round(s * 1000));

/** One call's measurements: started when it connects, sampled every few seconds, summed up at the end. */
export class CallMeter {
  /** When the call connected (ms since the epoch), or null. */
  since: number | null = null;
  reconnects = 0;
  last: Quality | null = null;
  #lost = 0;
  #got = 0;
  #rtt = 0;
  #rttN = 0;

  /** Reads a getStats() sample; null when no candidate pair is in use yet. */
  sample(reports: readonly StatsLike[]): Quality | null {
    const by = new Map(reports.map((r) => [r.id, r]));
    let pair: StatsLike | undefined;
    let lost = 0;
    let got = 0;
    let jitter: number | null = null;
    for (const r of reports) {
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = by.get(r.selectedCandidatePairId);
      if (r.type === 'inbound-rtp') {
        lost += r.packetsLost ?? 0;
        got += r.packetsReceived ?? 0;
        const j = ms(r.jitter);
        if (j !== null && j >= (jitter ?? 0)) jitter = j;
      }
    }
    // Firefox has no transport report: its pair in use says `selected`.
    pair ??= reports.find((r) => r.type === 'candidate-pair' && (r.selected || (r.nominated && r.state === 'succeeded')));
    if (!pair) return null;
    const local = by.get(pair.localCandidateId);
    const relayed = local?.candidateType === 'relay';
    const rttMs = ms(pair.currentRoundTripTime);
    const dLost = Math.max(0, lost - this.#lost);
    const dGot = Math.max(0, got - this.#got);
    [this.#lost, this.#got] = [lost, got];
    if (rttMs !== null) (this.#rtt += rttMs), this.#rttN++;
    const loss = dLost + dGot ? dLost / (dLost + dGot) : 0;
    const worse = (a: number, b: number, c: number): boolean => (rttMs ?? 0) >= a || loss >= b || (jitter ?? 0) >= c;
    return (this.last = {
      level: worse(500, 0.08, 100) ? 'poor' : worse(250, 0.02, 40) ? 'fair' : 'good',
      rttMs,
      packetLoss: loss,
      jitterMs: jitter,
      relayed,
      via: (relayed ? local?.relayProtocol : local?.protocol) ?? null,
    });
  }

  summary(kind: CallKind | null, now: number): CallSummary {
    const n = this.#lost + this.#got;
    return {
      kind,
      durationMs: this.since === null ? 0 : now - this.since,
      relayed: this.last?.relayed ?? null,
      rttMs: this.#rttN ? Math.round(this.#rtt / this.#rttN) : null,
      packetLoss: this.last ? (n ? this.#lost / n : 0) : null,
      reconnects: this.reconnects,
    };
  }
}
