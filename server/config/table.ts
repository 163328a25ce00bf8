/**
 * The relay's configuration as one table, one row per option: its environment variable (none for
 * options only code may set), the parser that reads and checks it, its default and what it does.
 * Everything else comes from here: RelayOptions, DEFAULT_OPTIONS, optionsFromEnv(), resolveOptions()'s
 * checks (options.ts) and the table in docs/relay.md, "Configuration" (docs.ts, held to the docs by
 * test/docs/config.test.ts). A new option is a row in variables.ts or code-only.ts, then
 * `node --import tsx scripts/config-docs.ts`.
 */
import { CODE_ONLY } from './code-only.js';
import { VARIABLES } from './variables.js';

export { type Authorize, type WebhookDelivery } from './code-only.js';
export { isWebhookSecret, LOG_LEVELS, type LogLevel } from './variables.js';

export const TABLE = { ...VARIABLES, ...CODE_ONLY };

/** Variables the relay reads that are no option of their own (documented with the rest). */
export const ENV_NOTES = [
  { env: 'NODE_ENV', doc: '`production` turns the any-origin and open-relay notices into warnings, and the demo page off' },
] as const;
