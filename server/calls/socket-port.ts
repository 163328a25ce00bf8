/**
 * The call service's port over Socket.IO (port.ts): members are the sockets of this node
 * (`io.of('/').sockets`) and, with several nodes, every node's through the adapter
 * (`fetchSockets`); events go to a local socket directly and to a remote one through the
 * adapter; what one node tells the others about calls goes by `serverSideEmit`.
 */
import { adapterRoom } from '../adapter-rooms.js';
import type { RelayServer } from '../types.js';
import { viewOf, type CallPort, type Emit } from './port.js';
import type { CallRegistry } from './registry.js';
import type { MemberView } from './rules.js';

type AnyEmit = (ev: string, payload: unknown) => unknown;

export function socketPort(io: RelayServer, registry: CallRegistry, multiNode: boolean): CallPort {
  const sockets = io.of('/').sockets;
  const localMembers = (room: string): MemberView[] => {
    const ids = io.of('/').adapter.rooms.get(adapterRoom(room));
    const out: MemberView[] = [];
    if (ids) for (const id of ids) {
      const s = sockets.get(id);
      if (s) out.push(viewOf(s));
    }
    return out;
  };
  const emit: Emit = (ids, ev, payload) => {
    if (typeof ids === 'string') {
      // One member (a bound pair's messages): no array on this path.
      const s = sockets.get(ids);
      if (s) (s.emit as AnyEmit)(ev, payload);
      else if (multiNode && ids !== '') (io.to(ids).emit as AnyEmit)(ev, payload);
      return;
    }
    const remote: string[] = [];
    for (const id of ids) {
      const s = sockets.get(id);
      if (s) (s.emit as AnyEmit)(ev, payload);
      else if (multiNode && id !== '') remote.push(id);
    }
    if (remote.length) (io.to(remote).emit as AnyEmit)(ev, payload);
  };
  return {
    multiNode,
    registry,
    local: (id) => sockets.get(id),
    localMembers,
    async members(room) {
      if (!multiNode) return localMembers(room);
      return (await io.in(adapterRoom(room)).fetchSockets()).map(viewOf);
    },
    async remote(id) {
      return (await io.in(id).fetchSockets()).find((x) => x.id === id);
    },
    emit,
    presence: (room, p) => void io.to(adapterRoom(room)).emit('presence', p),
    disconnect: (id) => void sockets.get(id)?.disconnect(true),
    toNodes: (ev, ...args) => void (io.serverSideEmit as (e: string, ...a: unknown[]) => boolean)(ev, ...args),
    onNodes(handlers) {
      for (const [ev, fn] of Object.entries(handlers)) (io.on as (e: string, f: (...a: unknown[]) => void) => void)(ev, fn as (...a: unknown[]) => void);
    },
  };
}
