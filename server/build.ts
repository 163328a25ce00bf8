/**
 * The whole relay as a Fastify app of its own: what the CLI runs, and the tests. The relay
 * plugin (plugin.ts) plus the demo and the widget bundle as static files (static.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveOptions, type RelayOptions } from './config/options.js';
import { relayPlugin } from './plugin.js';
import { PLAIN_HEADERS } from './http/security-headers.js';
import { staticFiles, type StaticDirs } from './http/static.js';

/** The HTTP server's timeouts (docs/relay.md, "Limits"). */
export const HTTP_TIMEOUTS = { connectionMs: 60_000, requestMs: 30_000, keepAliveMs: 10_000 } as const;

export interface BuildRelayOptions extends Partial<RelayOptions> {
  /** Directories served at `/`: the demo and the built widget; false serves nothing. Default: this package's demo/ and dist/. */
  staticDirs?: StaticDirs | false;
}

/**
 * The whole relay as a Fastify app, not yet listening: `await (await buildRelay(o)).listen({ port: 0 })`
 * (or `app.inject()` for HTTP alone). Throws a ConfigError for bad options.
 */
export async function buildRelay(options: BuildRelayOptions = {}): Promise<FastifyInstance> {
  const { staticDirs, ...partial } = options;
  const opts = resolveOptions(partial);
  const app = Fastify({
    logger: opts.logLevel === 'silent' ? false : { level: opts.logLevel },
    // Fastify's own req.ip stays the peer: the connection limits read X-Forwarded-For themselves,
    // from TRUST_PROXY's proxies only (limits/address.ts).
    trustProxy: false,
    // Timeouts for a server on the internet (Fastify's defaults have none). A socket idle this long
    // is closed: above a long-poll's 25 s, and WebSockets ping every 25 s.
    connectionTimeout: HTTP_TIMEOUTS.connectionMs,
    // A whole request (headers and body) must arrive within this: slow-loris clients go.
    requestTimeout: HTTP_TIMEOUTS.requestMs,
    // An idle keep-alive connection is closed after this (a proxy reusing connections must close them sooner).
    keepAliveTimeout: HTTP_TIMEOUTS.keepAliveMs,
  });
  await app.register(relayPlugin, opts);
  if (staticDirs !== false) await app.register(staticFiles, { dirs: staticDirs, allowedOrigins: opts.allowedOrigins, demo: opts.demo });
  // The relay owns the whole server here: its 404 (static.ts has its own) carries the API's headers too.
  else app.setNotFoundHandler((req, reply) => reply.code(404).headers(PLAIN_HEADERS).send({ error: 'Not Found', message: `${req.method} ${req.url.split('?')[0] ?? ''} not found` }));
  return app;
}
