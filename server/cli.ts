#!/usr/bin/env node
/**
 * `npm start` / `rtc-call-relay`: reads the environment (the table in docs/relay.md),
 * starts the relay, and on SIGTERM/SIGINT tells every client `shutting-down`,
 * closes their sockets and exits 0. A second signal, or a close that hangs, exits 1.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError, optionsFromEnv } from './options.js';
import { buildRelay } from './build.js';

const FORCE_EXIT_MS = 10_000;

async function main(): Promise<void> {
  let opts;
  try {
    opts = optionsFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rtc-call-relay: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  let app: FastifyInstance | undefined;
  let stopping = false;
  // Installed before anything starts, so a signal during startup still ends cleanly.
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      app?.log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    if (!app) process.exit(0); // not serving anyone yet
    app.log.info(`${signal}: shutting down (clients are told to reconnect)`);
    setTimeout(() => {
      app?.log.error(`shutdown took over ${FORCE_EXIT_MS} ms; exiting anyway`);
      process.exit(1);
    }, FORCE_EXIT_MS).unref();
    app.close().then(
      () => {
        app?.log.info('closed');
        process.exit(0);
      },
      (err: unknown) => {
        app?.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  app = await buildRelay(opts);
  if (stopping) process.exit(0);
  await app.listen({ port: opts.port, host: opts.host });
}

main().catch((err: unknown) => {
  console.error('rtc-call-relay: failed to start:', err);
  process.exit(1);
});
