/**
 * A relay node in its own process, for tests that must kill a node outright (SIGKILL:
 * no shutdown hook runs, no `peer-left` is sent by it). argv: redisUrl heartbeatMs.
 * Prints one line `{"port":N}` on stdout once it listens.
 */
import type { AddressInfo } from 'node:net';
import { buildRelay } from '../../server/index.js';

const [redisUrl, heartbeat, extra] = process.argv.slice(2);
const options = extra ? (JSON.parse(extra) as object) : {};
const app = await buildRelay({ logLevel: 'silent', staticDirs: false, redisUrl, redisHeartbeatMs: Number(heartbeat) || 200, ...options });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
// The test's process going away ends us too.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
