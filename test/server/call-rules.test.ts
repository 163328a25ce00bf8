/** The relay's ringing rules (server/calls/rules.ts) as pure functions: routing, who is rung, refusals, the record steps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BOUND_TTL_MS,
  REJOIN_MS,
  RING_EXPIRY_MS,
  cancelStep,
  claimStep,
  declineStep,
  expireStep,
  giveUpStep,
  keyOpens,
  leaveStep,
  openStep,
  preBind,
  presenceOf,
  profileOf,
  recordTtl,
  rejoinStep,
  ringAlsoStep,
  ringTargets,
  route,
  unbindStep,
  v1Targets,
  type BoundCall,
  type CallRecord,
  type MemberView,
  type RingingCall,
  type Route,
  type StepFn,
} from '../../server/calls/rules.js';
import { rejoinKeys } from '../../server/tokens/rejoin-keys.js';
import { CALL_ID_PATTERN, type SignalMessage } from '../../src/protocol/index.js';

const NOW = 1_000_000;
const all = (): boolean => true;
/** Applies steps in order to one record, as a registry does; returns each output and the final record. */
function run(rec: CallRecord | undefined, ...steps: StepFn<unknown>[]): { outs: unknown[]; rec: CallRecord | undefined } {
  const outs: unknown[] = [];
  for (const s of steps) {
    const r = s(rec, NOW);
    outs.push(r.out);
    rec = r.next;
  }
  return { outs, rec };
}

const ringing = (over: Partial<RingingCall> = {}): RingingCall => ({
  state: 'ringing', id: 'c1', room: 'r', caller: 'A', callerV: 2, kind: 'video', name: 'Ann', direct: false, rung: ['D1', 'D2'], declined: [], opened: NOW - 1000, ...over,
});
const bound = (over: Partial<BoundCall> = {}): BoundCall => ({ state: 'bound', id: 'c1', room: 'r', sides: ['A', 'D1'], epochs: [0, 0], keyed: ['A', 'D1'], rang: ['D1', 'D2'], gone: [], ...over });

test('profileOf: v1 unless protocol 2; v2 takes incoming, a cleaned name, a well-formed rejoin', () => {
  assert.deepEqual(profileOf({}), { v: 1, incoming: true, name: '' });
  assert.deepEqual(profileOf({ incoming: false, name: 'x', protocol: '2' }), { v: 1, incoming: true, name: '' }, 'v1 always takes calls and has no name');
  assert.deepEqual(profileOf({ protocol: 2 }), { v: 2, incoming: true, name: '' });
  assert.deepEqual(profileOf({ protocol: 3, incoming: false, name: '  Front\ndesk\u0000 ' }), { v: 2, incoming: false, name: 'Front desk' });
  assert.equal(profileOf({ protocol: 2, name: 'n'.repeat(100) }).name.length, 64);
  assert.equal(profileOf({ protocol: 2, name: 5 }).name, '');
  assert.equal(profileOf({ protocol: 2, incoming: 'no' }).incoming, true, 'only false turns it off');
  assert.deepEqual(profileOf({ protocol: 2, call: 'c_1', key: 'K-2' }).rejoin, { call: 'c_1', key: 'K-2' });
  for (const bad of [{ call: 'c 1', key: 'k' }, { call: 'c', key: 'k/2' }, { call: 'c' }, { key: 'k' }, { call: 'c', key: 7 }])
    assert.equal(profileOf({ protocol: 2, ...bad }).rejoin, undefined, JSON.stringify(bad));
  assert.equal(profileOf({ call: 'c', key: 'k' }).rejoin, undefined, 'v1 never rejoins');
});

test('presenceOf: members that take calls, idle vs bound or ringing out', () => {
  const m: MemberView[] = [
    { id: 'a', v: 2, incoming: true },
    { id: 'b', v: 1, incoming: true, call: { id: 'x', state: 'ringing' } },
    { id: 'c', v: 2, incoming: true, call: { id: 'y', state: 'bound', peer: 'd' } },
    { id: 'd', v: 2, incoming: false, call: { id: 'y', state: 'bound', peer: 'c' } },
    { id: 'e', v: 2, incoming: false },
  ];
  assert.deepEqual(presenceOf(m), { available: 1, busy: 2 });
  assert.deepEqual(presenceOf([]), { available: 0, busy: 0 });
});

test('route: what each message does, from the sender’s own state', () => {
  const idle2: MemberView = { id: 'S', v: 2, incoming: true };
  const idle1: MemberView = { id: 'S', v: 1, incoming: true };
  const out2: MemberView = { ...idle2, call: { id: 'mine', state: 'ringing' } };
  const out1: MemberView = { ...idle1, call: { id: 'mine', state: 'ringing' } };
  const inCall: MemberView = { ...idle2, call: { id: 'mine', state: 'bound', peer: 'P' } };
  const offer: SignalMessage = { type: 'offer', sdp: 'v=0' };
  const cases: Array<[MemberView, SignalMessage, Route['do'] | string]> = [
    [idle2, { type: 'ready', call: 'c' }, 'request'],
    [idle2, { type: 'ready' }, 'refuse:not-in-call'],
    [idle2, offer, 'refuse:not-in-call'],
    [idle2, { type: 'bye' }, 'refuse:not-in-call'],
    [idle2, { type: 'candidate', candidate: '' }, 'refuse:not-in-call'],
    [idle2, { type: 'accept', call: 'c' }, 'accept'],
    [idle2, { type: 'decline', call: 'c' }, 'decline'],
    [idle2, { type: 'cancel', call: 'c' }, 'cancel'],
    [idle2, { ...offer, to: 'S' }, 'refuse:unknown-peer'],
    [idle1, { type: 'ready' }, 'v1'],
    [idle1, offer, 'v1'],
    [idle1, { type: 'answer', sdp: 'v=0' }, 'v1-relay'],
    [idle1, { type: 'bye' }, 'v1-relay'],
    [idle1, { type: 'ready', call: 'c' }, 'request'],
    [out2, { type: 'ready', call: 'mine' }, 'request'],
    [out2, { type: 'ready', call: 'other' }, 'request+replace'],
    [out2, { type: 'bye' }, 'cancel'],
    [out2, offer, 'refuse:not-in-call'],
    [out2, { type: 'accept', call: 'c' }, 'accept+replace'],
    [out1, { type: 'ready' }, 'v1'],
    [out1, { type: 'candidate', candidate: 'x' }, 'v1-relay'],
    [inCall, offer, 'peer'],
    [inCall, { ...offer, to: 'P' }, 'peer'],
    [inCall, { ...offer, to: 'X' }, 'refuse:not-in-call'],
    [inCall, { type: 'bye' }, 'peer+unbind'],
    [inCall, { type: 'ready' }, 'peer'],
    [inCall, { type: 'ready', call: 'mine' }, 'peer'],
    [inCall, { type: 'ready', call: 'other' }, 'refuse:in-call'],
    [inCall, { type: 'accept', call: 'c' }, 'refuse:call-ended'],
    [inCall, { type: 'decline', call: 'c' }, 'decline'],
    [inCall, { type: 'cancel', call: 'mine' }, 'cancel'],
  ];
  for (const [sender, m, want] of cases) {
    const r = route(sender, m);
    const got =
      r.do === 'refuse' ? `refuse:${r.refusal.code}` : r.do === 'peer' ? (r.unbind ? 'peer+unbind' : 'peer') : 'replace' in r && r.replace ? `${r.do}+replace` : r.do;
    assert.equal(got, want, `${JSON.stringify(sender.call ?? `idle v${sender.v}`)} sends ${JSON.stringify(m)}`);
  }
  assert.deepEqual(route(out2, { type: 'bye' }), { do: 'cancel', call: 'mine', reason: 'hang-up' });
  assert.deepEqual(route(idle2, { type: 'cancel', call: 'c', reason: 'no-answer' }), { do: 'cancel', call: 'c', reason: 'no-answer' });
  assert.deepEqual(route(inCall, offer), { do: 'peer', peer: 'P', unbind: false });
});

test('ringTargets: idle members that take calls; busy, unavailable, and `to`', () => {
  const caller: MemberView = { id: 'C', v: 2, incoming: false };
  const idle: MemberView = { id: 'I', v: 2, incoming: true };
  const v1: MemberView = { id: 'T', v: 1, incoming: true };
  const callOnly: MemberView = { id: 'O', v: 2, incoming: false };
  const busy: MemberView = { id: 'B', v: 2, incoming: true, call: { id: 'x', state: 'bound', peer: 'Z' } };
  const out: MemberView = { id: 'R', v: 2, incoming: true, call: { id: 'y', state: 'ringing' } };
  assert.deepEqual(ringTargets(caller, [caller, idle, v1, callOnly, busy, out], 'r'), ['I', 'T']);
  assert.deepEqual(ringTargets(caller, [caller, callOnly], 'r'), { code: 'unavailable', message: 'nobody in room r takes calls' });
  assert.deepEqual(ringTargets(caller, [caller], 'r'), { code: 'unavailable', message: 'nobody in room r takes calls' });
  assert.deepEqual(ringTargets(caller, [caller, busy, out, callOnly], 'r'), { code: 'busy', message: 'everyone who takes calls in room r is in a call' });
  assert.deepEqual(ringTargets(idle, [idle], 'r'), { code: 'unavailable', message: 'nobody in room r takes calls' }, 'a caller that takes calls does not ring itself');
  const all6 = [caller, idle, v1, callOnly, busy, out];
  assert.deepEqual(ringTargets(caller, all6, 'r', 'T'), ['T']);
  assert.equal((ringTargets(caller, all6, 'r', 'B') as { code: string }).code, 'busy');
  assert.equal((ringTargets(caller, all6, 'r', 'R') as { code: string }).code, 'busy');
  assert.equal((ringTargets(caller, all6, 'r', 'O') as { code: string }).code, 'unavailable');
  assert.equal((ringTargets(caller, all6, 'r', 'nobody') as { code: string }).code, 'unknown-peer');
});

test('v1Targets: v1 members outside bound calls; never a bound or a v2 member', () => {
  const s: MemberView = { id: 'S', v: 1, incoming: true };
  const t1: MemberView = { id: 'T1', v: 1, incoming: true };
  const t2: MemberView = { id: 'T2', v: 1, incoming: true, call: { id: 'x', state: 'ringing' } };
  const tb: MemberView = { id: 'TB', v: 1, incoming: true, call: { id: 'y', state: 'bound', peer: 'W' } };
  const w: MemberView = { id: 'W', v: 2, incoming: true };
  assert.deepEqual(v1Targets(s, [s, t1, t2, tb, w], 'offer', 'r'), ['T1', 'T2']);
  assert.deepEqual(v1Targets(s, [s], 'offer', 'r'), [], 'alone in the room: nothing, and nothing refused');
  assert.equal((v1Targets(s, [s, tb, w], 'offer', 'r') as { code: string }).code, 'not-in-call');
  assert.deepEqual(v1Targets(s, [s, t1, tb], 'offer', 'r', 'T1'), ['T1']);
  assert.equal((v1Targets(s, [s, t1, tb], 'offer', 'r', 'TB') as { code: string }).code, 'not-in-call');
  assert.equal((v1Targets(s, [s, w], 'offer', 'r', 'W') as { code: string }).code, 'not-in-call');
  assert.equal((v1Targets(s, [s], 'offer', 'r', 'X') as { code: string }).code, 'unknown-peer');
});

test('open, re-ring, take-over and a taken id', () => {
  const draft = { id: 'c1', room: 'r', caller: 'A', callerV: 2 as const, kind: 'voice' as const, name: 'Ann', direct: false, targets: ['D1', 'D2'] };
  const first = openStep(draft, all)(undefined, NOW);
  assert.equal(first.out.result, 'opened');
  assert.deepEqual((first.next as RingingCall).rung, ['D1', 'D2']);
  const declined = declineStep('D1')(first.next, NOW).next;
  // The same caller again (its link came back): rings anew, but not who declined.
  const again = openStep({ ...draft, targets: ['D1', 'D2', 'D3'] }, all)(declined, NOW);
  assert.deepEqual(again.out, { result: 'reopened', rec: again.next, ring: ['D2', 'D3'] });
  // Another caller with the same id: taken while the first is present, taken over once it is gone.
  assert.deepEqual(openStep({ ...draft, caller: 'B' }, all)(first.next, NOW).out, { result: 'taken' });
  const over = openStep({ ...draft, caller: 'A2' }, (id) => id !== 'A')(first.next, NOW);
  assert.equal(over.out.result, 'reopened');
  assert.equal((over.next as RingingCall).caller, 'A2');
  assert.deepEqual(openStep(draft, all)(bound(), NOW).out, { result: 'taken' }, 'a bound call’s id');
});

test('claim: the first accept binds, the second loses, one never rung gets call-ended; a caller gone orphans the request', () => {
  const { outs, rec } = run(ringing(), claimStep('D2', all), claimStep('D1', all), claimStep('X', all), claimStep('D2', all));
  assert.deepEqual(outs.map((o) => (o as { result: string }).result), ['won', 'lost', 'gone', 'won']);
  assert.deepEqual(rec, { state: 'bound', id: 'c1', room: 'r', sides: ['A', 'D2'], epochs: [0, 0], keyed: ['A', 'D2'], rang: ['D1', 'D2'], gone: [] });
  assert.equal((outs[3] as { ringing: unknown }).ringing, null, 'a repeated accept is not a new binding');
  assert.equal((claimStep('D1', all)(undefined, NOW).out as { result: string }).result, 'gone');
  const orphan = claimStep('D1', (id) => id !== 'A')(ringing(), NOW);
  assert.equal(orphan.next, undefined);
  assert.equal((orphan.out as { result: string }).result, 'orphan');
  assert.equal((claimStep('D1', all)(ringing({ rung: ['D2'], declined: ['D1'] }), NOW).out as { result: string }).result, 'gone', 'declined here');
});

test('decline, cancel, expire, ring a newcomer, unbind', () => {
  const d = run(ringing(), declineStep('D1'), declineStep('D1'), declineStep('D2'));
  assert.deepEqual(d.outs.map((o) => [(o as { result: string }).result, (o as { closed?: boolean }).closed]), [['declined', false], ['gone', undefined], ['declined', true]]);
  assert.equal(d.rec, undefined, 'every rung member declined: the request closes');
  assert.equal((cancelStep('A')(ringing(), NOW).out as { result: string }).result, 'cancelled');
  assert.equal((cancelStep('D1')(ringing(), NOW).out as { result: string }).result, 'gone', 'only the caller cancels');
  assert.deepEqual(cancelStep('A')(bound(), NOW).out, { result: 'bound', rec: bound() }, 'an accept won first: the cancel hangs up');
  assert.equal(expireStep(NOW - 1000)(ringing(), NOW).next, undefined);
  assert.equal(expireStep(NOW - 5)(ringing(), NOW).out, null, 'a later opening of the same id is not expired');
  assert.deepEqual((ringAlsoStep('D3')(ringing(), NOW).out as RingingCall).rung, ['D1', 'D2', 'D3']);
  assert.equal(ringAlsoStep('D3')(ringing({ direct: true }), NOW).out, null, 'a request to one member rings nobody else');
  assert.equal(ringAlsoStep('D1')(ringing(), NOW).out, null);
  assert.equal(ringAlsoStep('A')(ringing(), NOW).out, null);
  assert.equal(unbindStep('D1')(bound(), NOW).next, undefined);
  assert.equal(unbindStep('X')(bound(), NOW).out, null);
});

test('leave and rejoin: a gone side is replaced and rekeyed; nothing known after a restart: the first waits, the other side binds; a spent key is nobody; the side present: pending', () => {
  const present = (...ids: string[]) => (id: string) => ids.includes(id);
  const C0 = { side: 0, epoch: 0 } as const;
  const A0 = { side: 1, epoch: 0 } as const;
  // A leaves; A2 comes back with the caller's key: it takes the caller's side, which gets a new key (epoch 1).
  const left = leaveStep('A')(bound(), NOW);
  assert.deepEqual(left.out, { result: 'gone', other: 'D1' });
  const back = rejoinStep('A2', 'c1', C0, 'r', present('D1', 'A2'))(left.next, NOW);
  assert.deepEqual(back.out, { result: 'bound', rec: back.next, peer: 'D1' });
  assert.deepEqual(back.next, { ...bound(), sides: ['A2', 'D1'], epochs: [1, 0], keyed: ['A2', 'D1'], gone: [] });
  // The key it presented is spent now; the acceptor's key is still good.
  assert.equal(keyOpens(back.next!, C0), false);
  assert.equal(keyOpens(back.next!, { side: 0, epoch: 1 }), true);
  assert.equal(keyOpens(back.next!, A0), true);
  assert.deepEqual(rejoinStep('A3', 'c1', C0, 'r', present('D1'))(leaveStep('A2')(back.next, NOW).next, NOW).out, { result: 'no' }, 'a spent key');
  // A side whose node died (never marked gone, not present) is replaced too.
  assert.equal((rejoinStep('A2', 'c1', C0, 'r', present('D1', 'A2'))(bound(), NOW).out as { result: string }).result, 'bound');
  // A side's key takes that side only: the acceptor's key does not replace a gone caller.
  assert.deepEqual(rejoinStep('D2', 'c1', A0, 'r', all)(left.next, NOW).out, { result: 'pending' });
  assert.deepEqual(rejoinStep('A2', 'c1', C0, 'r', all)(ringing(), NOW).out, { result: 'no' });
  // After a restart: nothing known. The first (the caller's key, epoch 3) waits; a second caller's key of another epoch is nobody; the acceptor's binds.
  const first = rejoinStep('X', 'c9', { side: 0, epoch: 3 }, 'r', present('X'))(undefined, NOW);
  assert.deepEqual(first.out, { result: 'waiting', rec: first.next, peer: '' });
  assert.deepEqual((first.next as BoundCall).epochs, [3, -1]);
  assert.deepEqual(rejoinStep('Z', 'c9', { side: 0, epoch: 2 }, 'r', present('X', 'Z'))(first.next, NOW).out, { result: 'no' });
  const second = rejoinStep('Y', 'c9', { side: 1, epoch: 5 }, 'r', present('X', 'Y'))(first.next, NOW);
  assert.deepEqual(second.out, { result: 'bound', rec: second.next, peer: 'X' });
  assert.deepEqual((second.next as BoundCall).sides, ['X', 'Y']);
  assert.deepEqual((second.next as BoundCall).epochs, [4, 6], 'both bound to new sockets: both get new keys');
  // The first one's link blips again before the second came: it replaces its old self with the same key (not rekeyed while waiting).
  const blip = rejoinStep('X2', 'c9', { side: 0, epoch: 3 }, 'r', present('X2'))(leaveStep('X')(first.next, NOW).next, NOW);
  assert.deepEqual((blip.next as BoundCall).sides, ['X2', '']);
  assert.deepEqual((blip.next as BoundCall).epochs, [3, -1]);
  // Its side still looks connected: the newcomer waits to take that side's place when it leaves.
  const pend = rejoinStep('A2', 'c1', C0, 'r', all)(bound(), NOW);
  assert.deepEqual(pend.out, { result: 'pending' });
  assert.deepEqual((pend.next as BoundCall).pending, { id: 'A2', side: 0, until: NOW + REJOIN_MS });
  assert.deepEqual(leaveStep('D1')(pend.next, NOW).out, { result: 'gone', other: 'A' }, 'the other side leaving is not its place');
  const swapped = leaveStep('A')(pend.next, NOW);
  assert.deepEqual(swapped.out, { result: 'swapped', rec: swapped.next, by: 'A2', other: 'D1' });
  assert.deepEqual((swapped.next as BoundCall).sides, ['A2', 'D1']);
  assert.deepEqual((swapped.next as BoundCall).epochs, [1, 0]);
  // The pending one leaving, or giving up, just stops it waiting.
  assert.equal((leaveStep('A2')(pend.next, NOW).next as BoundCall).pending, undefined);
  assert.deepEqual(giveUpStep('A2')(pend.next, NOW), { next: bound(), out: true });
  assert.deepEqual(giveUpStep('D1')(left.next, NOW), { next: undefined, out: true }, 'the side left waiting gives up: the call ends');
  assert.equal(giveUpStep('Z')(bound(), NOW).out, false);
});

test('rejoin keys: an HMAC per room, call, side and epoch, read back only by the secret that made it', () => {
  const keys = rejoinKeys('s'.repeat(32));
  const k = keys.mint('r', 'c1', 0, 0);
  assert.match(k, /^c0-[A-Za-z0-9_-]{32}$/);
  assert.ok(CALL_ID_PATTERN.test(k), 'the widget sends it back as before');
  assert.deepEqual(keys.read('r', 'c1', k), { side: 0, epoch: 0 });
  assert.deepEqual(keys.read('r', 'c1', keys.mint('r', 'c1', 1, 7)), { side: 1, epoch: 7 });
  assert.equal(keys.read('r2', 'c1', k), null, 'another room');
  assert.equal(keys.read('r', 'c2', k), null, 'another call');
  assert.equal(keys.read('r', 'c1', `a0${k.slice(2)}`), null, 'the other side');
  assert.equal(keys.read('r', 'c1', `c1${k.slice(2)}`), null, 'another epoch');
  assert.equal(rejoinKeys('t'.repeat(32)).read('r', 'c1', k), null, 'another secret');
  for (const bad of ['', 'k', `${k}x`, `${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`, `c00${k.slice(2)}`, `x0${k.slice(2)}`]) assert.equal(keys.read('r', 'c1', bad), null, bad);
  assert.notEqual(keys.mint('r', 'c1', 0, 1), k);
});

test('recordTtl: a request lives until it expires, a bound call a day, one waiting for a side twice the rejoin window', () => {
  assert.equal(recordTtl(ringing({ opened: NOW }), NOW), RING_EXPIRY_MS + 5000);
  assert.equal(recordTtl(bound(), NOW), BOUND_TTL_MS);
  assert.equal(recordTtl(bound({ gone: ['A'] }), NOW), REJOIN_MS * 2);
  assert.equal(recordTtl(bound({ sides: ['A', ''] }), NOW), REJOIN_MS * 2);
});

test('preconnect: route() sends an unbound v2 socket’s offer/answer/candidate with call and to to preBind; preBind allows exactly the caller and its first desks while the call rings', () => {
  const v2 = (id: string, call?: MemberView['call']): MemberView => ({ id, v: 2, incoming: true, ...(call ? { call } : {}) });
  for (const type of ['offer', 'answer', 'candidate'] as const)
    assert.deepEqual(route(v2('d1'), { type, call: 'c', to: 'v', ...(type === 'candidate' ? { candidate: 'x' } : { sdp: 'x' }) }), { do: 'pre', call: 'c', to: 'v' });
  // Not without call or to, not a bye, not a v1 socket, not a bound socket (its peer rule applies).
  assert.equal(route(v2('d1'), { type: 'offer', to: 'v', sdp: 'x' }).do, 'refuse');
  assert.equal(route(v2('d1'), { type: 'offer', call: 'c', sdp: 'x' }).do, 'refuse');
  assert.equal(route({ id: 'v', v: 2, call: { id: 'c', state: 'ringing' } }, { type: 'bye', call: 'c', to: 'd1' }).do, 'cancel');
  assert.equal(route({ id: 'd1', v: 1 }, { type: 'offer', call: 'c', to: 'v', sdp: 'x' }).do, 'v1');
  assert.deepEqual(route(v2('d1', { id: 'b', state: 'bound', peer: 'p' }), { type: 'offer', call: 'c', to: 'v', sdp: 'x' }), { do: 'refuse', refusal: { code: 'not-in-call', message: 'peer v is not in your call; nothing was relayed' } });

  const rec: RingingCall = { state: 'ringing', id: 'c', room: 'r', caller: 'v', callerV: 2, kind: 'video', name: '', direct: false, rung: ['d1', 'd2', 'd3', 'd4', 'd5'], declined: ['d0'], opened: NOW };
  const caller = v2('v', { id: 'c', state: 'ringing' });
  assert.equal(preBind(rec, 'c', 'v', v2('d1')), true);
  assert.equal(preBind(rec, 'c', 'v', v2('d4')), true);
  assert.equal(preBind(rec, 'c', 'd4', caller), true);
  assert.equal(preBind(rec, 'c', 'v', v2('d5')), false, 'past the first four desks');
  assert.equal(preBind(rec, 'c', 'd5', caller), false);
  assert.equal(preBind(rec, 'c', 'v', v2('d0')), false, 'declined');
  assert.equal(preBind(rec, 'c', 'd1', v2('d2')), false, 'desk to desk');
  assert.equal(preBind(rec, 'c', 'x', caller), false, 'not rung');
  assert.equal(preBind(rec, 'c', 'v', v2('x')), false, 'not rung');
  assert.equal(preBind(rec, 'c', 'v', undefined), false, 'not in the room');
  assert.equal(preBind(rec, 'other', 'v', v2('d1')), false, 'another call id');
  assert.equal(preBind(rec, 'c', 'v', v2('d1', { id: 'b', state: 'bound', peer: 'p' })), false, 'a desk bound in another call');
  assert.equal(preBind(rec, 'c', 'd1', v2('v', { id: 'c2', state: 'ringing' })), false, 'the caller rings out another call');
  assert.equal(preBind(undefined, 'c', 'v', v2('d1')), false, 'cancelled or expired');
  const bound: BoundCall = { state: 'bound', id: 'c', room: 'r', sides: ['v', 'd1'], epochs: [0, 0], keyed: ['v', 'd1'], rang: rec.rung, gone: [] };
  assert.equal(preBind(bound, 'c', 'd2', caller), false, 'bound: the losers');
  assert.equal(preBind(bound, 'c', 'v', v2('d1')), false, 'bound: the pair goes through route() as a bound pair, not here');
});
