/**
 * rtc-call wire protocol: the ONE definition shared by the relay (server/) and the widget
 * (src/core/, src/browser/), published as `rtc-call/protocol`. Socket.IO default namespace, JSON
 * payloads (docs/protocol.md). Each file holds one job:
 *   limits.ts      the bounds (sizes, rates, room and call id patterns)
 *   codes.ts       the refusal codes and which are fatal to the link
 *   messages.ts    the `message` event: what a client sends, what the relay delivers
 *   payloads.ts    the other events' payloads, the ICE and presence schemas they are derived from
 *   events.ts      the handshake's auth and the Socket.IO event maps
 *   schema.ts      the small JSON-schema engine (a schema's type, a value's match)
 *   validate.ts    untrusted input checked: messages, rooms, call summaries, ICE, presence
 *   candidates.ts  ICE candidates between the wire and RTCPeerConnection
 * DOM-free and dependency-free: compiled for Node and bundled into the widget.
 */
export * from './limits.js';
export * from './codes.js';
export * from './messages.js';
export * from './payloads.js';
export * from './events.js';
export * from './schema.js';
export * from './validate.js';
export * from './candidates.js';
