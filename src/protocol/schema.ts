/**
 * A small JSON-schema engine: the TypeScript type a schema describes (FromSchema), and whether a
 * value matches it (matchesSchema), for the subset the protocol's payload schemas use. A schema
 * written once serves three ends: the relay's Fastify route serialises with it, the widget checks
 * what it received with it, and the payload's type is derived from it.
 */

/** The TypeScript type a (small subset of) JSON schema describes. */
export type FromSchema<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { anyOf: readonly (infer A)[] }
    ? A extends unknown ? FromSchema<A> : never
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'integer' | 'number' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : S extends { type: 'array'; items: infer I }
            ? FromSchema<I>[]
            : S extends { type: 'object'; properties: infer P }
              ? ObjectFromSchema<P, S extends { required: readonly (infer R)[] } ? R : never>
              : unknown;
type ObjectFromSchema<P, R> = {
  -readonly [K in keyof P as K extends R ? K : P[K] extends { default: unknown } ? K : never]: FromSchema<P[K]>;
} & { -readonly [K in keyof P as K extends R ? never : P[K] extends { default: unknown } ? never : K]?: FromSchema<P[K]> };

/**
 * Whether `v` matches `schema` (the subset FromSchema knows). Unknown keywords are ignored;
 * `default`s are not applied here (the parsers in validate.ts do that).
 */
export function matchesSchema(schema: unknown, v: unknown): boolean {
  const s = schema as { type?: string; enum?: readonly unknown[]; anyOf?: readonly unknown[]; items?: unknown; properties?: Record<string, unknown>; required?: readonly string[] };
  if (s.enum) return s.enum.includes(v);
  if (s.anyOf) return s.anyOf.some((a) => matchesSchema(a, v));
  switch (s.type) {
    case 'string':
      return typeof v == 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'array':
      return Array.isArray(v) && v.every((x) => matchesSchema(s.items, x));
    case 'object': {
      if (typeof v != 'object' || v === null || Array.isArray(v)) return false;
      const o = v as Record<string, unknown>;
      return (s.required ?? []).every((k) => k in o) && Object.entries(s.properties ?? {}).every(([k, p]) => o[k] === undefined || matchesSchema(p, o[k]));
    }
  }
  return true;
}
