/** Messages between the benchmark orchestrator (bench/relay-load.ts) and its child processes. */

/** Which server a host process runs. */
export type ServerKind = 'relay' | 'bare';

export type HostRequest = { cmd: 'memory' } | { cmd: 'cpu' } | { cmd: 'stop' };
export type HostReply =
  | { ev: 'listening'; port: number }
  | { ev: 'memory'; rss: number; heapUsed: number; external: number; sockets: number }
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
}

/** Connects `sockets` idle clients (rooms of two) and holds them until `release`. */
export interface IdleJob {
  cmd: 'idle';
  url: string;
  sockets: number;
  roomPrefix: string;
}

export type LoadRequest = PingPongJob | IdleJob | { cmd: 'release' };

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

export interface IdleResult {
  ev: 'idle';
  connected: number;
  connectMs: { p50: number; p95: number; total: number };
}

/** Sent by the generator when the measured window opens and closes (the orchestrator samples server CPU then). */
export interface WindowMark {
  ev: 'window';
  phase: 'start' | 'end';
}

export type LoadReply = PingPongResult | IdleResult | WindowMark | { ev: 'released' } | { ev: 'error'; message: string };
