/**
 * The relay's rooms as Socket.IO's adapter names them. Socket.IO puts every socket in a room
 * named by its own id, and the adapter (in memory or over Redis) cannot tell that room from any
 * other: a room named like a socket id (ids are public, in `peer-joined` and `client-id.peers`)
 * would hear what is sent to that socket, and the socket what is sent to the room. So every room
 * the relay joins, lists or broadcasts to is `r:` + its name. A socket id is 20 characters of
 * base64url and never holds a `:`, so no room can address a socket and a delivery to a socket id
 * reaches that socket only, on one node and across nodes. Room names on the wire are unchanged:
 * only the adapter sees the prefix.
 */

const ROOM_PREFIX = 'r:';

/** The adapter's name for the relay's room `room` (what `join`, `to`, `in` and `fetchSockets` take). */
export const adapterRoom = (room: string): string => ROOM_PREFIX + room;

/** The relay's room behind an adapter room, or undefined for one that is not the relay's (a socket's own). */
export const roomOf = (name: string): string | undefined => (name.startsWith(ROOM_PREFIX) ? name.slice(ROOM_PREFIX.length) : undefined);
