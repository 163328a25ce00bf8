/**
 * The pre-call check (`preview()`): the camera and microphone open before the call, a device
 * picked there switches them, the call then takes the same stream (one getUserMedia, so one
 * permission prompt), and Cancel (`endPreview()`) stops every track.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRelay, settle } from './fakes.js';
import { connectIce, make } from './phone-harness.js';

test('preview, switch the microphone, start the call: the call sends the previewed stream, with the picked device; no second getUserMedia', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.preview('video');
  const p = a.c.snapshot.preview;
  assert.ok(p, 'the check shows a stream');
  assert.equal(a.c.snapshot.state, 'idle', 'no call yet: nothing rings');
  assert.equal(b.c.snapshot.state, 'idle');
  await a.c.media.use('audio', 'mic-2');
  assert.equal(a.made.length, 1);
  assert.ok(p.tracks.includes(a.made[0]!), 'the picked microphone is in the check’s stream');
  assert.equal(p.tracks.filter((t) => t.kind === 'audio').length, 1, 'the old microphone left it');
  const kept = [...p.tracks];
  await a.c.startCall('video');
  await settle();
  assert.equal(a.streams.length, 1, 'one getUserMedia: the call took the check’s stream');
  assert.equal(a.c.snapshot.localStream, p);
  assert.equal(a.c.snapshot.preview, null, 'the check closed');
  assert.ok(kept.every((t) => !t.stopped), 'its tracks go on in the call');
  await b.c.accept();
  await settle();
  connectIce(a);
  connectIce(b);
  await settle();
  assert.equal(a.c.snapshot.state, 'connected');
  assert.deepEqual(a.peers[0]?.tracks.map((t) => (t as { label: string }).label).sort(), ['mic-2', 'video device']);
  a.c.hangUp();
  assert.ok(kept.every((t) => t.stopped), 'hang-up stops them');
});

test('Cancel stops every track; a getUserMedia that resolves after Cancel is stopped too; a call of another kind asks anew', async () => {
  const relay = new FakeRelay();
  let release: () => void = () => undefined;
  let slow = false;
  const a = make(relay, {
    media: async (k) => {
      if (slow) await new Promise<void>((r) => (release = r));
      const { FakeStream } = await import('./fakes.js');
      return new FakeStream(k === 'video' ? ['audio', 'video'] : ['audio']);
    },
  });
  await settle();
  await a.c.preview('video');
  const p = a.c.snapshot.preview!;
  a.c.endPreview();
  assert.equal(a.c.snapshot.preview, null);
  assert.ok(p.tracks.every((t) => t.stopped), 'Cancel stopped the camera and microphone');
  slow = true;
  const late = a.c.preview('voice');
  await settle();
  a.c.endPreview();
  release();
  await late;
  assert.equal(a.c.snapshot.preview, null, 'nothing shows after Cancel');
  assert.ok(a.streams.at(-1)!.tracks.every((t) => t.stopped), 'the late stream was stopped');
  slow = false;
  await a.c.preview('voice');
  const v = a.c.snapshot.preview!;
  await a.c.startCall('video');
  assert.ok(v.tracks.every((t) => t.stopped), 'a voice check does not feed a video call: it closed');
  assert.notEqual(a.c.snapshot.localStream, v);
});

test('preview refused by the browser: error with the reason, nothing held', async () => {
  const relay = new FakeRelay();
  const a = make(relay, { media: async () => Promise.reject(Object.assign(new Error('no'), { name: 'NotAllowedError' })) });
  await settle();
  await a.c.preview('video');
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason, a.c.snapshot.preview], ['error', 'permission-denied', null]);
});
