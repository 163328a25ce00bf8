// The JSON-only parser of the script-tag bundle against the real socket.io-parser it was derived from:
// every packet encoded or decoded by both must come out the same (the same packet, or both throw),
// except binary packets, which ours refuses on purpose (see its header).
// Under Node, `socket.io-parser` resolves to build/esm-debug: build/esm (what the bundle mirrors) plus debug() calls.
// Fuzz longer or elsewhere with FC_SEED=<n> FC_RUNS=<n>; a failure prints the seed and path to replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import * as upstream from 'socket.io-parser';
import * as ours from '../../src/vendor/socket.io-parser-4.2.7-json.js';

const VENDORED = '4.2.7';
const root = new URL('../../', import.meta.url).pathname;
const FC = { seed: Number(process.env.FC_SEED ?? 20_104), numRuns: Number(process.env.FC_RUNS ?? 2_000) };

type Packet = ours.Packet;
/** What one string (or chunk) does to a fresh decoder: the packet it emits, a throw, or (upstream, binary only) waiting for attachments. */
type Decoded = Packet | 'throws' | 'waits';
type Encoded = string[] | 'throws';

interface DecoderLike {
  on(event: 'decoded', fn: (p: Packet) => void): unknown;
  add(chunk: unknown): void;
  destroy(): void;
}

function decodeWith(decoder: DecoderLike, chunk: unknown): Decoded {
  const got: Packet[] = [];
  decoder.on('decoded', (p) => void got.push(p));
  try {
    decoder.add(chunk);
  } catch {
    return 'throws';
  } finally {
    decoder.destroy();
  }
  assert.ok(got.length <= 1, 'one chunk emits at most one packet');
  return got[0] ?? 'waits';
}

const decodeOurs = (chunk: unknown): Decoded => decodeWith(new ours.Decoder(), chunk);
const decodeUpstream = (chunk: unknown): Decoded => decodeWith(new upstream.Decoder(), chunk);

function encodeWith(encoder: { encode(p: Packet): unknown[] }, p: Packet): Encoded {
  try {
    return encoder.encode(p) as string[];
  } catch {
    return 'throws';
  }
}
const encodeOurs = (p: Packet): Encoded => encodeWith(new ours.Encoder(), p);
const encodeUpstream = (p: Packet): Encoded => encodeWith(new upstream.Encoder(), p);

/**
 * Deep equality without recursion (node's deepStrictEqual overflows the stack on 10,000 nested arrays):
 * numbers by Object.is (an id may be NaN on both sides), arrays and objects key by key.
 */
function same(a: unknown, b: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y) || Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
    const kx = Object.keys(x), ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (const k of kx) {
      if (!Object.hasOwn(y, k)) return false;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
    }
  }
  return true;
}

function assertSame(actual: unknown, expected: unknown, what: string): void {
  if (same(actual, expected)) return;
  assert.deepStrictEqual(actual, expected, what); // fails, with a diff
  assert.fail(`${what}: differs`); // deepStrictEqual saw no difference that same() saw
}

/** A short, safe rendering of any input for assertion messages. */
const show = (x: unknown): string => {
  const s = inspect(x, { depth: 2, maxArrayLength: 6, maxStringLength: 60, breakLength: Infinity });
  return s.length > 100 ? s.slice(0, 97) + '...' : s;
};

/** A binary packet type (5 or 6) as the first character. */
const binaryType = (chunk: unknown): boolean => typeof chunk === 'string' && /^[56]/.test(chunk);

/**
 * Decodes `chunk` with both parsers and asserts the same outcome. A binary packet is the intended
 * difference: ours throws (the Manager reconnects); upstream either throws too or waits for its
 * attachments, never emitting a packet from the string alone.
 */
function assertSameDecode(chunk: unknown): Decoded {
  const mine = decodeOurs(chunk);
  const theirs = decodeUpstream(chunk);
  assert.notEqual(mine, 'waits', 'ours never waits for attachments');
  if (binaryType(chunk)) {
    assert.equal(mine, 'throws', `${show(chunk)}: ours refuses binary packets`);
    assert.ok(theirs === 'throws' || theirs === 'waits', `${show(chunk)}: upstream emits nothing for a binary packet's string`);
    return mine;
  }
  assertSame(mine, theirs, `decode ${show(chunk)}`);
  return mine;
}

function assertSameEncode(p: Packet): Encoded {
  const mine = encodeOurs(p);
  assertSame(mine, encodeUpstream(p), `encode ${show(p)}`);
  return mine;
}

const nestArrays = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

test(`the vendored parser mirrors the socket.io-parser that socket.io-client resolves (${VENDORED}), and the bundle uses it`, () => {
  const require = createRequire(import.meta.url);
  const versionOf = (entry: string): string => JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')).version;
  assert.equal(versionOf(require.resolve('socket.io-parser')), VENDORED, 'the devDependency this test compares against');
  const fromClient = createRequire(require.resolve('socket.io-client')).resolve('socket.io-parser');
  assert.equal(versionOf(fromClient), VENDORED, "socket.io-client's own socket.io-parser: when it moves, port the change and rename the vendored file");
  const alias = `'socket.io-parser-${VENDORED}-json.ts')`; // vendor(name, source, from, file) in rollup.config.mjs
  assert.ok(readFileSync(join(root, 'rollup.config.mjs'), 'utf8').includes(alias), `rollup.config.mjs aliases socket.io-parser with ${alias}`);
  assert.equal(ours.protocol, upstream.protocol);
  for (const [name, n] of Object.entries(ours.PacketType)) assert.equal(upstream.PacketType[name as keyof typeof upstream.PacketType], n, name);
});

test('JSON-only socket.io parser: encodes like socket.io-parser v5 and decodes what a server sends', () => {
  const enc = new ours.Encoder();
  assert.deepEqual(enc.encode({ type: ours.PacketType.CONNECT, nsp: '/', data: { room: 'a' } }), ['0{"room":"a"}']);
  assert.deepEqual(enc.encode({ type: ours.PacketType.EVENT, nsp: '/', data: ['message', { type: 'ready' }] }), ['2["message",{"type":"ready"}]']);
  assert.deepEqual(enc.encode({ type: ours.PacketType.EVENT, nsp: '/admin', id: 12, data: ['x'] }), ['2/admin,12["x"]']);
  assert.deepEqual(ours.decodeString('0{"sid":"abc"}'), { type: 0, nsp: '/', data: { sid: 'abc' } });
  assert.deepEqual(ours.decodeString('2["client-id",{"id":"x"}]'), { type: 2, nsp: '/', data: ['client-id', { id: 'x' }] });
  assert.deepEqual(ours.decodeString('2/admin,7["e"]'), { type: 2, nsp: '/admin', id: 7, data: ['e'] });
  assert.deepEqual(ours.decodeString('1'), { type: 1, nsp: '/' });
  assert.deepEqual(ours.decodeString('4{"message":"room-full"}'), { type: 4, nsp: '/', data: { message: 'room-full' } });
  for (const bad of ['9', '51-["x",{"_placeholder":true,"num":0}]', '2["connect"]', '2{"a":1}', '2[broken', '0"str"'])
    assert.throws(() => ours.decodeString(bad), `${JSON.stringify(bad)} must be refused`);
  // Upstream reads '' as a CONNECT without data (Number('') is 0); so does ours.
  assert.deepEqual(ours.decodeString(''), { type: 0, nsp: '/' });
  const d = new ours.Decoder();
  const got: unknown[] = [];
  const fn = (p: unknown): void => void got.push(p);
  d.on('decoded', fn);
  d.add('2["message",{"type":"bye"}]');
  assert.throws(() => d.add(new Uint8Array([1, 2])));
  d.off('decoded', fn);
  d.add('2["x"]');
  assert.deepEqual(got, [{ type: 2, nsp: '/', data: ['message', { type: 'bye' }] }]);
});

test('encoding: the same strings as socket.io-parser for every kind of JSON packet', () => {
  const cyclic: unknown[] = ['cycle'];
  cyclic.push(cyclic);
  // Each packet, and what both must produce where the test pins it.
  const corpus: Array<[Packet, Encoded?]> = [
    [{ type: 0, nsp: '/' }, ['0']],
    [{ type: 0, nsp: '/', data: { room: 'support-42' } }, ['0{"room":"support-42"}']],
    [{ type: 0, nsp: '/admin', data: { token: 'a.b.c' } }, ['0/admin,{"token":"a.b.c"}']],
    [{ type: 0, nsp: '' }, ['0']],
    [{ type: 1, nsp: '/' }, ['1']],
    [{ type: 1, nsp: '/admin' }, ['1/admin,']],
    [{ type: 2, nsp: '/', data: ['message', { type: 'offer', sdp: 'v=0\r\n' }] }],
    [{ type: 2, nsp: '/', id: 0, data: ['message', { type: 'ready' }] }, ['20["message",{"type":"ready"}]']],
    [{ type: 2, nsp: '/admin', id: 12, data: ['x'] }, ['2/admin,12["x"]']],
    [{ type: 2, nsp: '/', data: [7, 'numeric event name'] }],
    [{ type: 2, nsp: '/', data: ['ünïcödé', '日本語', '😀', '\u2028\u2029', '\u0000', '\ud800'] }, ['2["ünïcödé","日本語","😀","\u2028\u2029","\\u0000","\\ud800"]']],
    [{ type: 2, nsp: '/ü,x', data: ['nsp with a comma'] }],
    [{ type: 2, nsp: '/', data: ['nested', { a: [1, { b: [null, true, false, 1.5e300, -0, 'x'] }], c: {} }] }],
    [{ type: 2, nsp: '/', data: ['undefined fields', { a: undefined, b: [undefined] }] }],
    [{ type: 2, nsp: '/', data: ['dates and toJSON', new Date(0), { toJSON: () => 'custom' }] }],
    [{ type: 2, nsp: '/', data: ['deep', nestArrays(1_000)] }],
    [{ type: 2, nsp: '/', data: ['10,000 nested arrays overflow JSON.stringify', nestArrays(10_000)] }, 'throws'],
    [{ type: 2, nsp: '/', data: ['a BigInt has no JSON form', 1n] }, 'throws'],
    [{ type: 2, nsp: '/', data: cyclic }, 'throws'],
    [{ type: 2, nsp: '/', id: 1.5, data: ['odd id'] }, ['21.5["odd id"]']],
    [{ type: 2, nsp: '/', data: null }, ['2']],
    [{ type: 3, nsp: '/', id: 3, data: [] }, ['33[]']],
    [{ type: 3, nsp: '/admin', id: 2 ** 53, data: [{ ok: true }] }],
    [{ type: 4, nsp: '/', data: { message: 'room-full', data: { code: 'room-full' } } }],
    [{ type: 4, nsp: '/', data: 'not authorized' }, ['4"not authorized"']],
  ];
  for (const [p, expected] of corpus) {
    const got = assertSameEncode(p);
    if (expected) assert.deepEqual(got, expected);
  }
});

test('encoding: data holding binary is the intended difference: one JSON string, not a binary packet', () => {
  const p: Packet = { type: 2, nsp: '/', data: ['blob', new Uint8Array([1, 2])] };
  assert.deepEqual(encodeOurs(p), ['2["blob",{"0":1,"1":2}]']);
  const theirs = encodeUpstream(p);
  assert.ok(Array.isArray(theirs) && theirs.length === 2 && theirs[0] === '51-["blob",{"_placeholder":true,"num":0}]', show(theirs));
});

test('decoding: valid packets come out the same', () => {
  const valid = [
    '0',
    '0{"sid":"abc"}',
    '0{"sid":"abc","pid":"p"}',
    '0/admin,{"sid":"x"}',
    '1',
    '1/admin,',
    '2["message",{"type":"ready"}]',
    '2["client-id",{"id":"x"}]',
    '2/admin,12["x"]',
    '2/admin,0["x"]',
    '2[1,"numeric event name"]',
    '2["__proto__",{"__proto__":{"polluted":true}}]',
    '2["constructor"]',
    '2["ünïcödé","日本語","😀","\\u2028","\\ud800"]',
    '2["nested",{"a":[1,{"b":[null,true,false,1.5e300,-0,"x"]}],"c":{}}]',
    '2 ["whitespace before the data is an id: 0"]',
    '2\n5["newline and digit: id 5"]',
    '2 1 2["id NaN"]',
    `2${'9'.repeat(400)}["id Infinity"]`,
    `2${'1'.repeat(20)}["id past 2**53"]`,
    '3/admin,12[]',
    '312["ok"]',
    '4{"message":"room-full","data":{"code":"room-full"}}',
    '4"not authorized"',
    ' {"sid":"leading space is type 0"}',
    '\u00a0{"sid":"so is a no-break space"}',
  ];
  for (const s of valid) {
    const p = assertSameDecode(s);
    assert.notEqual(p, 'throws', `${show(s)} is a valid packet`);
  }
  const data = (decodeOurs('2["x",{"__proto__":{"polluted":true}}]') as Packet).data as [string, object];
  assert.ok(Object.hasOwn(data[1], '__proto__'), 'a __proto__ key stays an own, plain key');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('decoding: malformed packets (deep nesting, bad types, truncated JSON, odd types, bad input) get the same outcome', () => {
  const n = 10_000;
  const deepEvent = `2["deep",${'['.repeat(n)}${']'.repeat(n)}]`;
  const corpus: Array<[unknown, 'throws' | 'decodes']> = [
    // deep nesting
    [deepEvent, 'decodes'],
    [`0${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, 'decodes'],
    [`2${'['.repeat(n)}${']'.repeat(n)}`, 'throws'], // the event name is an array
    [`2["deep",${'['.repeat(n)}`, 'throws'],
    [`2["deep",${'['.repeat(100_000)}${']'.repeat(100_000)}]`, 'decodes'],
    // bad payload types for the packet type
    ['0"str"', 'throws'],
    ['0[]', 'throws'],
    ['0null', 'throws'],
    ['0 5', 'decodes'], // ' 5' is all id (5), no data
    ['1{}', 'throws'],
    ['1"x"', 'throws'],
    ['2{"a":1}', 'throws'],
    ['2"message"', 'throws'],
    ['2[]', 'throws'],
    ['2[null]', 'throws'],
    ['2[{}]', 'throws'],
    ['2[true]', 'throws'],
    ['2true', 'throws'],
    ['2false', 'throws'],
    ['3{"a":1}', 'throws'],
    ['3"x"', 'throws'],
    ['4[]', 'throws'],
    ['4null', 'throws'],
    ['4 5', 'decodes'],
    // truncated or broken JSON
    ['2[broken', 'throws'],
    ['2["message",{"type":"re', 'throws'],
    ['0{', 'throws'],
    ['4{"message":', 'throws'],
    ['2["x"]garbage', 'throws'],
    ['2["x"] ', 'decodes'],
    ['2["x"]\n', 'decodes'],
    ['2\ufeff["x"]', 'decodes'], // a BOM is whitespace: id 0
    ['2["\\u12"]', 'throws'],
    ['2["x",]', 'throws'],
    ['2[NaN]', 'throws'],
    ['2["x",1e999]', 'decodes'],
    // odd packet types
    ['7', 'throws'],
    ['7["x"]', 'throws'],
    ['8', 'throws'],
    ['9', 'throws'],
    ['-1', 'throws'],
    ['a', 'throws'],
    ['x["e"]', 'throws'],
    ['٣["arabic-indic digit"]', 'throws'],
    ['+2["x"]', 'throws'],
    ['.2["x"]', 'throws'],
    ['', 'decodes'], // Number('') is 0: a CONNECT without data
    [' ', 'decodes'],
    ['\t\n', 'decodes'],
    // packets without data: upstream does not check them, whatever the type
    ['2', 'decodes'],
    ['3', 'decodes'],
    ['4', 'decodes'],
    ['27', 'decodes'],
    // namespaces
    ['2/admin', 'decodes'], // no comma: the rest is the namespace
    ['2/admin["x"]', 'decodes'],
    ['0/admin', 'decodes'],
    ['1/', 'decodes'],
    ['2/,["x"]', 'decodes'],
    ['2/a,b,["x"]', 'throws'],
    ['2/a, 7 ["x"]', 'decodes'],
    ['/2["x"]', 'throws'],
    // reserved event names
    ['2["connect"]', 'throws'],
    ['2["connect_error"]', 'throws'],
    ['2["disconnect"]', 'throws'],
    ['2["disconnecting"]', 'throws'],
    ['2["newListener"]', 'throws'],
    ['2["removeListener"]', 'throws'],
    ['2/admin,3["connect"]', 'throws'],
    ['3["connect"]', 'decodes'], // an ACK's data is not an event name
    // disconnect with data
    ['1["x"]', 'throws'],
    ['1/admin,{}', 'throws'],
    // not a string
    [undefined, 'throws'],
    [null, 'throws'],
    [0, 'throws'],
    [2, 'throws'],
    [true, 'throws'],
    [{}, 'throws'],
    [[], 'throws'],
    [['2["x"]'], 'throws'],
    [{ base64: true, data: 'AAA=' }, 'throws'],
    [new Uint8Array([50, 91, 93]), 'throws'],
    [new ArrayBuffer(2), 'throws'],
    [Buffer.from('2["x"]'), 'throws'],
    [Symbol('x'), 'throws'],
  ];
  for (const [chunk, expected] of corpus) {
    const p = assertSameDecode(chunk);
    assert.equal(p === 'throws' ? 'throws' : 'decodes', expected, `${show(chunk)} ${expected}`);
  }
  assert.deepEqual(decodeOurs('2 ["x"]'), { type: 2, nsp: '/', id: 0, data: ['x'] });
  assert.deepEqual(decodeOurs('2/admin["x"]'), { type: 2, nsp: '/admin["x"]' });
});

test('decoding: binary packets (types 5 and 6) are the intended difference: ours throws, upstream emits nothing', () => {
  for (const s of ['51-["x",{"_placeholder":true,"num":0}]', '61-/admin,3[{"_placeholder":true,"num":0}]', '52-["x"]', '50-["x"]', '5', '6', '5-["x"]', '5["x"]', `5${'1'.repeat(30)}-["x"]`]) {
    assert.equal(decodeOurs(s), 'throws', show(s));
    assertSameDecode(s);
  }
  assert.equal(decodeUpstream('51-["x",{"_placeholder":true,"num":0}]'), 'waits', 'upstream would wait for one attachment');
});

// Parts a server or a fuzzer puts together: a type character, a namespace, id characters, a payload.
const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];
const typeChar = fc.constantFrom('', '0', '1', '2', '3', '4', '5', '6', '7', '9', ' ', '\t', '\u00a0', '-', '/', 'x', '[');
const nspPart = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 8 }).map((s) => `/${s},`),
  fc.string({ maxLength: 8 }).map((s) => `/${s}`),
);
const idPart = fc.oneof(
  fc.constant(''),
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 400n }).map(String),
  fc.array(fc.constantFrom('0', '1', '9', ' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u3000'), { maxLength: 6 }).map((a) => a.join('')),
);
const eventName = fc.oneof(fc.constantFrom(...RESERVED, 'message', 'client-id', '__proto__'), fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null));
const payload = fc.oneof(
  fc.tuple(eventName, fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 3 })).map(([name, args]) => JSON.stringify([name, ...args])),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.json({ maxDepth: 3 }).chain((s) => fc.nat({ max: s.length }).map((cut) => s.slice(0, cut))), // truncated
  fc.string({ maxLength: 12 }),
);
const packetString = fc.tuple(typeChar, nspPart, idPart, fc.oneof(fc.constant(''), payload)).map((parts) => parts.join(''));

test(`fast-check: random strings decode the same (${FC.numRuns} runs each, seed ${FC.seed})`, () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (s) => void assertSameDecode(s)), FC);
  fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 24 }), (s) => void assertSameDecode(s)), FC);
  fc.assert(fc.property(packetString, (s) => void assertSameDecode(s)), FC);
  fc.assert(fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }), (x) => {
    if (typeof x !== 'string') assert.equal(assertSameDecode(x), 'throws');
  }), FC);
});

test(`fast-check: random packets encode to the same strings, which decode the same (${FC.numRuns} runs, seed ${FC.seed})`, () => {
  const packet = fc.record(
    {
      type: fc.integer({ min: 0, max: 4 }),
      nsp: fc.oneof(fc.constant('/'), fc.constant(''), fc.string({ maxLength: 8 }).map((s) => '/' + s)),
      id: fc.oneof(fc.nat(), fc.integer(), fc.double()),
      data: fc.oneof(
        fc.tuple(eventName, fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 3 })).map(([name, args]) => [name, ...args]),
        fc.jsonValue({ maxDepth: 4 }),
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true, maxDepth: 3 }),
      ),
    },
    { requiredKeys: ['type', 'nsp'] },
  );
  fc.assert(fc.property(packet, (p) => {
    const encoded = assertSameEncode(p);
    if (encoded !== 'throws') for (const s of encoded) assertSameDecode(s);
  }), FC);
});

test('socket.io-client with this parser talks to a real Socket.IO server: connect, events and acks both ways, a namespace', { timeout: 20_000 }, async () => {
  const http = createServer();
  const server = new Server(http);
  for (const nsp of [server.of('/'), server.of('/admin')])
    nsp.on('connection', (socket) => {
      socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack({ nsp: socket.nsp.name, value }));
      socket.emit('hello', 'ünï 😀', (reply: unknown) => socket.emit('got', reply));
    });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients = ['/', '/admin'].map((nsp) => {
    const client = connect(url + nsp, { parser: ours, transports: ['websocket'], reconnection: false, forceNew: true });
    // Listening before the first await: the server greets as soon as the client connects.
    const greeted = new Promise<unknown>((resolve) => client.on('hello', (text: unknown, ack: (v: unknown) => void) => { ack(['back', text]); resolve(text); }));
    const got = new Promise<unknown>((resolve) => client.on('got', resolve));
    return { nsp, client, greeted, got };
  });
  try {
    for (const { nsp, client, greeted, got } of clients) {
      const echoed = await client.timeout(5_000).emitWithAck('echo', { deep: [1, [2, [3]]], s: '日本語' });
      assert.deepEqual(echoed, { nsp, value: { deep: [1, [2, [3]]], s: '日本語' } });
      assert.equal(await greeted, 'ünï 😀');
      assert.deepEqual(await got, ['back', 'ünï 😀']);
    }
  } finally {
    for (const { client } of clients) client.close();
    await server.close();
  }
});
