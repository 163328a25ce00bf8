/**
 * `rtc-call-relay token --room R --role answerer --name "Ann" --ttl 8h`: prints a token the
 * relay with the same TOKEN_SECRET (read from the environment) accepts, for a desk's bookmark
 * or a quick test. A site's backend mints its own with any JWT library (docs/relay.md, Tokens).
 */
import { parseArgs } from 'node:util';
import { TOKEN_ROLES, type TokenRole } from '../../src/protocol/index.js';
import { MAX_TOKEN_TTL_RANGE, MIN_TOKEN_SECRET_LENGTH, isRoomClaim, mintToken, parseTtl, ttlWords } from './tokens.js';

export const TOKEN_USAGE = `usage: rtc-call-relay token --room ROOM --role caller|answerer|both [--name NAME] [--ttl 8h]

  --room  a room name, or prefix* for every room starting with prefix (* alone: every room)
  --role  caller (places calls, never rung), answerer (takes calls, places none), or both
  --name  the display name the other side sees (default: none)
  --ttl   how long the token is valid: 90s, 30m, 8h, 2d (default 1h, at most MAX_TOKEN_TTL: 24h unless set)

Reads TOKEN_SECRET (and MAX_TOKEN_TTL, as the relay does) from the environment; prints the token on stdout.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The token for `argv` (after `token`), or a UsageError saying what is wrong. */
export async function tokenCommand(argv: string[], env: Record<string, string | undefined>): Promise<string> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { room: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) throw new UsageError('');
  const secret = env.TOKEN_SECRET?.trim();
  if (!secret) throw new UsageError('TOKEN_SECRET is not set: set the same secret as the relay’s');
  if (secret.length < MIN_TOKEN_SECRET_LENGTH) throw new UsageError(`TOKEN_SECRET is too short: at least ${MIN_TOKEN_SECRET_LENGTH} characters`);
  if (values.room === undefined) throw new UsageError('--room is required');
  if (!isRoomClaim(values.room)) throw new UsageError(`--room ${JSON.stringify(values.room)} is not a room name (1-64 of A-Z a-z 0-9 _ . : @ -), prefix* or *`);
  if (values.role === undefined) throw new UsageError('--role is required');
  if (!(TOKEN_ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role must be one of ${TOKEN_ROLES.join(', ')}`);
  const max = maxTokenTtl(env.MAX_TOKEN_TTL);
  const ttl = parseTtl(values.ttl ?? '1h');
  if (ttl === null) throw new UsageError(`--ttl ${JSON.stringify(values.ttl)} is not valid: expected 90s, 30m, 8h or 2d`);
  // The relay would refuse it: MAX_TOKEN_TTL bounds exp from now.
  if (ttl > max) throw new UsageError(`--ttl ${JSON.stringify(values.ttl)} is more than MAX_TOKEN_TTL (${ttlWords(max)}): the relay refuses tokens valid longer`);
  return mintToken(secret, { room: values.room, role: values.role as TokenRole, ...(values.name ? { name: values.name } : {}), ttl });
}

/** MAX_TOKEN_TTL from the environment (seconds, as the relay reads it), or its default. */
function maxTokenTtl(raw: string | undefined): number {
  const v = raw?.trim();
  if (!v) return MAX_TOKEN_TTL_RANGE.default;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= MAX_TOKEN_TTL_RANGE.min && n <= MAX_TOKEN_TTL_RANGE.max))
    throw new UsageError(`MAX_TOKEN_TTL=${JSON.stringify(v)} is not valid: expected an integer ${MAX_TOKEN_TTL_RANGE.min}..${MAX_TOKEN_TTL_RANGE.max} (seconds)`);
  return n;
}
