/**
 * The call service (protocol 2, docs/protocol.md; docs/architecture.md): call requests that ring
 * or wait in line, accept, decline, cancel, bound pairs that hear only each other, the rejoin
 * of a call on a new connection, leaving, away desks and `presence` — over a port (port.ts)
 * and nothing of any transport. The relay runs it over Socket.IO (socket-port.ts); the widget
 * tests' FakeRelay runs the same service in memory. This file is its face: a validated message
 * routed (rules.ts route()) to its step, and the join, leave and shutdown; the steps live in
 * requests.ts, answers.ts, rejoin.ts and line.ts. A room's control messages run one at a time
 * on a node; a bound pair's messages go straight to the peer, synchronously.
 */
import type { SignalMessage } from '../../src/protocol/index.js';
import type { SignalingStats } from '../http/stats.js';
import type { CallEvents } from '../webhooks/index.js';
import { accept, decline, preConnect, toPeer, unbind, v1, v1Relay } from './answers.js';
import { CallContext, type CallLog, type CallsOptions } from './context.js';
import { CallLine } from './line.js';
import type { CallMember, CallPort } from './port.js';
import { QUEUE_MAX, QUEUE_WAIT_MS } from './queue-rules.js';
import { afterJoin, boundTo, joined, left, ringOpen, waitForPeer, type Joined } from './rejoin.js';
import { request, ringFromLine, withdraw } from './requests.js';
import { errorPayload, route, type Sender } from './rules.js';

export type { CallsOptions } from './context.js';

export class CallService {
  private readonly c: CallContext;
  readonly events: CallEvents;
  /** Leaves, as accept() needs it when the acceptor went meanwhile. */
  private readonly leave = (s: CallMember, only: string): void => void this.left(s, only);

  constructor(port: CallPort, stats: SignalingStats, log: CallLog, opts: CallsOptions) {
    const c = (this.c = new CallContext(port, stats, log, opts));
    this.events = c.events;
    c.line = new CallLine(c, (rec) => ringFromLine(c, rec), { max: opts.queueMax ?? QUEUE_MAX, waitMs: opts.queueWaitMs ?? QUEUE_WAIT_MS });
    port.onNodes({
      'rtc:call': (sid, id, call) => void c.applyLocal(sid, id, call),
      'rtc:peer-gone': (sid, id, gone) => {
        const s = c.local(sid);
        if (s) waitForPeer(c, s, id, gone);
      },
      'rtc:reaped': (room, gone) => boundTo(c, room, gone),
      'rtc:line': (room) => c.line.moved(room, false),
    });
  }

  /**
   * A validated message from member `s` (`sender`: how route() sees it; the relay passes its
   * per-socket object). Delivered now, or the work still to do is returned (the member's later
   * messages wait for it).
   */
  message(s: CallMember, m: SignalMessage, sender: Sender): Promise<void> | undefined {
    const c = this.c;
    const r = route(sender, m);
    const room = s.data.room;
    switch (r.do) {
      case 'refuse':
        return void c.refuse(s, errorPayload(r.refusal, m.type, r.call));
      case 'peer': {
        toPeer(c, s, m, r.peer);
        const call = s.data.call;
        return r.unbind && call?.state === 'bound' ? unbind(c, s, call) : undefined;
      }
      case 'v1-relay':
        return v1Relay(c, s, m);
      case 'pre':
        return preConnect(c, s, m, r);
      case 'request':
        return c.serial(room, async () => {
          if (r.replace) await withdraw(c, s, r.replace, 'hang-up', true);
          await request(c, s, m, r.call);
        });
      case 'v1':
        return c.serial(room, () => v1(c, s, m, this.leave, r.noCall));
      case 'accept':
        return c.serial(room, async () => void (await accept(c, s, r.call, false, this.leave, r.replace)));
      case 'decline':
        return c.serial(room, () => decline(c, s, r.call));
      case 'cancel':
        return c.serial(room, () => withdraw(c, s, r.call, r.reason, m.type === 'bye'));
    }
  }

  /** Before `client-id`: a rejoin takes its place; returns what client-id carries. */
  joined(s: CallMember): Promise<Joined> {
    return joined(this.c, s);
  }

  /** After `client-id`: the rejoined pair hear `bound`, a newcomer is rung by what rings. */
  afterJoin(s: CallMember, res: Joined): Promise<void> {
    return afterJoin(this.c, s, res);
  }

  /**
   * A member left (`closing`: the relay shuts down; its requests stay for it to re-send. `lost`:
   * its link went rather than it left: one waiting in line keeps its place a while).
   */
  left(s: CallMember, only?: string, closing = false, lost = false): Promise<void> {
    return left(this.c, s, only, closing, lost);
  }

  /**
   * `away`: a desk steps away (not rung, not counted in presence) or comes back (rung by what
   * rings now). A ring that already rings it goes on until it is answered, declined or withdrawn.
   */
  setAway(s: CallMember, away: boolean): Promise<void> {
    if (away === (s.data.away === true)) return Promise.resolve();
    if (away) s.data.away = true;
    else delete s.data.away;
    if (s.data.incoming) this.c.presenceChanged(s.data.room);
    return away ? Promise.resolve() : ringOpen(this.c, s);
  }

  /**
   * A member died with its node, which could not say so (cluster/liveness.ts found it): its
   * bound peer, on whichever node, waits for it to rejoin as after any leave, then is free again.
   */
  reaped(room: string, gone: string): void {
    boundTo(this.c, room, gone);
    // The room's counts changed too: its members hear it, as when a member leaves.
    this.c.presenceChanged(room);
    if (this.c.multiNode) this.c.port.toNodes('rtc:reaped', room, gone);
  }

  /** Waits (at most `ms`) for pending call work, then stops every timer. */
  async close(ms = 1000): Promise<void> {
    const c = this.c;
    await Promise.race([Promise.all([...c.inflight, c.queue.idle()]), new Promise((r) => setTimeout(r, ms).unref())]);
    this.stop();
  }

  /** Stops every timer now (the fake relay's restart: what it knew is gone). */
  stop(): void {
    const c = this.c;
    c.closed = true;
    c.presence.close();
    c.line.close();
    for (const t of [...c.expiries.values(), ...c.waits.values()]) clearTimeout(t);
    c.expiries.clear();
    c.waits.clear();
  }
}
