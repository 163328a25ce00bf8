/**
 * The bounded idle-socket generator of `npm run bench:relay`: as many bench/idle-generator.ts
 * processes as the file-descriptor limit needs (each holds at most `perProcess` sockets),
 * sharing the count, the source addresses and the concurrency. Loopback only.
 */
import type { ChildProcess } from 'node:child_process';
import { isEv, nextReply, spawnChild } from './child.js';
import type { GeneratorReply, HoldResult } from './idle-generator.js';

export interface PoolResult {
  joined: number;
  failed: number;
  failures: Record<string, number>;
  /** Wall time from the first connect to the last join (the slowest process), ms. */
  elapsedMs: number;
  /** Joined sockets per second over elapsedMs. */
  perSecond: number;
  /** Connect → client-id, the worst p50 / p99 / max of the processes. */
  joinMs: { p50: number; p99: number; max: number };
  /** Still open when the figures were taken. */
  open: number;
  processes: number;
}

export interface HoldOptions {
  port: number;
  count: number;
  addresses: string[];
  roomPrefix: string;
  /** Handshakes in flight, over all processes. */
  concurrency: number;
  deadlineMs: number;
}

export class IdlePool {
  private procs: ChildProcess[] = [];
  /** Sockets each process holds (asked for), so a second hold fills them up to perProcess only. */
  private held: number[] = [];

  constructor(private readonly perProcess: number) {}

  /** Opens `count` more sockets (those held already stay open). */
  async hold(o: HoldOptions): Promise<PoolResult> {
    const shares: Array<{ proc: ChildProcess; count: number; first: number }> = [];
    let left = o.count;
    for (let i = 0; left > 0; i++) {
      if (i === this.procs.length) {
        this.procs.push(spawnChild('./idle-generator.ts'));
        this.held.push(0);
      }
      const count = Math.min(left, this.perProcess - this.held[i]!);
      if (count <= 0) continue;
      shares.push({ proc: this.procs[i]!, count, first: o.count - left });
      this.held[i]! += count;
      left -= count;
    }
    const n = shares.length;
    const jobs = shares.map(({ proc, count, first }) => {
      const r = nextReply(proc, 'idle generator hold', isEv<HoldResult>('held'), o.deadlineMs + 30_000);
      proc.send({ cmd: 'hold', port: o.port, addresses: o.addresses, count, concurrency: Math.max(1, Math.ceil(o.concurrency / n)), deadlineMs: o.deadlineMs, roomPrefix: o.roomPrefix, firstIndex: first });
      return r;
    });
    const rs = await Promise.all(jobs);
    const failures: Record<string, number> = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
    const joined = rs.reduce((a, r) => a + r.joined, 0);
    const elapsedMs = Math.max(...rs.map((r) => r.elapsedMs));
    return {
      joined,
      failed: rs.reduce((a, r) => a + r.failed, 0),
      failures,
      elapsedMs,
      perSecond: Math.round((joined / elapsedMs) * 1000),
      joinMs: { p50: Math.max(...rs.map((r) => r.joinMs.p50)), p99: Math.max(...rs.map((r) => r.joinMs.p99)), max: Math.max(...rs.map((r) => r.joinMs.max)) },
      open: rs.reduce((a, r) => a + r.open, 0),
      processes: n,
    };
  }

  /** Closes every held socket; returns how many were still open. */
  async release(): Promise<number> {
    const rs = await Promise.all(
      this.procs.map((p) => {
        const r = nextReply(p, 'idle generator release', isEv<Extract<GeneratorReply, { ev: 'released' }>>('released'));
        p.send({ cmd: 'release' });
        return r;
      }),
    );
    this.held = this.held.map(() => 0);
    return rs.reduce((a, r) => a + r.open, 0);
  }

  stop(): void {
    for (const p of this.procs) p.kill('SIGTERM');
    this.procs = [];
  }
}
