/**
 * The call service's port: everything the call lifecycle (service.ts and its files) needs of
 * the world, and nothing of Socket.IO. The relay implements it over its sockets, the adapter
 * and the inter-node events (socket-port.ts); the widget tests' FakeRelay implements it in
 * memory (test/core/fakes.ts). Both run the same service, so "who is told what when a call
 * changes" is written once.
 */
import type { ServerToClientEvents } from '../../src/protocol/index.js';
import type { InterServerEvents, SocketData } from '../types.js';
import type { CallRegistry } from './registry.js';
import type { MemberView } from './rules.js';

/** What the service reads and writes of a member (a socket's `data`). */
export type CallData = Pick<SocketData, 'room' | 'v' | 'incoming' | 'name' | 'role' | 'away' | 'call' | 'sub' | 'rejoin'>;

/** A member of a room on this node: a Socket.IO socket, or the fake's member. */
export interface CallMember {
  readonly id: string;
  readonly data: CallData;
  /** Still connected (a member can go while its request is being decided). */
  readonly connected: boolean;
}

/** Sends one server event to members by id, wherever they are (ids of members gone are skipped). */
export type Emit = <E extends keyof ServerToClientEvents>(ids: string | readonly string[], ev: E, payload: Parameters<ServerToClientEvents[E]>[0]) => void;

/** What one node tells the others about calls (with one node: nothing). */
export type NodeEvents = InterServerEvents;

export interface CallPort {
  /** Several nodes share the rooms: members may live on another node. */
  readonly multiNode: boolean;
  /** Where calls are kept (memory, or Redis shared by every node). */
  readonly registry: CallRegistry;
  /** A member on this node, by id. */
  local(id: string): CallMember | undefined;
  /** This node's members of `room`, synchronously. */
  localMembers(room: string): MemberView[];
  /** Every member of `room`, on every node. */
  members(room: string): Promise<MemberView[]>;
  /** A member on another node, by id (its data as that node last shared it). */
  remote(id: string): Promise<{ id: string; data: Partial<CallData> } | undefined>;
  emit: Emit;
  /** Sends `presence` to every member of `room`. */
  presence(room: string, p: Parameters<ServerToClientEvents['presence']>[0]): void;
  /** Ends a member's connection for good (it does not come back by itself). */
  disconnect(id: string): void;
  /** Tells the other nodes (no-op on one node). */
  toNodes<E extends keyof NodeEvents>(ev: E, ...args: Parameters<NodeEvents[E]>): void;
  /** Hears what the other nodes tell. */
  onNodes(handlers: NodeEvents): void;
}

/** A member as the rules see it. */
export const viewOf = (s: { id: string; data: Partial<CallData> }): MemberView => {
  const v: MemberView = { id: s.id, v: s.data.v ?? 1, incoming: s.data.incoming ?? true };
  if (s.data.call) v.call = s.data.call;
  if (s.data.away) v.away = true;
  return v;
};
