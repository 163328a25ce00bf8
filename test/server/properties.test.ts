/**
 * Property-based tests (fast-check) over the two checks everything untrusted passes through:
 * the token check (server/tokens/tokens.ts) never admits a token that is not exactly valid, whatever
 * its claims, algorithm, key or bytes; the message validator (checkMessage in src/protocol/validate.ts)
 * never throws, never lets a field through that the schema does not have, and what it accepts
 * is accepted again, unchanged, after the wire (JSON).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { CALL_KINDS, CANCEL_REASONS, LIMITS, MESSAGE_TYPES, TOKEN_ROLES, checkMessage, type SignalMessage } from '../../src/protocol/index.js';
import { MAX_TOKEN_TTL_RANGE, TOKEN_CLOCK_TOLERANCE_S, checkToken, isRoomClaim, tokenKey } from '../../server/tokens/tokens.js';

// ---- the token check ----

const SECRET = randomBytes(32).toString('hex');
const KEY = tokenKey(SECRET);
const ROOM = 'support-42';
const NOW_S = Math.floor(Date.now() / 1000);
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Alg = 'HS256' | 'HS384' | 'HS512' | 'none';
type Mutation = { at: 'none' } | { at: 'header' | 'payload' | 'signature'; pos: number; by: number } | { at: 'truncate'; pos: number } | { at: 'append'; text: string };

/** Claims from the whole space: right and wrong rooms, prefixes, roles, names, expiries, nbf, extras, missing. */
const claimsArb = fc.record(
  {
    room: fc.oneof(
      fc.constantFrom(ROOM, 'support-43', 'support-*', 'support-4*', 'sales-*', '*', 'support-42*', '', 'a b', 'support-42 ', '**'),
      fc.string({ maxLength: 70 }),
      fc.integer(),
      fc.constant(null),
    ),
    role: fc.oneof(fc.constantFrom(...TOKEN_ROLES, 'admin', 'Caller', '', 'rejoin'), fc.integer(), fc.constant(null)),
    name: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)),
    exp: fc.oneof(
      fc.integer({ min: 60, max: 10_000_000 }).map((d) => NOW_S + d), // valid for a while
      fc.integer({ min: TOKEN_CLOCK_TOLERANCE_S + 60, max: 10_000_000 }).map((d) => NOW_S - d), // long expired
      fc.constantFrom('tomorrow', null, true),
    ),
    nbf: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }).map((d) => NOW_S - d), fc.integer({ min: TOKEN_CLOCK_TOLERANCE_S + 60, max: 1_000_000 }).map((d) => NOW_S + d)),
    jti: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

/** Claims a site would mint for this room (most valid), so the admitted side of the property is exercised too. */
const mintedArb = fc.record(
  {
    room: fc.constantFrom(ROOM, 'support-*', 'support-4*', '*', 'support-42*', 'support-43'),
    role: fc.constantFrom(...TOKEN_ROLES),
    name: fc.string({ maxLength: 80 }),
    exp: fc.oneof(fc.integer({ min: 60, max: MAX_TOKEN_TTL_RANGE.default }), fc.integer({ min: 60, max: 10_000_000 })).map((d) => NOW_S + d),
    nbf: fc.integer({ min: 0, max: 1_000_000 }).map((d) => NOW_S - d),
    iat: fc.constant(NOW_S),
  },
  { requiredKeys: ['room', 'role', 'exp'] },
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Mutation>({ at: 'none' }) },
  fc.record({ at: fc.constantFrom('header' as const, 'payload' as const, 'signature' as const), pos: fc.nat(), by: fc.integer({ min: 1, max: 63 }) }),
  fc.record({ at: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({ at: fc.constant('append' as const), text: fc.constantFrom('.', 'A', '.x', '==', ' ', '\n', '%20') }),
);

async function signAs(claims: Record<string, unknown>, alg: Alg, secret: string): Promise<string> {
  if (alg === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(tokenKey(secret));
}

/**
 * Changes one character of a segment (the last one included: a change there may touch only its
 * unused bits, the same bytes spelled otherwise, which must be refused too), cuts or extends the token.
 */
function mutate(token: string, m: Mutation): string {
  if (m.at === 'none') return token;
  if (m.at === 'append') return token + m.text;
  if (m.at === 'truncate') return token.slice(0, m.pos % token.length);
  const parts = token.split('.');
  const i = { header: 0, payload: 1, signature: 2 }[m.at];
  const seg = parts[i]!;
  if (seg.length === 0) return `${token}A`;
  const pos = m.pos % seg.length;
  const c = B64URL[(B64URL.indexOf(seg[pos]!) + m.by) % 64]!;
  parts[i] = seg.slice(0, pos) + c + seg.slice(pos + 1);
  return parts.join('.');
}

/** What a token with these claims grants when its signature is right, or null: the rules written out again. */
function expected(c: Record<string, unknown>): { room: string; role: string; name: string } | null {
  if (typeof c.exp !== 'number' || c.exp <= NOW_S - TOKEN_CLOCK_TOLERANCE_S) return null;
  // MAX_TOKEN_TTL (a day by default) bounds exp from now.
  if (c.exp > NOW_S + MAX_TOKEN_TTL_RANGE.default + TOKEN_CLOCK_TOLERANCE_S) return null;
  if (typeof c.nbf === 'number' && c.nbf > NOW_S + TOKEN_CLOCK_TOLERANCE_S) return null;
  if (c.nbf !== undefined && typeof c.nbf !== 'number') return null;
  if (c.iat !== undefined && typeof c.iat !== 'number') return null;
  const { room, role, name } = c;
  if (typeof room !== 'string' || !isRoomClaim(room)) return null;
  if (room.endsWith('*') ? !ROOM.startsWith(room.slice(0, -1)) : room !== ROOM) return null;
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) return null;
  if (name !== undefined && typeof name !== 'string') return null;
  return { room, role, name: name ?? '' };
}

test('the token check admits exactly the valid tokens: random claims, algorithms, keys and byte changes', async () => {
  let admitted = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(claimsArb, mintedArb), fc.constantFrom<Alg>('HS256', 'HS256', 'HS384', 'HS512', 'none'), fc.boolean(), mutationArb, async (claims, alg, rightKey, m) => {
      const secret = rightKey ? SECRET : `${SECRET.slice(1)}x`;
      const token = mutate(await signAs(claims, alg, secret), m);
      const r = await checkToken(token, ROOM, KEY, NOW_S * 1000);
      const want = alg === 'HS256' && rightKey && m.at === 'none' ? expected(claims) : null;
      if (!want) {
        assert.equal(r.ok, false, `admitted: ${JSON.stringify({ claims, alg, rightKey, m })}`);
        if (!r.ok) {
          assert.ok(r.reason.length > 0 && !r.reason.includes(SECRET) && (token.length < 8 || !r.reason.includes(token)), 'a reason, without the secret or the token');
          // Expired but otherwise valid (the rejoin rule) only for a token that is.
          if (r.expired) assert.ok(alg === 'HS256' && rightKey && m.at === 'none' && expected({ ...claims, exp: NOW_S + 3600 }), 'expired claims only from a genuine token');
        }
        return;
      }
      assert.ok(r.ok, `refused (${r.ok ? '' : r.reason}): ${JSON.stringify(claims)}`);
      admitted++;
      assert.deepEqual({ room: r.claims.room, role: r.claims.role, name: r.claims.name }, want);
    }),
    { numRuns: 1500 },
  );
  assert.ok(admitted > 10, `valid tokens were generated too (${admitted})`);
});

test('the token check never throws, whatever it is given as a token', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.anything(), fc.string(), fc.stringMatching(/^[\w-]*\.[\w-]*\.[\w-]*$/)), async (token) => {
      const r = await checkToken(token, ROOM, KEY);
      assert.equal(r.ok, false);
    }),
    { numRuns: 300 },
  );
});

// ---- the message validator ----

const SCHEMA_FIELDS = new Set(['type', 'sdp', 'candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment', 'to', 'clientId', 'call', 'kind', 'name', 'reason']);
const PROBLEMS = new Set(['object', 'type', 'string', 'long', 'no-sdp', 'has-sdp', 'no-candidate', 'has-candidate', 'index', 'empty-to', 'call', 'no-call', 'kind', 'reason']);

const textArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', 'c1', 'call_-9', 'candidate:1 1 udp 1 127.0.0.1 9 typ host', 'v=0\r\n', '0', 'audio'),
  fc.integer({ min: 0, max: 70 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(LIMITS.maxCandidateBytes, LIMITS.maxCandidateBytes + 1, LIMITS.maxSdpBytes + 1).map((n) => 'é'.repeat(Math.ceil(n / 2))),
);
const valueArb = fc.oneof({ weight: 6, arbitrary: textArb }, fc.integer({ min: -2, max: 70 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));

/** Messages near the schema: known types and fields with plausible and implausible values, and unknown fields. */
const messageArb = fc.record(
  {
    type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...MESSAGE_TYPES) }, valueArb),
    sdp: valueArb,
    candidate: valueArb,
    sdpMid: valueArb,
    sdpMLineIndex: fc.oneof(fc.integer({ min: -1, max: 70 }), valueArb),
    usernameFragment: valueArb,
    to: valueArb,
    clientId: valueArb,
    call: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/), valueArb),
    kind: fc.oneof(fc.constantFrom(...CALL_KINDS), valueArb),
    name: valueArb,
    reason: fc.oneof(fc.constantFrom(...CANCEL_REASONS), valueArb),
    from: valueArb,
    __proto__x: valueArb,
    constructor: valueArb,
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

/** Messages as clients send them (every type with the fields it takes), with unknown fields and a tutorial clientId now and then. */
const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const extrasArb = fc.record({ clientId: idArb, junk: fc.anything(), from: idArb }, { requiredKeys: [] });
const wellFormedArb = fc
  .oneof(
    fc.record({ type: fc.constantFrom('offer' as const, 'answer' as const), sdp: fc.string({ minLength: 1, maxLength: 200 }), to: idArb, call: idArb }, { requiredKeys: ['type', 'sdp'] }),
    fc.record(
      { type: fc.constant('candidate' as const), candidate: fc.string({ maxLength: 200 }), sdpMid: fc.string({ maxLength: 8 }), sdpMLineIndex: fc.integer({ min: 0, max: 63 }), usernameFragment: fc.string({ maxLength: 16 }), to: idArb },
      { requiredKeys: ['type', 'candidate'] },
    ),
    fc.record({ type: fc.constant('ready' as const), call: idArb, kind: fc.constantFrom(...CALL_KINDS), to: idArb, name: fc.string({ maxLength: 64 }) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('bye' as const), call: idArb, to: idArb }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constantFrom('accept' as const, 'decline' as const), call: idArb }, { requiredKeys: ['type', 'call'] }),
    fc.record({ type: fc.constant('cancel' as const), call: idArb, reason: fc.constantFrom(...CANCEL_REASONS) }, { requiredKeys: ['type', 'call'] }),
  )
  .chain((m) => extrasArb.map((x) => ({ ...x, ...m })));

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

test('checkMessage never throws, returns a problem it can name or a copy holding only schema fields, and what it accepts passes again after JSON', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof({ weight: 4, arbitrary: wellFormedArb }, { weight: 4, arbitrary: messageArb }, fc.anything()), (raw) => {
      const r = checkMessage(raw);
      if (Array.isArray(r)) {
        assert.ok(PROBLEMS.has(r[0]), `a known problem: ${String(r[0])}`);
        return;
      }
      accepted++;
      const m = r as SignalMessage;
      for (const k of Object.keys(m)) assert.ok(SCHEMA_FIELDS.has(k), `field ${k} is not in the schema`);
      assert.ok(!('clientId' in m), 'clientId is never relayed (the relay stamps its own)');
      // Every field it kept is the sender's value, unchanged.
      const src = raw as Record<string, unknown>;
      for (const [k, v] of Object.entries(m)) assert.deepEqual(v, src[k], `field ${k} is passed as sent`);
      // Within the limits.
      if (m.sdp !== undefined) assert.ok(utf8(m.sdp) <= LIMITS.maxSdpBytes && m.sdp.length > 0);
      if (m.candidate !== undefined) assert.ok(utf8(m.candidate) <= LIMITS.maxCandidateBytes);
      for (const [k, max] of [['sdpMid', LIMITS.maxSdpMidLength], ['usernameFragment', LIMITS.maxUsernameFragmentLength], ['to', LIMITS.maxIdLength], ['call', LIMITS.maxCallIdLength], ['name', LIMITS.maxNameLength]] as const)
        if (m[k] !== undefined) assert.ok(typeof m[k] === 'string' && (m[k] as string).length <= max, k);
      if (m.sdpMLineIndex !== undefined) assert.ok(Number.isInteger(m.sdpMLineIndex) && m.sdpMLineIndex! >= 0 && m.sdpMLineIndex! <= LIMITS.maxSdpMLineIndex);
      // The round trip: what the relay sends on is what a client accepts, the same.
      assert.deepEqual(checkMessage(JSON.parse(JSON.stringify(m))), m);
    }),
    { numRuns: 5000 },
  );
  assert.ok(accepted > 1000, `accepted messages were generated too (${accepted})`);
});
