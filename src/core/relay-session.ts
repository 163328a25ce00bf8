/**
 * The page's line to the relay: one link at a time (replaced when the relay, room or token
 * changes), or, before anyone means to call, presence polled over HTTP; whether the relay
 * refused us for good (a fatal code: no retry until the configuration changes or a click), the
 * clicks waiting for the link, the cached ICE configuration, and the WebRTC warm-up once the
 * relay first accepts us. What the relay says reaches the owner as call-flow events.
 */
import { fatalCode, PROTOCOL_VERSION, type FatalCode, type HandshakeAuth, type IceConfig, type PresencePayload, type SignalMessage } from '../protocol/index.js';
import type { FlowEvent } from './flow-types.js';
import type { ErrorReason } from './state.js';
import { iceConfigFresh } from './ice.js';
import type { Timers } from './platform.js';
import type { ConnectSignaling, Control, LinkTarget, SessionOwner, SignalingLink } from './relay-link.js';

export type { LinkTarget, SessionOwner } from './relay-link.js';

/** How often a page not yet linked to the relay asks `GET /presence` (the relay caches it 2 s). */
export const PRESENCE_POLL_MS = 15000;

export interface RelaySessionDeps extends Timers {
  connectSignaling: ConnectSignaling;
  fetchIce: (server: string) => Promise<IceConfig>;
  /** `GET /presence` (see PhoneDeps). */
  fetchPresence?: (server: string, room?: string, token?: string) => Promise<PresencePayload>;
  /** Called once, when the relay first accepts us: readies the browser's WebRTC stack before any click. */
  warmUp?: () => void;
  now: () => number;
  log: (...args: unknown[]) => void;
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
  #warmedUp = false;
  /** Bumped whenever the link is replaced or closed: an older presence poll stops. */
  #polls = 0;
  /** The handshake, read at every (re)connect: it carries the rejoin call and key of a bound call. */
  #auth: HandshakeAuth = {};
  #away = false;
  /** Signaling sent while the link was down, with when: sent in order once it is back (see send). */
  #held: Array<[SignalMessage, number]> = [];
  readonly #deps: RelaySessionDeps;
  readonly #waitMs: number;
  readonly #owner: SessionOwner;

  constructor(deps: RelaySessionDeps, relayWaitMs: number, owner: SessionOwner) {
    this.#deps = deps;
    this.#waitMs = relayWaitMs;
    this.#owner = owner;
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

  /** Replaces the link (or the presence poll): the old one is closed, its refusal and ICE cache forgotten. */
  open({ server, room, token, name, incoming }: LinkTarget): void {
    this.close();
    this.#server = server;
    const auth: HandshakeAuth = (this.#auth = { protocol: PROTOCOL_VERSION, incoming: incoming !== false });
    if (room) auth.room = room;
    if (token) auth.token = token;
    if (name) auth.name = name;
    if (this.#away) auth.away = true;
    const o = this.#owner;
    const on = (e: FlowEvent): void => o.dispatch(e);
    const now = this.#deps.now;
    this.#link = this.#deps.connectSignaling(server, auth, {
      onClientId: (p) => {
        if (!this.#warmedUp) {
          this.#warmedUp = true;
          this.#deps.warmUp?.();
        }
        this.#fatal = null;
        this.#connected = true;
        this.#socketIce = !!p.ice;
        if (p.ice) this.#gotIce(p.ice);
        else if (!this.#ice) void this.iceConfig().catch((err: unknown) => this.#deps.log('ICE config fetch failed', err));
        // (The link checked what it carries: a presence or binding that is not one is left out.)
        on({ type: 'client-id', ...p });
        // After the rejoin (client-id's bound) has put this socket back into the call.
        for (const [m, at] of this.#held.splice(0)) if (now() - at < HOLD_MS) this.#link?.send(m);
        this.#settle(true);
      },
      onIce: (c) => this.#gotIce(c),
      onMessage: (message, from) => o.aside(message, from) || on({ type: 'message', message, from, at: now() }),
      // (No onPeerJoined: who joins the room does not move a call; the relay binds calls and rejoins.)
      onPeerLeft: (id) => on({ type: 'peer-left', id, iceUp: o.iceUp(), at: now() }),
      onPresence: (counts) => on({ type: 'presence', counts }),
      onRinging: (p) => on({ type: 'ringing', ...p }),
      onQueued: (p) => on({ type: 'queued', ...p }),
      onBound: (p) => on({ type: 'bound', ...p }),
      onMissed: (p) => on({ type: 'missed', ...p, at: now() }),
      onRelayError: (p) => {
        const code = fatalCode(p.code);
        if (code) return this.#refused(code);
        this.#deps.log(`relay error ${p.code}: ${p.message}`);
        if (p.call && p.code === 'not-in-call') o.preRefused(p.call);
        on({ type: 'relay-error', code: p.code, about: p.type, call: p.call });
      },
      onConnectError: (code) => (code ? this.#refused(code) : on({ type: 'unreachable' })),
      onDisconnect: () => {
        this.#connected = false;
        on({ type: 'disconnect' });
      },
    });
  }

  /**
   * Presence over HTTP instead of a link (a page that links when someone means to call): now,
   * then every PRESENCE_POLL_MS, until the link opens or closes. A refusal of the token or room
   * (401, 400) is said from load, as a refused handshake would be, and not asked again (the same
   * token cannot do better; a new one relinks).
   */
  poll(target: LinkTarget): void {
    this.close();
    this.#ask(target, this.#polls);
  }

  #ask(t: LinkTarget, seq: number): void {
    const get = this.#deps.fetchPresence;
    if (!get || seq !== this.#polls) return;
    const again = (): unknown => this.#deps.setTimer(() => this.#ask(t, seq), PRESENCE_POLL_MS);
    void get(t.server, t.room, t.token).then(
      (counts) => {
        if (seq !== this.#polls) return;
        this.#owner.dispatch({ type: 'presence', counts });
        // Heard even when the counts did not change (nobody there: 0 and 0, as before the answer).
        this.#owner.polled();
        again();
      },
      (err: unknown) => {
        const code = fatalCode((err as { code?: unknown } | null)?.code);
        if (!code) return again();
        if (seq === this.#polls) this.#owner.dispatch({ type: 'refused', reason: code });
      },
    );
  }

  close(): void {
    this.#polls++;
    this.#link?.close();
    this.#link = null;
    this.#connected = false;
    this.#fatal = null;
    this.#ice = null;
    this.#icePending = null;
    this.#socketIce = false;
    this.#held = [];
    this.#deps.clearTimer(this.#freshTimer);
  }

  /**
   * While a call is up, keep the TURN credentials valid: fresh ones are asked for at half their
   * TTL and handed to the call (setConfiguration), so an ICE restart or a relay-only path that
   * outlives the first credentials still authenticates with coturn.
   */
  keepFresh(on: boolean): void {
    this.#fresh = on;
    this.#deps.clearTimer(this.#freshTimer);
    if (on && this.#ice) this.#schedule(this.#ice.config, this.#ice.at);
  }

  #schedule(c: IceConfig, at: number): void {
    this.#deps.clearTimer(this.#freshTimer);
    if (!this.#fresh || c.ttl === undefined) return;
    const due = Math.max(1000, at + (c.ttl * 1000) / 2 - this.#deps.now());
    this.#freshTimer = this.#deps.setTimer(() => void this.iceConfig().catch(() => undefined), due);
  }

  #gotIce(c: IceConfig): void {
    const at = this.#deps.now();
    this.#ice = { config: c, at };
    for (const w of this.#iceWaiters.splice(0)) w(c);
    this.#owner.ice(c);
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
    if (!('call' in m) && this.#held.push([m, this.#deps.now()]) > 100) this.#held.shift();
  }

  /**
   * A desk steps away (true: not rung, not counted in presence) or comes back: told to the relay,
   * and kept across reconnects (it goes in the handshake).
   */
  away(on: boolean): void {
    if (!this.#away === !on) return;
    this.#away = this.#auth.away = on;
    this.control('away', { away: on });
  }

  /** The call a new socket rejoins (the bound call's id and key), or none. */
  rejoin(call: string | null, key: string | null): void {
    const a = this.#auth;
    if (call && key) Object.assign(a, { call, key });
    else delete a.call, delete a.key;
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
    const now = this.#deps.now();
    if (this.#ice && iceConfigFresh(this.#ice.config, this.#ice.at, now)) return Promise.resolve(this.#ice.config);
    if (this.#icePending) return this.#icePending;
    const p = (this.#socketIce && this.#connected ? this.#askIce() : this.#deps.fetchIce(this.#server)).then((config) => {
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
      const t = this.#deps.setTimer(() => done(null), 5000);
      const done = (c: IceConfig | null): void => {
        this.#deps.clearTimer(t);
        this.#iceWaiters = this.#iceWaiters.filter((w) => w !== done);
        resolve(c);
      };
      this.#iceWaiters.push(done);
    }).then((c) => c ?? this.#ice?.config ?? this.#deps.fetchIce(this.#server));
  }

  /** Resolves true once the relay has accepted us, false when it refused us or did not answer in time. */
  ready(): Promise<boolean> {
    if (this.#connected) return Promise.resolve(true);
    if (this.#fatal) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.#deps.clearTimer(timer);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(ok);
      };
      const timer = this.#deps.setTimer(() => done(false), this.#waitMs);
      this.#waiters.push(done);
    });
  }

  #refused(code: FatalCode): void {
    this.#fatal = code;
    this.#settle(false);
    this.#owner.dispatch({ type: 'refused', reason: code });
  }

  #settle(ok: boolean): void {
    for (const w of [...this.#waiters]) w(ok);
  }
}
