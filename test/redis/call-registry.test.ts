/**
 * The call registry, in memory and in a real redis-server: each change is atomic. Many nodes
 * (here: several registries, each with its own Redis connection) changing one call at once lose
 * no update, and of many accepts exactly one binds the call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createClient } from 'redis';
import { MemoryCallRegistry, type CallRegistry } from '../../server/calls/registry.js';
import { claimStep, openStep, ringAlsoStep, unbindStep, type ClaimOut, type RingingCall } from '../../server/calls/rules.js';
import { RedisCallRegistry } from '../../server/cluster/calls.js';
import { redisFor } from './cluster.js';

/** `n` registries sharing one store: the same Map in memory, or one Redis through n connections. */
type Registries = (t: TestContext, n: number) => Promise<CallRegistry[]>;

const memory: Registries = async (_t, n) => {
  const one = new MemoryCallRegistry();
  return Array.from({ length: n }, () => one);
};

const redis: Registries = async (t, n) => {
  const server = await redisFor(t);
  const prefix = `test-${Math.random().toString(36).slice(2)}`;
  return Promise.all(
    Array.from({ length: n }, async () => {
      const client = createClient({ url: server.url });
      client.on('error', () => undefined); // the server stops when the test ends, maybe before this client closes
      await client.connect();
      t.after(() => client.close());
      return new RedisCallRegistry(client, prefix);
    }),
  );
};

const all = (): boolean => true;
const draft = (id: string, targets: string[]) => ({ id, room: 'r', caller: 'caller', callerV: 2 as const, kind: 'video' as const, name: 'Ann', direct: false, targets });

for (const [name, make] of [['in memory', memory], ['in Redis', redis]] as const) {
  test(`${name}: 40 accepts at once from 4 registries bind the call exactly once`, async (t) => {
    const regs = await make(t, 4);
    const desks = Array.from({ length: 40 }, (_, i) => `desk${i}`);
    await regs[0]!.update('r', 'c1', openStep(draft('c1', desks), all));
    assert.deepEqual((await regs[1]!.ringingIn('r')).map((c) => c.id), ['c1']);
    const outs = await Promise.all(desks.map((d, i) => regs[i % 4]!.update<ClaimOut>('r', 'c1', claimStep(d, all))));
    const won = outs.filter((o) => o.result === 'won');
    assert.equal(won.length, 1, outs.map((o) => o.result).join());
    assert.equal(outs.filter((o) => o.result === 'lost').length, 39);
    const rec = await regs[2]!.get('r', 'c1');
    assert.equal(rec?.state, 'bound');
    assert.deepEqual(rec?.state === 'bound' && rec.sides, ['caller', (won[0] as { rec: { sides: string[] } }).rec.sides[1]]);
    assert.deepEqual(await regs[3]!.ringingIn('r'), [], 'a bound call rings no more');
    await regs[0]!.update('r', 'c1', unbindStep('caller'));
    assert.equal(await regs[1]!.get('r', 'c1'), undefined);
  });

  test(`${name}: 60 concurrent changes to one call from 3 registries lose none`, async (t) => {
    const regs = await make(t, 3);
    await regs[0]!.update('r', 'c2', openStep(draft('c2', ['d0']), all));
    const joiners = Array.from({ length: 60 }, (_, i) => `m${i}`);
    await Promise.all(joiners.map((m, i) => regs[i % 3]!.update('r', 'c2', ringAlsoStep(m))));
    const rec = (await regs[1]!.get('r', 'c2')) as RingingCall;
    assert.deepEqual([...rec.rung].sort(), ['d0', ...joiners].sort());
    // Calls of another room are not listed.
    await regs[2]!.update('other', 'c3', openStep({ ...draft('c3', ['x']), room: 'other' }, all));
    assert.deepEqual((await regs[0]!.ringingIn('r')).map((c) => c.id), ['c2']);
    assert.deepEqual((await regs[0]!.ringingIn('other')).map((c) => c.id), ['c3']);
  });
}
