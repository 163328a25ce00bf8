import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaErrorReason, mediaConstraints } from '../../src/core/media.js';
import { parseIceConfig, iceConfigFresh } from '../../src/core/ice.js';
import { Decoder, Encoder, decodeString, PacketType } from '../../src/core/sio-json-parser.js';

test('getUserMedia errors map to the reasons users see', () => {
  assert.equal(mediaErrorReason({ name: 'NotAllowedError' }), 'permission-denied');
  assert.equal(mediaErrorReason({ name: 'SecurityError' }), 'permission-denied');
  assert.equal(mediaErrorReason({ name: 'NotFoundError' }), 'no-device');
  assert.equal(mediaErrorReason({ name: 'OverconstrainedError' }), 'no-device');
  assert.equal(mediaErrorReason({ name: 'NotReadableError' }), 'device-busy');
  assert.equal(mediaErrorReason({ name: 'NotSupportedError' }), 'unsupported');
  assert.equal(mediaErrorReason(null), 'unsupported');
  assert.deepEqual(mediaConstraints('voice'), { audio: true, video: false });
  assert.deepEqual(mediaConstraints('video'), { audio: true, video: true });
});

test('/ice-servers bodies are validated; TURN credentials are refetched at half their TTL', () => {
  assert.deepEqual(parseIceConfig({ iceServers: [{ urls: ['turn:x'], username: 'u', credential: 'c' }], iceTransportPolicy: 'relay', ttl: 60 }), {
    iceServers: [{ urls: ['turn:x'], username: 'u', credential: 'c' }],
    iceTransportPolicy: 'relay',
    ttl: 60,
  });
  assert.equal(parseIceConfig({ iceServers: [] }).iceTransportPolicy, 'all');
  for (const bad of [null, {}, { iceServers: 'x' }, { iceServers: [{ urls: 5 }] }, { iceServers: [null] }]) assert.throws(() => parseIceConfig(bad));
  const cfg = { iceServers: [], iceTransportPolicy: 'all' as const, ttl: 100 };
  assert.equal(iceConfigFresh(cfg, 0, 49_000), true);
  assert.equal(iceConfigFresh(cfg, 0, 51_000), false);
  assert.equal(iceConfigFresh({ iceServers: [], iceTransportPolicy: 'all' }, 0, 1e12), true);
});

test('JSON-only socket.io parser: encodes like socket.io-parser v5 and decodes what a server sends', () => {
  const enc = new Encoder();
  assert.deepEqual(enc.encode({ type: PacketType.CONNECT, nsp: '/', data: { room: 'a' } }), ['0{"room":"a"}']);
  assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: '/', data: ['message', { type: 'ready' }] }), ['2["message",{"type":"ready"}]']);
  assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: '/admin', id: 12, data: ['x'] }), ['2/admin,12["x"]']);
  assert.deepEqual(decodeString('0{"sid":"abc"}'), { type: 0, nsp: '/', data: { sid: 'abc' } });
  assert.deepEqual(decodeString('2["client-id",{"id":"x"}]'), { type: 2, nsp: '/', data: ['client-id', { id: 'x' }] });
  assert.deepEqual(decodeString('2/admin,7["e"]'), { type: 2, nsp: '/admin', id: 7, data: ['e'] });
  assert.deepEqual(decodeString('1'), { type: 1, nsp: '/' });
  assert.deepEqual(decodeString('4{"message":"room-full"}'), { type: 4, nsp: '/', data: { message: 'room-full' } });
  for (const bad of ['', '9', '51-["x",{"_placeholder":true,"num":0}]', '2["connect"]', '2{"a":1}', '2[broken', '0"str"'])
    assert.throws(() => decodeString(bad), `${JSON.stringify(bad)} must be refused`);
  const d = new Decoder();
  const got: unknown[] = [];
  const fn = (p: unknown): void => void got.push(p);
  d.on('decoded', fn);
  d.add('2["message",{"type":"bye"}]');
  assert.throws(() => d.add(new Uint8Array([1, 2])));
  d.off('decoded', fn);
  d.add('2["x"]');
  assert.equal(got.length, 1);
});
