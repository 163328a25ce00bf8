/**
 * The call rules of protocol version 2, pure functions over plain data, in three files: room
 * members and presence (members.ts), what a message does and whom a request rings (routing.ts),
 * and how a call's record moves (records.ts). No sockets, no I/O, no clock of their own: the
 * call service (service.ts) decides with these, over the relay's sockets and the widget
 * tests' in-memory port alike. The rules in words: docs/protocol.md, "Version 2: calls that ring".
 */
export * from './members.js';
export * from './routing.js';
export * from './records.js';
