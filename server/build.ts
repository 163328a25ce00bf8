/**
 * The whole relay as a Fastify app of its own: what the CLI runs, and the tests. The relay
 * plugin (plugin.ts) plus the demo and the widget bundle as static files (static.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { resolveOptions, type RelayOptions } from './options.js';
import { relayPlugin } from './plugin.js';
import { staticFiles, type StaticDirs } from './static.js';

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
    // The relay is usually behind a TLS proxy; it only reads the path, never trusts X-Forwarded-*.
    trustProxy: false,
  });
  await app.register(relayPlugin, opts);
  if (staticDirs !== false) await app.register(staticFiles, { dirs: staticDirs, allowedOrigins: opts.allowedOrigins, demo: opts.demo });
  return app;
}
