/**
 * The line's rules (server/calls/queue-rules.ts) as pure functions: when a request waits, how records
 * enter, leave, expire and move out of the line, who the head rings, and the places told.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusals, type MemberView, type QueuedCall, type RingingCall } from '../../server/calls/rules.js';
import { deskInCall, dequeueStep, enqueueStep, leaveLineStep, lineDecision, lineExpireStep, nextInLine, positions } from '../../server/calls/queue-rules.js';

const LINE = { max: 2, waitMs: 1000 };
const busy = refusals.busyRoom('r');
const desk = (id: string, call?: MemberView['call']): MemberView => ({ id, v: 2, incoming: true, ...(call ? { call } : {}) });
const caller = (id: string, call?: MemberView['call']): MemberView => ({ id, v: 2, incoming: false, ...(call ? { call } : {}) });
const q = (id: string, callerId: string, queuedAt: number): QueuedCall => ({ state: 'queued', id, room: 'r', caller: callerId, callerV: 2, kind: 'video', name: '', queuedAt, until: queuedAt + 1000 });

test('lineDecision: waits only when asked, made to the room, someone is in a call and there is room; never overtakes those waiting', () => {
  assert.equal(lineDecision(busy, 0, false, false, LINE, 'r', true), busy, 'not asked: busy as before');
  assert.equal(lineDecision(busy, 0, true, true, LINE, 'r', true), busy, 'aimed at one member: busy');
  assert.equal(lineDecision(busy, 0, true, false, { ...LINE, max: 0 }, 'r', true), busy, 'QUEUE_MAX 0: no line');
  assert.equal(lineDecision(busy, 0, true, false, LINE, 'r', true), 'queue');
  assert.equal(lineDecision(busy, 0, true, false, LINE, 'r', false), busy, 'desks only ringing out: two callers at once, not a line');
  assert.equal(lineDecision(['d'], 0, true, false, LINE, 'r', false), 'ring');
  assert.equal(lineDecision(['d'], 1, true, false, LINE, 'r', false), 'queue', 'a free desk, but others wait first');
  assert.deepEqual(lineDecision(busy, 2, true, false, LINE, 'r', true), refusals.lineFull('r', 2));
  const nobody = refusals.unavailableRoom('r');
  assert.equal(lineDecision(nobody, 0, true, false, LINE, 'r', false), nobody, 'nobody takes calls: unavailable, no line');
  assert.equal(deskInCall('me', [desk('d', { id: 'x', state: 'bound', peer: 'v' })]), true);
  assert.equal(deskInCall('me', [desk('d', { id: 'x', state: 'ringing' }), caller('v', { id: 'y', state: 'bound', peer: 'z' })]), false);
});

test('enqueue, re-send, leave, expire: one record per call, its place kept across a new socket of its caller', () => {
  const present = (id: string): boolean => id !== 'gone';
  const d = { id: 'c', room: 'r', caller: 's1', callerV: 2 as const, kind: 'voice' as const, name: 'N' };
  const first = enqueueStep(d, 1000, present)(undefined, 50);
  assert.equal(first.out.result, 'queued');
  const rec = first.next as QueuedCall;
  assert.deepEqual([rec.queuedAt, rec.until], [50, 1050]);
  assert.equal(enqueueStep({ ...d, caller: 's2' }, 1000, present)(rec, 60).out.result, 'taken', 'another socket while its caller is there');
  const moved = enqueueStep({ ...d, caller: 's2' }, 1000, (id) => id !== 's1')(rec, 60);
  assert.equal(moved.out.result, 'requeued');
  assert.equal((moved.next as QueuedCall).queuedAt, 50, 'keeps its place');
  assert.equal(leaveLineStep('s9')(rec, 0).out, null, 'only its caller takes it out');
  assert.equal(leaveLineStep('s1')(rec, 0).next, undefined);
  assert.equal(lineExpireStep(49)(rec, 2000).out, null, 'another wait of the same id');
  assert.equal(lineExpireStep(50)(rec, 1050).next, undefined);
});

test('dequeue: the head becomes an open request once (the second step finds it ringing); a caller no longer present is dropped', () => {
  const rec = q('c', 's1', 10);
  const out = dequeueStep(['d1', 'd2'], () => true)(rec, 99);
  assert.equal(out.out.result, 'ringing');
  const ringing = out.next as RingingCall;
  assert.deepEqual({ state: ringing.state, rung: ringing.rung, opened: ringing.opened, direct: ringing.direct }, { state: 'ringing', rung: ['d1', 'd2'], opened: 99, direct: false });
  assert.deepEqual(dequeueStep(['d3'], () => true)(ringing, 100), { next: ringing, out: { result: 'gone' } });
  const orphan = dequeueStep(['d1'], () => false)(rec, 99);
  assert.deepEqual(orphan, { next: undefined, out: { result: 'orphan', rec } });
});

test('nextInLine: free desks (idle, rung by nothing) take the head; none free, nothing; an absent head is dropped; places from the line order', () => {
  const line = [q('a', 's1', 1), q('b', 's2', 2)];
  const members = [desk('d1'), desk('d2', { id: 'x', state: 'bound', peer: 'v' }), desk('d3'), caller('s1', { id: 'a', state: 'queued' }), caller('s2', { id: 'b', state: 'queued' })];
  assert.deepEqual(nextInLine(members, [], line), { ring: line[0], targets: ['d1', 'd3'] });
  const spoken: RingingCall = { state: 'ringing', id: 'z', room: 'r', caller: 'zz', callerV: 2, kind: 'video', name: '', direct: false, rung: ['d1', 'd3'], declined: [], opened: 0 };
  assert.equal(nextInLine(members, [spoken], line), null, 'desks rung by an open request are spoken for');
  assert.deepEqual(nextInLine(members.filter((m) => m.id !== 's1'), [], line), { drop: line[0] });
  assert.equal(nextInLine(members, [], []), null);
  assert.deepEqual(positions([q('late', 's3', 9), q('b', 's2', 2), q('a2', 's4', 2)]), [
    { call: 'a2', position: 1 },
    { call: 'b', position: 2 },
    { call: 'late', position: 3 },
  ]);
});
