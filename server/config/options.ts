/**
 * Relay configuration from the table (table.ts): the typed options `buildRelay()` takes, their
 * defaults, `resolveOptions()` for options given in code and `optionsFromEnv()` for the CLI's
 * environment variables. Each value is checked once, where it comes in, by its row's parser; a bad
 * one is reported by name with what was expected, before anything listens.
 */
import { Invalid } from './parsers.js';
import type { AnyRow, Group, OptionsOf, Row, ValueOf } from './rows.js';
import { RULES } from './rules.js';
import { TABLE } from './table.js';

export { redactUrl } from './parsers.js';
export { LOG_LEVELS, type Authorize, type LogLevel, type WebhookDelivery, isWebhookSecret } from './table.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** What `buildRelay()` and `relayPlugin` take (all optional there: resolveOptions fills the defaults). Each key is a row of TABLE. */
// An interface rather than the mapped type itself, so that editors and the .d.ts name it.
export interface RelayOptions extends OptionsOf<typeof TABLE> {}
/** TURN REST API settings (coturn `use-auth-secret` + `static-auth-secret`): TURN_URLS, TURN_SECRET, TURN_TTL. */
export type TurnOptions = ValueOf<typeof TABLE.turn>;

type Env = Record<string, string | undefined>;
type Values = Record<string, unknown>;
type AnyOption = Row<unknown, boolean>;
type AnyGroup = Group<Record<string, AnyOption>>;

const ROWS = Object.entries(TABLE) as [string, AnyRow][];
const rowOf = (key: string): AnyRow | undefined => (Object.hasOwn(TABLE, key) ? (TABLE as Record<string, AnyRow>)[key] : undefined);
const isGroup = (row: AnyRow): row is AnyGroup => 'parts' in row;

/** Every option's default, NODE_ENV unset and no token secret (those change `demo` and `publicIceServers`). */
export const DEFAULT_OPTIONS: RelayOptions = Object.freeze(
  Object.fromEntries(ROWS.filter(([, row]) => row.required).map(([key, row]) => [key, row.default])),
) as unknown as RelayOptions;

/** The ConfigError for a bad value: a secret is named with its variable, anything else quoted with what was expected. */
function refuse(e: unknown, name: string, value: unknown, row: AnyOption, key: string): never {
  if (!(e instanceof Invalid)) throw e;
  if (row.parser.secret) throw new ConfigError(`${key} (${row.env}) is not valid: expected ${e.expected}`);
  throw new ConfigError(`${name}=${JSON.stringify(e.shown ? e.shown.value : value)} is not valid: expected ${e.expected}`);
}

/** A value given in code, checked by its row (a group part by part, named `turn.secret`). */
function checkGiven(key: string, row: AnyRow, v: unknown): unknown {
  if (!isGroup(row)) {
    try {
      return row.parser.check(v);
    } catch (e) {
      return refuse(e, key, v, row, key);
    }
  }
  if (typeof v !== 'object' || v === null) throw new ConfigError(`${key}=${JSON.stringify(v)} is not valid: expected { ${Object.keys(row.parts).join(', ')} }`);
  const parts = v as Values;
  return Object.fromEntries(Object.entries(row.parts).map(([p, part]) => [p, checkGiven(`${key}.${p}`, part, parts[p])]));
}

/** Defaults, deprecated names and the checks across options, over values already checked one by one. */
function complete(given: Values, nodeEnv: string | undefined): RelayOptions {
  const o: Values = {};
  for (const [key, row] of ROWS) {
    if (isGroup(row) || !row.aliasOf) continue;
    if (given[row.aliasOf] === undefined && given[key] !== undefined) given[row.aliasOf] = given[key];
    delete given[key];
  }
  for (const [key, v] of Object.entries(given)) if (v !== undefined) o[key] = v;
  for (const [key, row] of ROWS) if (o[key] === undefined && row.required) o[key] = structuredClone(row.default);
  for (const [key, row] of ROWS) if (!isGroup(row) && row.defaultFrom && given[key] === undefined) o[key] = row.defaultFrom(o, nodeEnv);
  const options = o as unknown as RelayOptions;
  for (const rule of RULES) {
    const problem = rule(options);
    if (problem) throw new ConfigError(problem);
  }
  return options;
}

/** Fills defaults and checks the combination; throws ConfigError with a sentence on bad input. */
export function resolveOptions(partial: Partial<RelayOptions> = {}): RelayOptions {
  const given: Values = {};
  for (const [key, v] of Object.entries(partial)) {
    const row = rowOf(key);
    if (v === undefined) continue;
    // A deprecated name is not read when the current one is given.
    if (row && !isGroup(row) && row.aliasOf && (partial as Values)[row.aliasOf] !== undefined) continue;
    given[key] = row ? checkGiven(key, row, v) : v;
  }
  return complete(given, process.env.NODE_ENV);
}

/**
 * Reads the relay's environment variables (the table in docs/relay.md). Unset or empty
 * variables take their defaults; anything else malformed throws a ConfigError naming it.
 */
export function optionsFromEnv(env: Env = process.env): RelayOptions {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const set = new Set<string>();
  const read = (key: string, row: AnyOption): unknown => {
    const raw = row.env === undefined ? undefined : get(row.env);
    if (raw === undefined) return undefined;
    let v: unknown;
    try {
      v = (row as Extract<AnyOption, { env: string }>).parser.parse(raw);
    } catch (e) {
      return refuse(e, row.env!, raw, row, key);
    }
    if (Array.isArray(v) && v.length === 0) return undefined; // `,` lists nothing
    set.add(row.env!);
    return v;
  };

  const given: Values = {};
  for (const [key, row] of ROWS) {
    if (!isGroup(row)) {
      // A deprecated name (ROOM_SIZE) is not read when the current one is set.
      const current = row.aliasOf === undefined ? undefined : rowOf(row.aliasOf);
      if (!(current && !isGroup(current) && current.env && get(current.env))) given[key] = read(key, row);
      continue;
    }
    const parts = Object.entries(row.parts).map(([p, part]) => [p, read(`${key}.${p}`, part) ?? structuredClone(part.default)] as const);
    // Present when every part without a default is set (the `needs` below say which is missing).
    if (parts.every(([, v]) => v !== undefined)) given[key] = Object.fromEntries(parts);
  }
  for (const row of ROWS.flatMap(([, row]) => (isGroup(row) ? Object.values(row.parts) : [row]))) {
    if (!row.needs || !row.env || !set.has(row.env)) continue;
    const missing = row.needs.env.filter((name) => !set.has(name));
    if (missing.length) throw new ConfigError(row.needs.message ?? `${row.env} is set but ${missing.join(' and ')} is not: ${row.needs.why}`);
  }
  // The environment's NODE_ENV, not the process's, decides the demo.
  return complete(given, get('NODE_ENV'));
}
