#!/usr/bin/env node
/**
 * `npm start` / `rtc-call-relay`: reads the environment (the table in docs/relay.md),
 * starts the relay, and on SIGTERM/SIGINT stops accepting connections, tells every client
 * `shutting-down`, closes their sockets and exits 0. A second signal, or a close that hangs,
 * exits 1. `rtc-call-relay token ...` prints a token instead (tokens-cli.ts).
 */
import type { FastifyInstance } from 'fastify';
// The relay's modules load only to run it: `token` stays quick.
import type * as Build from './build.js';
import type * as Options from './config/options.js';

const FORCE_EXIT_MS = 10_000;

/** `rtc-call-relay token ...`: the token on stdout, or what is wrong (exit 2). */
async function token(argv: string[]): Promise<void> {
  const { TOKEN_USAGE, UsageError, tokenCommand } = await import('./tokens/cli.js');
  try {
    process.stdout.write(`${await tokenCommand(argv, process.env)}\n`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (!err.message) return console.log(TOKEN_USAGE); // --help
    console.error(`rtc-call-relay token: ${err.message}\n\n${TOKEN_USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'token') return token(rest);
  if (command !== undefined) {
    console.error(`rtc-call-relay: unknown command ${JSON.stringify(command)}: run it with no arguments to start the relay, or \`rtc-call-relay token --help\``);
    process.exit(2);
  }
  const { ConfigError, optionsFromEnv }: typeof Options = await import('./config/options.js');
  const { buildRelay }: typeof Build = await import('./build.js');
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
