/**
 * The page's line to the relay: one link at a time (replaced when the relay, room or token
 * changes), whether the relay refused us for good (a fatal code: no retry until the
 * configuration changes or a click), the clicks waiting for the link, the cached ICE
 * configuration, and the WebRTC warm-up once the relay first accepts us.
 */
import { fatalCode, type FatalCode, type HandshakeAuth, type IceConfig, type SignalMessage } from '../protocol.js';
import type { ErrorReason } from './state.js';
import { iceConfigFresh } from './ice.js';
import type { Timers } from './platform.js';
import type { ConnectSignaling, SignalingHandlers, SignalingLink } from './relay-link.js';

export interface RelaySessionDeps extends Timers {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  /** Called once, when the relay first accepts us: readies the browser's WebRTC stack before any click. */
  warmUp?: () => void;
  now: () => number;
  log: (...args: unknown[]) => void;
}

/** What the session tells its owner (the handlers, less what the session itself settles). */
export interface SessionHandlers extends Omit<SignalingHandlers, 'onConnectError' | 'onRelayError'> {
  /** The relay refused us with a fatal code (handshake or `error`). */
  onRefused(code: FatalCode): void;
  /** A non-fatal `error` from the relay. */
  onRelayError: SignalingHandlers['onRelayError'];
  /** The relay could not be reached (it retries on its own). */
  onUnreachable(): void;
}

export class RelaySession {
  #link: SignalingLink | null = null;
  #server = '';
  #connected = false;
  #fatal: FatalCode | null = null;
  #waiters: Array<(ok: boolean) => void> = [];
  #ice: { config: IceConfig; at: number } | null = null;
  #icePending: Promise<IceConfig> | null = null;
  #warmedUp = false;
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
        h.onClientId(p);
        this.#settle(true);
      },
      onMessage: h.onMessage,
      onPeerJoined: h.onPeerJoined,
      onPeerLeft: h.onPeerLeft,
      onPresence: h.onPresence,
      onRinging: h.onRinging,
      onBound: h.onBound,
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
    void this.iceConfig().catch((err: unknown) => this.#d.log('ICE config fetch failed', err));
  }

  close(): void {
    this.#link?.close();
    this.#link = null;
    this.#connected = false;
    this.#fatal = null;
    this.#ice = null;
    this.#icePending = null;
  }

  send(m: SignalMessage): void {
    this.#link?.send(m);
  }

  /** Cached ICE configuration, refetched when the TURN credentials are half-way to expiry. */
  iceConfig(): Promise<IceConfig> {
    const now = this.#d.now();
    if (this.#ice && iceConfigFresh(this.#ice.config, this.#ice.at, now)) return Promise.resolve(this.#ice.config);
    if (this.#icePending) return this.#icePending;
    const p = this.#d.fetchIce(this.#server).then((config) => {
      if (this.#icePending === p) this.#ice = { config, at: now };
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
