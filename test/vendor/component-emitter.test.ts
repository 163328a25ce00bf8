/** src/vendor/component-emitter-3.1.2.ts behaves like upstream @socket.io/component-emitter 3.1.2 for one script of calls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter as Upstream } from '@socket.io/component-emitter';
import { Emitter as Slim } from '../../src/vendor/component-emitter-3.1.2.js';

type E = { [k: string]: (...a: unknown[]) => unknown };

/** Runs the same calls on an emitter; returns what every listener saw (and with which `this`), and the listener counts. */
function script(Base: new () => object): string[] {
  class Sub extends Base {}
  const e = new Sub() as unknown as E;
  const log: string[] = [];
  const l = (name: string) =>
    function (this: unknown, ...args: unknown[]) {
      log.push(`${name}(${args.join(',')}) this=${this === e}`);
    };
  const a = l('a'), b = l('b'), c = l('c'), d = l('d');
  e.on!('x', a);
  e.addEventListener!('x', b);
  e.once!('x', c);
  e.emit!('x', 1, 2);
  e.emit!('x', 3);
  e.once!('y', d);
  e.off!('y', d); // a once listener, removed by the function it wraps
  e.emit!('y', 4);
  e.on!('z', a);
  e.on!('z', a);
  e.removeListener!('z', a); // only the first
  e.emit!('z', 5);
  e.emitReserved!('x', 6);
  log.push(`listeners x=${(e.listeners!('x') as unknown[]).length} z=${(e.listeners!('z') as unknown[]).length} q=${(e.listeners!('q') as unknown[]).length}`);
  log.push(`has x=${e.hasListeners!('x')} q=${e.hasListeners!('q')}`);
  // A listener that removes another while the event is being emitted: the copy still calls it.
  e.on!('w', function (this: E) {
    log.push('w1');
    this.off!('w', b);
  });
  e.on!('w', b);
  e.emit!('w', 7);
  e.emit!('w', 8);
  e.off!('w', undefined as never); // two arguments, the second undefined: upstream removes the first non-once listener
  e.emit!('w', 9);
  e.removeAllListeners!('x');
  e.emit!('x', 10);
  e.on!('x', a);
  e.removeEventListener!();
  e.emit!('x', 11);
  e.emit!('z', 12);
  log.push(`callbacks ${JSON.stringify(Object.keys((e as unknown as { _callbacks: object })._callbacks))}`);
  return log;
}

test('the same listener calls, `this`, counts and bookkeeping as upstream', () => {
  const up = script(Upstream as unknown as new () => object);
  assert.ok(up.length > 10);
  assert.deepEqual(script(Slim), up);
});
