/**
 * The shape of a row of the configuration table (table.ts), and the option types derived from
 * the table: a row with a default is a required key of RelayOptions, one without is optional,
 * and its value type is the one its parser yields.
 */
import type { Check, Parser } from './parsers.js';

/** Another variable this one needs: without it, `message` (or "X is set but Y is not: why"). */
export interface Needs {
  env: string[];
  why?: string;
  message?: string;
}

interface RowBase {
  /** What the option does: the meaning column of docs/relay.md's table (Markdown), or a line for code-only ones. */
  doc: string;
  /** The docs' default column when it is not the default spelled the variable's way (`any`, `derived`). */
  docDefault?: string;
  /** Checked when the variable is set (server/config/options.ts, optionsFromEnv). */
  needs?: Needs;
  /** A deprecated name: the value goes to this key when that one is not given, and the name is dropped. */
  aliasOf?: string;
  /** A default that depends on the other options or on NODE_ENV (replaces `default` when the key is not given). */
  defaultFrom?: (o: Readonly<Record<string, unknown>>, nodeEnv: string | undefined) => unknown;
}

/** One option: `Req` says whether it always has a value (a default). */
export type Row<T, Req extends boolean> = RowBase &
  ({ env: string; parser: Parser<T> } | { env?: undefined; parser: Check<T> }) & { readonly required: Req; default: Req extends true ? T : undefined };

/** An option made of parts, each its own variable (TURN: urls, secret, ttl): absent unless its parts without a default are set. */
export interface Group<P extends Record<string, Row<unknown, boolean>>> {
  readonly required: false;
  readonly parts: P;
  doc: string;
  default: undefined;
}

type RowInput<T> = Omit<RowBase, 'defaultFrom'> & ({ env: string; parser: Parser<T> } | { env?: undefined; parser: Check<T> });

/** A row with a default: a required key. */
export function option<T>(r: RowInput<T> & { default: NoInfer<T>; defaultFrom?: (o: Readonly<Record<string, unknown>>, nodeEnv: string | undefined) => NoInfer<T> }): Row<T, true> {
  return { ...r, required: true };
}

/** A row without a default: an optional key. */
export function optional<T>(r: RowInput<T>): Row<T, false> {
  return { ...r, required: false, default: undefined };
}

export function group<P extends Record<string, Row<unknown, boolean>>>(doc: string, parts: P): Group<P> {
  return { required: false, parts, doc, default: undefined };
}

export type AnyRow = Row<unknown, boolean> | Group<Record<string, Row<unknown, boolean>>>;

/** The value type of a row. */
export type ValueOf<R> =
  R extends Group<infer P> ? { [K in keyof P]: ValueOf<P[K]> } : R extends Row<infer T, boolean> ? T : never;

type RequiredKeys<T> = { [K in keyof T]: T[K] extends { readonly required: true } ? K : never }[keyof T];

/** The options a table describes: keys with a default required, the others optional. */
export type OptionsOf<T> = { -readonly [K in RequiredKeys<T>]: ValueOf<T[K]> } & { -readonly [K in Exclude<keyof T, RequiredKeys<T>>]?: ValueOf<T[K]> };

/** Every variable a row reads, in order (a group's parts'). */
export const envRows = (row: AnyRow): Row<unknown, boolean>[] =>
  'parts' in row ? Object.values(row.parts).filter((p) => p.env) : row.env ? [row] : [];
