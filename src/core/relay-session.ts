/**
 * The page's line to the relay: one link at a time (replaced when the relay, room or token
 * changes), whether the relay refused us for good (a fatal code: no retry until the
 * configuration changes or a click), the clicks waiting for the link, the cached ICE
 * configuration, and the WebRTC warm-up once the relay first accepts us.
 */
import { fatalCode, type FatalCode, type HandshakeAuth, type IceConfig, type SignalMessage } from '../protocol/index.js';
import type { ErrorReason } from './state.js';
import { iceConfigFresh } from './ice.js';
import type { Timers } from './platform.js';
import type { ConnectSignaling, Control, SignalingHandlers, SignalingLink } from './relay-link.js';

export interface RelaySessionDeps extends Timers {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  /** Called once, when the relay first accepts us: readies the browser's WebRTC stack before any click. */
  warmUp?: () => void;
  now: () => number;
  log: (...args: unknown[]) => void;
}

/** What the session tells its owner (the handlers, less what the session itself settles). */
export interface SessionHandlers extends Omit<SignalingHandlers, 'onConnectError' | 'onRelayError' | 'onIce'> {
  /** Fresh ICE servers arrived (the call in progress takes them). */
  onIce(config: IceConfig): void;
  /** The relay refused us with a fatal code (handshake or `error`). */
  onRefused(code: FatalCode): void;
  /** A non-fatal `error` from the relay. */
  onRelayError: SignalingHandlers['onRelayError'];
  /** The relay could not be reached (it retries on its own). */
  onUnreachable(): void;
}

/** How long signaling waits for the relay link to come back (a restart offer is re-made anyway). */
const HOLD_MS = 15_000;

export class RelaySession {
  #link: SignalingLink | null = null;
  #server = '';
  #connected = false;
  #fatal: FatalCode | null = null;
  #waiters: Array<(ok: boolean) => void> = [];
  #ice: { config: IceConfig; at: number } | null = null;
  #icePending: Promise<IceConfig> | null = null;
  /** The relay hands out ICE servers over the socket (client-id had them): ask it, not /ice-servers. */
  #socketIce = false;
  /** Answers to our `ice` request. */
  #iceWaiters: Array<(c: IceConfig | null) => void> = [];
  /** While a call is up: refresh the TURN credentials at half their TTL (see keepFresh). */
  #fresh = false;
  #freshTimer: unknown = null;
  #onIce: ((c: IceConfig) => void) | null = null;
  #warmedUp = false;
  /** Signaling sent while the link was down, with when: sent in order once it is back (see send). */
  #held: Array<[SignalMessage, number]> = [];
  readonly #d: RelaySessionDeps;
  readonly #waitMs: number;

  constructor(deps: RelaySessionDeps, relayWaitMs: number) {
    this.#d = deps;
    this.#waitMs = relayWaitMs;
  }

  /** A link is open (connected, connecting, or refused: see `fatal`). */
  get linked(): boolean {
    return this.#link !== null;
  }

  /** Why the relay refused us, when it did. */
  get fatal(): ErrorReason | null {
    return this.#fatal;
  }

  /** The ICE configuration fetched last, if any (a call starts with it even if a refetch is due). */
  get cachedIce(): IceConfig | undefined {
    return this.#ice?.config;
  }

  /** Replaces the link: the old one is closed, its refusal and ICE cache forgotten. */
  open(server: string, auth: HandshakeAuth, h: SessionHandlers): void {
    this.close();
    this.#server = server;
    this.#link = this.#d.connectSignaling(server, auth, {
      onClientId: (p) => {
        if (!this.#warmedUp) {
          this.#warmedUp = true;
          this.#d.warmUp?.();
        }
        this.#fatal = null;
        this.#connected = true;
        this.#socketIce = !!p.ice;
        if (p.ice) this.#gotIce(p.ice);
        else if (!this.#ice) void this.iceConfig().catch((err: unknown) => this.#d.log('ICE config fetch failed', err));
        h.onClientId(p);
        // After the rejoin (client-id's bound) has put this socket back into the call.
        for (const [m, at] of this.#held.splice(0)) if (this.#d.now() - at < HOLD_MS) this.#link?.send(m);
        this.#settle(true);
      },
      onIce: (c) => this.#gotIce(c),
      onMessage: h.onMessage,
      onPeerJoined: h.onPeerJoined,
      onPeerLeft: h.onPeerLeft,
      onPresence: h.onPresence,
      onRinging: h.onRinging,
      onQueued: h.onQueued,
      onBound: h.onBound,
      ...(h.onMissed ? { onMissed: h.onMissed } : {}),
      onRelayError: (p) => {
        const code = fatalCode(p.code);
        if (code) this.#refused(code, h);
        else h.onRelayError(p);
      },
      onConnectError: (code) => (code ? this.#refused(code, h) : h.onUnreachable()),
      onDisconnect: () => {
        this.#connected = false;
        h.onDisconnect();
      },
    });
    this.#onIce = h.onIce;
  }

  close(): void {
    this.#link?.close();
    this.#link = null;
    this.#connected = false;
    this.#fatal = null;
    this.#ice = null;
    this.#icePending = null;
    this.#socketIce = false;
    this.#held = [];
    this.#d.clearTimer(this.#freshTimer);
  }

  /**
   * While a call is up, keep the TURN credentials valid: fresh ones are asked for at half their
   * TTL and handed to the call (setConfiguration), so an ICE restart or a relay-only path that
   * outlives the first credentials still authenticates with coturn.
   */
  keepFresh(on: boolean): void {
    this.#fresh = on;
    this.#d.clearTimer(this.#freshTimer);
    if (on && this.#ice) this.#schedule(this.#ice.config, this.#ice.at);
  }

  #schedule(c: IceConfig, at: number): void {
    this.#d.clearTimer(this.#freshTimer);
    if (!this.#fresh || c.ttl === undefined) return;
    const due = Math.max(1000, at + (c.ttl * 1000) / 2 - this.#d.now());
    this.#freshTimer = this.#d.setTimer(() => void this.iceConfig().catch(() => undefined), due);
  }

  #gotIce(c: IceConfig): void {
    const at = this.#d.now();
    this.#ice = { config: c, at };
    for (const w of this.#iceWaiters.splice(0)) w(c);
    this.#onIce?.(c);
    this.#schedule(c, at);
  }

  /**
   * While the link is down (a relay restart, a dropped network) a call's signaling is held, up to
   * HOLD_MS and 100 messages: an ICE restart's offer and candidates, or a bye, go out once the
   * link is back. A new offer or answer makes what was held before it void (an older ICE session).
   */
  send(m: SignalMessage): void {
    if (this.#connected) return this.#link?.send(m);
    if (m.type === 'offer' || m.type === 'answer') this.#held = [];
    // Call control (it names a call: ready, accept, decline, cancel) is not held: the flow re-sends it.
    if (!('call' in m) && this.#held.push([m, this.#d.now()]) > 100) this.#held.shift();
  }

  /** `away` or `call-summary` to the relay, if the link is up. */
  control<E extends keyof Control>(event: E, payload: Control[E]): void {
    if (this.#connected) this.#link?.control?.(event, payload);
  }

  /** A click while the link is down: connect now rather than at the next backoff (the link ignores it while its own handshake or reconnection runs). */
  retry(): void {
    if (!this.#connected) this.#link?.retry?.();
  }

  /** Cached ICE configuration, refetched when the TURN credentials are half-way to expiry. */
  iceConfig(): Promise<IceConfig> {
    const now = this.#d.now();
    if (this.#ice && iceConfigFresh(this.#ice.config, this.#ice.at, now)) return Promise.resolve(this.#ice.config);
    if (this.#icePending) return this.#icePending;
    const p = (this.#socketIce && this.#connected ? this.#askIce() : this.#d.fetchIce(this.#server)).then((config) => {
      if (this.#icePending === p) this.#gotIce(config);
      return config;
    });
    this.#icePending = p;
    void p
      .finally(() => {
        if (this.#icePending === p) this.#icePending = null;
      })
      .catch(() => undefined);
    return p;
  }

  /** Asks the relay for fresh ICE servers over the socket; after 5 s, what we had (or /ice-servers). */
  #askIce(): Promise<IceConfig> {
    this.#link?.requestIce?.();
    return new Promise<IceConfig | null>((resolve) => {
      const t = this.#d.setTimer(() => done(null), 5000);
      const done = (c: IceConfig | null): void => {
        this.#d.clearTimer(t);
        this.#iceWaiters = this.#iceWaiters.filter((w) => w !== done);
        resolve(c);
      };
      this.#iceWaiters.push(done);
    }).then((c) => c ?? this.#ice?.config ?? this.#d.fetchIce(this.#server));
  }

  /** Resolves true once the relay has accepted us, false when it refused us or did not answer in time. */
  ready(): Promise<boolean> {
    if (this.#connected) return Promise.resolve(true);
    if (this.#fatal) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.#d.clearTimer(timer);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(ok);
      };
      const timer = this.#d.setTimer(() => done(false), this.#waitMs);
      this.#waiters.push(done);
    });
  }

  #refused(code: FatalCode, h: SessionHandlers): void {
    this.#fatal = code;
    this.#settle(false);
    h.onRefused(code);
  }

  #settle(ok: boolean): void {
    for (const w of [...this.#waiters]) w(ok);
  }
}
