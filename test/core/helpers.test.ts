import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaErrorReason, mediaConstraints } from '../../src/core/media.js';
import { iceConfigFresh } from '../../src/core/ice.js';
import { checkMessage, parseIceConfig, parsePresence, validateMessage, LIMITS, type MessageProblem } from '../../src/protocol/index.js';

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
  // Devices picked earlier are preferred, not required (a call still starts if one is gone).
  assert.deepEqual(mediaConstraints('video', { audio: 'mic2', video: 'cam2' }), { audio: { deviceId: 'mic2' }, video: { deviceId: 'cam2' } });
  assert.deepEqual(mediaConstraints('voice', { video: 'cam2' }), { audio: true, video: false });
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

test('a presence (event, client-id, GET /presence) is checked against the one PRESENCE_SCHEMA', () => {
  assert.deepEqual(parsePresence({ available: 2, busy: 1 }), { available: 2, busy: 1 });
  assert.deepEqual(parsePresence({ available: 0, busy: 0, queued: 3 }), { available: 0, busy: 0, queued: 3 });
  for (const bad of [undefined, null, [], 'x', {}, { available: 1 }, { busy: 1 }, { available: 1.5, busy: 0 }, { available: '1', busy: 0 }, { available: 1, busy: 0, queued: 'x' }])
    assert.equal(parsePresence(bad), undefined, JSON.stringify(bad));
});

test('checkMessage refuses as data (what the widget needs); validateMessage words the same refusal for the relay', () => {
  const cases: Array<[unknown, MessageProblem, string]> = [
    [null, ['object', ''], 'message must be an object'],
    [{ type: 'hello' }, ['type', 'type'], 'type must be one of offer, answer, candidate, ready, bye, accept, decline, cancel, media'],
    [{ type: 'offer', sdp: 5 }, ['string', 'sdp'], 'sdp must be a string'],
    [{ type: 'offer', sdp: 'é'.repeat(LIMITS.maxSdpBytes / 2 + 1) }, ['long', 'sdp'], `sdp is longer than ${LIMITS.maxSdpBytes} bytes`],
    [{ type: 'candidate', candidate: 'c', sdpMid: 'x'.repeat(LIMITS.maxSdpMidLength + 1) }, ['long', 'sdpMid'], `sdpMid is longer than ${LIMITS.maxSdpMidLength}`],
    [{ type: 'answer' }, ['no-sdp', 'answer'], 'answer needs a non-empty sdp'],
    [{ type: 'ready', sdp: 'v=0' }, ['has-sdp', 'ready'], 'ready must not carry sdp'],
    [{ type: 'candidate' }, ['no-candidate', 'candidate'], 'candidate needs a candidate string'],
    [{ type: 'bye', candidate: 'c' }, ['has-candidate', 'bye'], 'bye must not carry a candidate'],
    [{ type: 'candidate', candidate: 'c', sdpMLineIndex: 1.5 }, ['index', 'sdpMLineIndex'], `sdpMLineIndex must be an integer 0..${LIMITS.maxSdpMLineIndex}`],
    [{ type: 'ready', to: '' }, ['empty-to', 'to'], 'to must not be empty'],
    [{ type: 'ready', call: 'a b' }, ['call', 'call'], 'call must be 1-64 characters A-Z a-z 0-9 _ -'],
    [{ type: 'ready', call: 'x'.repeat(LIMITS.maxCallIdLength + 1) }, ['long', 'call'], `call is longer than ${LIMITS.maxCallIdLength}`],
    [{ type: 'accept' }, ['no-call', 'accept'], 'accept needs a call id'],
    [{ type: 'cancel', call: 'c1', reason: 'bored' }, ['reason', 'reason'], 'reason must be one of hang-up, no-answer, answered'],
    [{ type: 'ready', call: 'c1', kind: 'fax' }, ['kind', 'kind'], 'kind must be one of video, voice'],
    [{ type: 'ready', call: 'c1', name: 7 }, ['string', 'name'], 'name must be a string'],
  ];
  for (const [raw, problem, text] of cases) {
    assert.deepEqual(checkMessage(raw), problem, JSON.stringify(raw).slice(0, 80));
    assert.deepEqual(validateMessage(raw), { ok: false, code: 'bad-message', message: text });
  }
  const ok = { type: 'candidate', candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, to: 'x', extra: 1 };
  assert.deepEqual(checkMessage(ok), { type: 'candidate', candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, to: 'x' }, 'unknown fields dropped');
  assert.deepEqual(validateMessage(ok), { ok: true, message: checkMessage(ok) });
  const request = { type: 'ready', call: 'Ab_9-z', kind: 'voice', name: 'Ann', extra: true };
  assert.deepEqual(checkMessage(request), { type: 'ready', call: 'Ab_9-z', kind: 'voice', name: 'Ann' }, 'a v2 call request keeps its fields');
  assert.deepEqual(checkMessage({ type: 'cancel', call: 'c1', reason: 'no-answer' }), { type: 'cancel', call: 'c1', reason: 'no-answer' });
});
