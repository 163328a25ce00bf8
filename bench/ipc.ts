/** Messages between the benchmark orchestrator (bench/relay-load.ts) and its child processes. */

/** Which server a host process runs. */
export type ServerKind = 'relay' | 'bare';

export type HostRequest =
  | { cmd: 'memory' }
  | { cmd: 'cpu' }
  /** A V8 heap snapshot of the server process, after full collections, written to `file`. */
  | { cmd: 'snapshot'; file: string }
  /** Restart the event-loop delay histogram (perf_hooks monitorEventLoopDelay). */
  | { cmd: 'lag-reset' }
  | { cmd: 'lag' }
  | { cmd: 'stop' };
export type HostReply =
  | { ev: 'listening'; port: number; /** the process's RLIMIT_NOFILE (soft) */ fdLimit?: number }
  | { ev: 'memory'; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; sockets: number }
  | { ev: 'snapshot'; file: string }
  /** Event-loop delay since lag-reset, ms. */
  | { ev: 'lag'; p50: number; p99: number; max: number; mean: number }
  /** process.cpuUsage() of the server, microseconds. */
  | { ev: 'cpu'; user: number; system: number }
  | { ev: 'error'; message: string };

/** A load run: `pairs` rooms of two clients, ping-pong for `durationMs` after `warmupMs`. */
export interface PingPongJob {
  cmd: 'pingpong';
  /** Caller of pair i connects to urls[0], callee to urls[1 % urls.length] (two nodes: caller on A, callee on B). */
  urls: string[];
  pairs: number;
  warmupMs: number;
  durationMs: number;
  /** Room name prefix, unique per run so nothing lingers between runs. */
  roomPrefix: string;
  /** The bare Socket.IO relay: no calls to bind, it broadcasts in the room. */
  bare: boolean;
}

/** One bound pair exchanging a message every `intervalMs` for `durationMs` (a live call during an idle hold). */
export interface LiveJob {
  cmd: 'live';
  url: string;
  intervalMs: number;
  durationMs: number;
  roomPrefix: string;
  bare: boolean;
}

export interface LiveResult {
  ev: 'live';
  samples: number;
  /** Round trips not answered within their interval. */
  lateOrLost: number;
  rttMs: { p50: number; p99: number; max: number };
  refusals: number;
}

export type LoadRequest = PingPongJob | LiveJob;

export interface PingPongResult {
  ev: 'pingpong';
  /** Relayed messages received by clients per second over the measured window. */
  msgsPerSec: number;
  /** Relayed messages received by clients in the measured window. */
  received: number;
  rttMs: { p50: number; p95: number; p99: number; max: number; samples: number };
  /** From io() to `client-id`, per socket, all sockets connected at once. */
  connectMs: { p50: number; p95: number; total: number };
  /** Messages the relay refused (an `error` event); must be 0 for a valid run. */
  refusals: number;
}

/** Sent by the generator when the measured window opens and closes (the orchestrator samples server CPU then). */
export interface WindowMark {
  ev: 'window';
  phase: 'start' | 'end';
}

export type LoadReply = PingPongResult | LiveResult | WindowMark | { ev: 'error'; message: string };
