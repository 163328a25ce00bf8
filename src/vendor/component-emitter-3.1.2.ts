/**
 * @socket.io/component-emitter 3.1.2 (the emitter every engine.io-client and socket.io-client
 * class extends) as an ES class: the same methods, aliases and semantics (listeners under
 * `'$' + event`, `once` wrappers found by `.fn`, `off` by argument count, listeners called with
 * the emitter as `this` on a copy of the list) without the mixin function nobody in the bundle
 * calls (~200 bytes min+gzip less). test/vendor/component-emitter.test.ts runs the same calls on
 * both and compares what every listener saw.
 */
type Listener = ((...args: unknown[]) => void) & { fn?: Listener };

export class Emitter {
  _callbacks?: Record<string, Listener[]>;

  on(event: string, fn: Listener): this {
    ((this._callbacks ??= {})['$' + event] ??= []).push(fn);
    return this;
  }

  once(event: string, fn: Listener): this {
    const on: Listener = (...args) => {
      this.off(event, on);
      fn.apply(this, args);
    };
    on.fn = fn;
    return this.on(event, on);
  }

  off(...a: [event?: string, fn?: Listener]): this {
    const all = (this._callbacks ??= {});
    if (!a.length) return (this._callbacks = {}), this;
    const k = '$' + a[0];
    const list = all[k];
    if (!list) return this;
    if (a.length === 1) return delete all[k], this;
    const i = list.findIndex((cb) => cb === a[1] || cb.fn === a[1]);
    if (i >= 0) list.splice(i, 1);
    // No empty lists left behind for events nobody listens to any more.
    if (!list.length) delete all[k];
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    for (const cb of [...((this._callbacks ??= {})['$' + event] ?? [])]) cb.apply(this, args);
    return this;
  }

  listeners(event: string): Listener[] {
    return (this._callbacks ??= {})['$' + event] ?? [];
  }

  hasListeners(event: string): boolean {
    return !!this.listeners(event).length;
  }
}

export interface Emitter {
  addEventListener: Emitter['on'];
  removeListener: Emitter['off'];
  removeAllListeners: Emitter['off'];
  removeEventListener: Emitter['off'];
  emitReserved: Emitter['emit'];
}
const p = Emitter.prototype;
p.addEventListener = p.on;
p.removeListener = p.removeAllListeners = p.removeEventListener = p.off;
p.emitReserved = p.emit;
