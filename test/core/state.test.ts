import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVE_STATES, TRANSITIONS, canTransition, isActive, type CallState } from '../../src/core/state.js';

const ALL = Object.keys(TRANSITIONS) as CallState[];

test('the documented happy path is allowed, step by step', () => {
  const path: CallState[] = ['idle', 'media', 'waiting', 'connecting', 'connected', 'reconnecting', 'connected', 'ended', 'media'];
  for (let i = 1; i < path.length; i++) assert.ok(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`);
});

test('shortcuts that would skip a step are refused', () => {
  for (const [from, to] of [
    ['idle', 'connected'],
    ['idle', 'waiting'],
    ['media', 'connected'],
    ['waiting', 'connected'],
    ['ended', 'connected'],
    ['idle', 'ended'],
  ] as const)
    assert.equal(canTransition(from, to), false, `${from} → ${to}`);
});

test('every active state can end and can fail; only inactive states can start a call', () => {
  for (const s of ALL) {
    if (isActive(s)) {
      assert.ok(canTransition(s, 'ended') && canTransition(s, 'error'), s);
      assert.equal(canTransition(s, 'media'), false, s);
    } else assert.ok(canTransition(s, 'media') && canTransition(s, 'error'), s);
  }
  assert.deepEqual([...ACTIVE_STATES].sort(), ['connected', 'connecting', 'media', 'queued', 'reconnecting', 'waiting']);
});
