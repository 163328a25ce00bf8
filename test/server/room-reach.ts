/**
 * The network half of the property "no admitted room name equals a socket id or reaches one"
 * (fast-check), on one relay or on several nodes of one Redis: two bound pairs (the widget's call
 * and the tutorial's) whose ids are public; in each run generated joiners take a room (an id the
 * relay issued, `r:` + one, a string shaped like a socket id, any room name), aim a call at a
 * victim by id, and send to their room. Their message reaches exactly the other joiners it is for;
 * the pairs, talking by socket id meanwhile, hear only each other, and no joiner hears them.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { adapterRoom } from '../../server/adapter-rooms.js';
import { LIMITS } from '../../src/protocol/index.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { candidateLine, connectClient, pair, received, v1Call, v2Client, type Relay, type TestClient } from './support.js';

export const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Strings shaped like a Socket.IO id (20 characters of base64url), as base64id makes them. */
export const socketIdArb = fc.string({ unit: fc.constantFrom(...B64URL), minLength: 20, maxLength: 20 });
/** Any room name a handshake may carry (ROOM_PATTERN). */
export const roomNameArb = fc.string({ unit: fc.constantFrom(...`${B64URL}.:@`), minLength: 1, maxLength: LIMITS.maxRoomLength });

type Case = { room: string; joiners: (1 | 2)[] };

/** Plays `numRuns` generated cases against `nodes` (sockets spread over them in turn). Returns the runs made. */
export async function roomsReachTheirMembersOnly(t: TestContext, nodes: Relay[], numRuns: number): Promise<number> {
  const at = (i: number): string => nodes[i % nodes.length]!.url;
  const desk = await v2Client(t, at(0), uniqueRoom('prop'), 'desk');
  const caller = await v2Client(t, at(1), desk.info!.room, 'caller', { incoming: false });
  caller.send({ type: 'ready', call: 'c' });
  await desk.waitFor('ring', (x) => x.messages.some((m) => m.call === 'c'));
  desk.send({ type: 'accept', call: 'c' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  const [v1a, v1b] = await pair(t, at(0), uniqueRoom('prop-v1'), at(1));
  await v1Call(v1a, v1b);
  const victims = [desk, caller, v1a, v1b];
  const peerOf = new Map<TestClient, TestClient>([[desk, caller], [caller, desk], [v1a, v1b], [v1b, v1a]]);
  const issued = victims.map((c) => c.id);
  const victimRooms = new Set(victims.map((c) => c.info!.room));
  const sockets = (): number => nodes.reduce((n, r) => n + r.app.io.of('/').sockets.size, 0);
  const baseline = sockets();

  const caseArb: fc.Arbitrary<Case> = fc.record({
    room: fc
      .oneof(
        { weight: 4, arbitrary: fc.constantFrom(...issued) },
        { weight: 1, arbitrary: fc.constantFrom(...issued.map(adapterRoom)) },
        { weight: 2, arbitrary: socketIdArb },
        { weight: 2, arbitrary: roomNameArb },
      )
      .filter((r) => !victimRooms.has(r)),
    joiners: fc.array(fc.constantFrom<1 | 2>(1, 2), { minLength: 1, maxLength: 3 }),
  });

  let run = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ room, joiners: versions }) => {
      run++;
      const seen = new Map(victims.map((c) => [c, c.messages.length] as const));
      const joiners: TestClient[] = [];
      try {
        for (const [i, v] of versions.entries()) {
          const name = `joiner ${i} (v${v}) of run ${run} in ${room}`;
          // Joiners take the nodes in turn: across nodes a room spans them, on its namesake's node and off it.
          const url = at(run + i);
          const c = v === 2 ? await v2Client(t, url, room, name) : await connectClient(t, url, { auth: { room } }, name);
          joiners.push(c);
          assert.deepEqual(c.info!.peers, joiners.slice(0, i).map((j) => j.id), `${name}: its peers are the joiners before it`);
        }
        const [sender, ...others] = joiners as [TestClient, ...TestClient[]];
        const ring = versions[0] === 2;
        // Aimed at a socket by id from outside its room: refused, nothing rung.
        sender.send({ type: 'ready', to: desk.id, ...(ring ? { call: 'aim' } : {}) });
        await sender.waitFor('unknown-peer', (x) => x.errors.some((e) => e.code === 'unknown-peer'));
        // To the room: a v2 joiner rings it (everyone else takes calls), a v1 joiner's offer goes to its other v1 members.
        const intended = ring ? others : others.filter((_, i) => versions[i + 1] === 1);
        const type = ring ? 'ready' : 'offer';
        sender.send(ring ? { type: 'ready', call: 'p' } : { type: 'offer', sdp: `v=0\r\ns=${run}\r\n` });
        for (const c of intended) await c.waitFor(`the ${type} of run ${run}`, (x) => received(x, type).some((m) => m.from === sender.id));
        // The bound pairs talk by socket id meanwhile.
        for (const v of victims) v.send({ type: 'candidate', candidate: candidateLine(run), sdpMid: '0', sdpMLineIndex: 0 });
        for (const v of victims)
          await v.waitFor(`its peer's candidate of run ${run}`, (x) => x.messages.slice(seen.get(x)).some((m) => m.type === 'candidate' && m.from === peerOf.get(x)!.id));
        await sleep(nodes.length > 1 ? 100 : 30);
        for (const v of victims) assert.deepEqual(v.messages.slice(seen.get(v)).filter((m) => m.from !== peerOf.get(v)!.id), [], `${v.name} heard only its peer`);
        const joinerIds = new Set(joiners.map((j) => j.id));
        for (const j of joiners) {
          assert.deepEqual(j.messages.filter((m) => !joinerIds.has(m.from ?? '')), [], `${j.name} heard only its room`);
          assert.deepEqual(j.bound, [], `${j.name} heard no bound`);
          assert.deepEqual(j.joined.filter((id) => !joinerIds.has(id)), [], `${j.name} saw only its room join`);
          const expected = intended.includes(j) ? 1 : 0;
          assert.equal(received(j, type).filter((m) => m.from === sender.id).length, expected, `${j.name}: the sender's ${type}`);
        }
      } finally {
        for (const j of joiners) j.close();
        await waitFor(`run ${run}: its joiners gone from the relay`, () => sockets() === baseline, { timeoutMs: 5000, intervalMs: 5 });
      }
    }),
    { numRuns },
  );
  assert.ok(desk.bound.length === 1 && caller.bound.length === 1, 'the widget’s pair stayed bound');
  return run;
}
