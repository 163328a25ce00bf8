/**
 * The room's line across two relay nodes over a real redis-server: callers on either node hear
 * their place in one line, presence counts them from every node, and a desk freed on one node
 * rings the caller waiting on the other, exactly once, also when desks on both nodes come free
 * in the same tick.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { received, v2Client, type Relay, type TestClient } from '../server/support.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { twoNodes } from './cluster.js';

/** A desk on `at`, bound with a visitor of its own on the same node. */
async function busyDesk(t: TestContext, at: Relay, room: string, tag: string): Promise<{ desk: TestClient; visitor: TestClient }> {
  const desk = await v2Client(t, at.url, room, `desk ${tag}`);
  const visitor = await v2Client(t, at.url, room, `visitor ${tag}`, { incoming: false });
  const call = `busy-${tag}`;
  visitor.send({ type: 'ready', call });
  await desk.waitFor('its ring', (x) => received(x, 'ready').some((m) => m.call === call));
  desk.send({ type: 'accept', call });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  return { desk, visitor };
}

const place = (c: TestClient): number | undefined => c.queued.at(-1)?.position;

test('line across nodes: one line for callers on both nodes; a desk freed on B rings the caller waiting on A, exactly once', async (t) => {
  const { A, B } = await twoNodes(t);
  const room = uniqueRoom('x-line');
  const { desk, visitor } = await busyDesk(t, B, room, 'B');
  const callers: TestClient[] = [];
  for (const [i, at] of [A, B, A].entries()) {
    const c = await v2Client(t, at.url, room, `caller ${i + 1}@${at === A ? 'A' : 'B'}`, { incoming: false });
    c.send({ type: 'ready', call: `xq${i + 1}`, queue: true });
    await c.waitFor(`place ${i + 1}`, (x) => place(x) === i + 1);
    callers.push(c);
  }
  const [c1, c2, c3] = callers as [TestClient, TestClient, TestClient];
  await desk.waitFor('presence: 3 waiting, counted on both nodes', (x) => x.presence.at(-1)?.queued === 3);
  const http = await A.app.inject({ url: `/presence?room=${room}` });
  assert.equal(http.json().queued, 3);

  visitor.send({ type: 'bye' });
  // Within a second on a quiet machine (bench/queue-latency.ts measures it); a loaded CI gets slack here.
  await desk.waitFor('rung by the head, waiting on A', (x) => received(x, 'ready').some((m) => m.call === 'xq1'), { timeoutMs: 5000 });
  assert.equal(received(desk, 'ready').find((m) => m.call === 'xq1')!.from, c1.id);
  await c1.waitFor('ringing', (x) => x.ringing.length === 1);
  await c2.waitFor('place 1 (told by B)', (x) => place(x) === 1);
  await c3.waitFor('place 2 (told by A)', (x) => place(x) === 2);
  desk.send({ type: 'accept', call: 'xq1' });
  await c1.waitFor('bound across nodes', (x) => x.bound.some((b) => b.call === 'xq1' && b.peer === desk.id));
  await sleep(300);
  assert.equal(received(desk, 'ready').filter((m) => m.call === 'xq1').length, 1, 'rung once');
  assert.equal(c1.ringing.length, 1, 'the caller heard ringing once');
  assert.equal(received(desk, 'ready').filter((m) => m.call !== 'xq1' && m.call !== 'busy-B').length, 0, 'nobody else rang the busy desk');
  assert.deepEqual(c2.queued.map((q) => q.position), [2, 1], 'each move once');
  assert.deepEqual(c3.queued.map((q) => q.position), [3, 2]);

  // The caller on B leaves the line: the one on A moves up, told by A.
  c2.send({ type: 'cancel', call: 'xq2' });
  await c3.waitFor('place 1', (x) => place(x) === 1);
});

test('line across nodes: desks on A and B come free in the same tick, two callers wait: each caller is rung exactly once and both calls are answered', async (t) => {
  const { A, B } = await twoNodes(t);
  for (let round = 0; round < 4; round++) {
    const room = uniqueRoom(`x-line-race-${round}`);
    const a = await busyDesk(t, A, room, `A${round}`);
    const b = await busyDesk(t, B, room, `B${round}`);
    const c1 = await v2Client(t, (round % 2 ? A : B).url, room, `caller 1/${round}`, { incoming: false });
    c1.send({ type: 'ready', call: 'r1', queue: true });
    await c1.waitFor('place 1', (x) => place(x) === 1);
    const c2 = await v2Client(t, (round % 2 ? B : A).url, room, `caller 2/${round}`, { incoming: false });
    c2.send({ type: 'ready', call: 'r2', queue: true });
    await c2.waitFor('place 2', (x) => place(x) === 2);
    a.visitor.send({ type: 'bye' });
    b.visitor.send({ type: 'bye' });
    // Each desk takes the first call that rings it (as a person would), once.
    const taken = new Map<TestClient, string>();
    await waitFor(`round ${round}: both callers bound`, () => {
      for (const d of [a.desk, b.desk]) {
        if (taken.has(d)) continue;
        const ring = received(d, 'ready').find((m) => (m.call === 'r1' || m.call === 'r2') && ![...taken.values()].includes(m.call));
        if (ring) {
          taken.set(d, ring.call!);
          d.send({ type: 'accept', call: ring.call! });
        }
      }
      return c1.bound.length === 1 && c2.bound.length === 1;
    }, { timeoutMs: 10_000 });
    await sleep(200);
    assert.equal(c1.ringing.length, 1, `round ${round}: caller 1 rung once`);
    assert.equal(c2.ringing.length, 1, `round ${round}: caller 2 rung once`);
    for (const d of [a.desk, b.desk])
      for (const call of ['r1', 'r2']) assert.ok(received(d, 'ready').filter((m) => m.call === call).length <= 1, `round ${round}: ${d.name} rung by ${call} at most once`);
    assert.notEqual(c1.bound[0]!.peer, c2.bound[0]!.peer, 'one desk each');
    for (const c of [a.desk, b.desk, a.visitor, b.visitor, c1, c2]) c.close();
  }
});
