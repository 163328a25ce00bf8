// The phone's snapshot: presence leaves this page out of the relay's counts, whichever bucket
// the relay has it in at the moment, so a page that starts a call does not see `available` blink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_FLOW, type Flow } from '../../src/core/call-flow.js';
import { NO_MEDIA, snapshot } from '../../src/core/snapshot.js';

const media = NO_MEDIA;
const at = (p: Partial<Flow>) => {
  const s = snapshot({ ...INITIAL_FLOW, ...p }, media);
  return [s.presence, s.available, s.busy];
};

test('presence: this page left out of the counts, in every moment of a call', () => {
  // Idle desk, alone: the relay counts it available → nobody else is.
  assert.deepEqual(at({ counts: { available: 1, busy: 0 } }), ['offline', 0, 0]);
  // Idle desk with another idle desk.
  assert.deepEqual(at({ counts: { available: 2, busy: 0 } }), ['available', 1, 0]);
  // Just clicked (active), the relay still counts it available: not "available 2 → 1 → …".
  assert.deepEqual(at({ state: 'media', counts: { available: 2, busy: 0 } }), ['available', 1, 0]);
  // The relay caught up: it counts it busy.
  assert.deepEqual(at({ state: 'connected', counts: { available: 1, busy: 1 } }), ['available', 1, 0]);
  // The call ended, the relay still counts it busy.
  assert.deepEqual(at({ state: 'ended', counts: { available: 0, busy: 1 } }), ['offline', 0, 0]);
  // Two others in a call, this desk idle.
  assert.deepEqual(at({ counts: { available: 1, busy: 2 } }), ['busy', 0, 2]);
  // A call-only page counts nobody out.
  assert.deepEqual(at({ incoming: false, counts: { available: 1, busy: 0 } }), ['available', 1, 0]);
  assert.deepEqual(at({ incoming: false, counts: { available: 0, busy: 0 } }), ['offline', 0, 0]);
});

test('the snapshot object is kept while nothing in it changed (listeners hear changes only)', () => {
  const f = { ...INITIAL_FLOW, counts: { available: 3, busy: 0 } };
  const a = snapshot(f, media);
  assert.equal(snapshot({ ...f, held: [] }, media, a), a, 'a flow change the page cannot see');
  assert.notEqual(snapshot({ ...f, counts: { available: 4, busy: 0 } }, media, a), a);
});
