/**
 * A room's `presence` goes out at most once per interval: the first change at once, the ones
 * after it together when the interval is over. Ringing, answering and hanging up each change
 * it, and each send reaches every member, so without this one socket's ring and cancel cycles
 * would cost the room a broadcast each. Transport-free: `send` counts and sends (service.ts).
 */

/** The relay's interval: a room hears `presence` at most once a second. */
export const PRESENCE_INTERVAL_MS = 1000;

/**
 * Each room's run: `scheduled` (to send now), `running` (being counted), `again` (changed while
 * counted), `cooling` (sent less than an interval ago), `pending` (changed since: sent when the
 * interval is over). Absent: sent long enough ago.
 */
type Run = 'scheduled' | 'running' | 'again' | 'cooling' | 'pending';

export class PresenceRuns {
  private readonly runs = new Map<string, Run>();
  private closed = false;

  /** `intervalMs` 0: no cooling (the fake relay's tests see every change within a few ticks). */
  constructor(
    private readonly send: (room: string) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** The room's presence changed: send it soon (several changes in a row make one send). */
  changed(room: string): void {
    if (this.closed) return;
    const s = this.runs.get(room);
    if (s === 'running') return void this.runs.set(room, 'again');
    if (s === 'cooling') return void this.runs.set(room, 'pending');
    if (s !== undefined) return;
    this.runs.set(room, 'scheduled');
    setImmediate(() => void this.run(room));
  }

  private async run(room: string): Promise<void> {
    this.runs.set(room, 'running');
    await this.send(room);
    // A change while it was counted may be missing from what went out: send again after the interval.
    this.runs.set(room, this.runs.get(room) === 'again' ? 'pending' : 'cooling');
    const over = (): void => {
      const due = this.runs.get(room) === 'pending';
      this.runs.delete(room);
      if (due) this.changed(room);
    };
    if (this.intervalMs > 0) setTimeout(over, this.intervalMs).unref();
    else over();
  }

  close(): void {
    this.closed = true;
  }
}
