/**
 * The room's line on the relay (issue 22; rules in queue-rules.ts): call requests that wait
 * because every member who takes calls is busy, their callers told their place (`queued`) as
 * the line moves, and the head rung as soon as a member is free. A part of the call service
 * (service.ts) over its port: it changes records through the call registry (memory, or Redis shared by every node), so two
 * nodes moving one line cannot both ring its head, and each node tells only its own callers
 * their place (the node that moved the line tells the others: `rtc:line`).
 */
import type { CallContext } from './context.js';
import type { CallMember } from './port.js';
import { errorPayload, refusals, type QueuedCall, type RingingCall } from './rules.js';
import { dequeueStep, enqueueStep, leaveLineStep, lineExpireStep, nextInLine, positions, type LineDraft, type LineOptions } from './queue-rules.js';

export class CallLine {
  /** Each of this node's waiting callers: the place it was told last (`call:position`). Key socket id. */
  private readonly told = new Map<string, string>();
  /** This node's callers' QUEUE_WAIT timers. Key room + call. */
  private readonly waits = new Map<string, NodeJS.Timeout>();
  private readonly runs = new Map<string, 'scheduled' | 'running' | 'again'>();
  private closed = false;

  /** `ringFromLine`: the head left the line and rings `rec.rung` now: tell them and its caller, as for a new request (requests.ts). */
  constructor(
    private readonly c: CallContext,
    private readonly ringFromLine: (rec: RingingCall) => void,
    readonly opts: LineOptions,
  ) {}

  /** Puts `socket`'s request in line (or, re-sent, keeps its place). Runs inside the room's serial queue. */
  async enter(socket: CallMember, d: LineDraft): Promise<void> {
    const { room } = socket.data;
    const present = new Set((await this.c.members(room)).map((m) => m.id));
    const out = await this.c.registry.update(room, d.id, enqueueStep(d, this.opts.waitMs, (x) => present.has(x)));
    if (out.result === 'taken') return void this.c.emit(socket.id, 'error', errorPayload(refusals.callTaken(d.id), 'ready', d.id));
    if (!socket.connected) {
      // It left while it was being put in line; its disconnect found nothing to withdraw.
      await this.c.registry.update(room, d.id, leaveLineStep(socket.id));
      return;
    }
    socket.data.call = { id: d.id, state: 'queued' };
    this.told.delete(socket.id);
    this.armWait(out.rec);
    if (out.result === 'queued') {
      // For the site's backend (call.queued): its place as it entered.
      const place = positions(await this.c.registry.queuedIn(room)).find((p) => p.call === d.id);
      this.c.events.queued(out.rec, this.c.who(socket), place?.position ?? 1);
    }
    this.moved(room);
    this.c.presenceChanged(room);
    // A member may have come free while this was decided (on another node, say).
    this.pump(room);
  }

  /** `socket` leaves the line with call `id`: its request as it waited; null when it was not waiting there (rung meanwhile). Inside the room's serial queue. */
  async leave(socket: CallMember, id: string): Promise<QueuedCall | null> {
    const { room } = socket.data;
    const rec = await this.c.registry.update(room, id, leaveLineStep(socket.id));
    if (!rec) return null;
    this.disarm(room, id);
    this.told.delete(socket.id);
    this.c.setCall(socket.id, id, null);
    this.moved(room);
    this.c.presenceChanged(room);
    return rec;
  }

  /** Socket `sid` is out of the line (rung, left): forget what it was told. */
  forget(sid: string): void {
    this.told.delete(sid);
  }

  private armWait(rec: QueuedCall): void {
    const k = `${rec.room}\n${rec.id}`;
    if (this.closed) return;
    clearTimeout(this.waits.get(k));
    const t = setTimeout(() => {
      this.waits.delete(k);
      this.c.track(
        this.c.serial(rec.room, async () => {
          const gone = await this.c.registry.update(rec.room, rec.id, lineExpireStep(rec.queuedAt));
          if (!gone) return;
          // The caller ends `no-answer`: for the site's backend (and the metrics) a missed call, as one that rang out unanswered.
          this.c.stats.calls.missed++;
          this.c.events.missed(gone, 'no-answer');
          this.c.setCall(gone.caller, gone.id, null);
          this.c.errorTo(gone.caller, errorPayload(refusals.lineExpired(gone.id, Math.round(this.opts.waitMs / 1000)), 'ready', gone.id));
          this.moved(rec.room);
          this.c.presenceChanged(rec.room);
        }),
      );
    }, Math.max(0, rec.until - Date.now()));
    t.unref();
    this.waits.set(k, t);
  }

  private disarm(room: string, id: string): void {
    const k = `${room}\n${id}`;
    clearTimeout(this.waits.get(k));
    this.waits.delete(k);
  }

  // ---- the line moves ----

  /** Soon: this node's waiting callers of `room` hear their new place (and, `spread`, the other nodes' do too). */
  moved(room: string, spread = true): void {
    if (spread && this.c.multiNode) this.c.port.toNodes('rtc:line', room);
    this.schedule(`t\n${room}`, () => this.tell(room));
  }

  /** Soon: if a member who takes calls is free, the head of the line rings it. */
  pump(room: string): void {
    this.schedule(`p\n${room}`, () => this.c.serial(room, () => this.ringHeads(room)));
  }

  /** Runs `fn` once soon; asked again while it runs, once more after (several changes in a row make one run). */
  private schedule(key: string, fn: () => Promise<void>): void {
    if (this.closed) return;
    const s = this.runs.get(key);
    if (s === 'scheduled' || s === 'again') return;
    if (s === 'running') return void this.runs.set(key, 'again');
    this.runs.set(key, 'scheduled');
    setImmediate(() => {
      this.runs.set(key, 'running');
      void this.c
        .track(fn())
        .catch(() => undefined)
        .then(() => {
          const again = this.runs.get(key) === 'again';
          this.runs.delete(key);
          if (again) this.schedule(key, fn);
        });
    });
  }

  private async tell(room: string): Promise<void> {
    const mine = this.c.port.localMembers(room).filter((m) => m.call?.state === 'queued');
    if (mine.length === 0) return;
    const places = new Map(positions(await this.c.registry.queuedIn(room)).map((p) => [p.call, p]));
    for (const m of mine) {
      const p = places.get(m.call!.id);
      const s = this.c.local(m.id);
      if (!p || !s || s.data.call?.state !== 'queued' || s.data.call.id !== p.call) continue;
      const said = `${p.call}:${p.position}`;
      if (this.told.get(m.id) === said) continue;
      this.told.set(m.id, said);
      this.c.emit(s.id, 'queued', p);
    }
  }

  /** Rings the free members with the head of the line, as long as someone is free and someone waits. */
  private async ringHeads(room: string): Promise<void> {
    const registry = this.c.registry;
    let moved = false;
    try {
      // Bounded: each round takes one caller out of the line (or finds it taken by another node).
      for (let round = 0; round < this.opts.max + 5; round++) {
        // The line first, then what rings: a head that another node rang in between shows as ringing, not free.
        const line = await registry.queuedIn(room);
        if (line.length === 0) return;
        const ringing = await registry.ringingIn(room);
        const members = await this.c.members(room);
        const next = nextInLine(members, ringing, line);
        if (!next) return;
        const present = new Set(members.map((m) => m.id));
        const rec = 'drop' in next ? next.drop : next.ring;
        const out = await registry.update(room, rec.id, dequeueStep('drop' in next ? [] : next.targets, (x) => !('drop' in next) && present.has(x)));
        if (out.result === 'gone') continue;
        // Its caller's node died while it waited: a missed call, as one whose caller went while it rang.
        if (out.result === 'orphan') this.c.events.missed(out.rec, 'caller-gone');
        moved = true;
        this.disarm(room, rec.id);
        if (out.result === 'ringing') this.ringFromLine(out.rec);
      }
    } finally {
      if (moved) {
        this.moved(room);
        this.c.presenceChanged(room);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.waits.values()) clearTimeout(t);
    this.waits.clear();
  }
}
