/**
 * The ReactiveController that subscribes an element to the page's call controller:
 * re-renders on every change, reflects `state` / `reason` attributes (stable test
 * and styling hooks) and dispatches the rtc-* events from its host.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallController, CallSnapshot } from '../core/controller.js';
import { callController } from '../browser/instance.js';
import { isActive, type CallKind, type CallState, type StateReason } from '../core/state.js';

export interface StateChangeDetail {
  state: CallState;
  reason: StateReason;
}
export interface CallStartDetail {
  kind: CallKind | null;
}
export interface CallEndDetail {
  reason: StateReason;
}

declare global {
  interface HTMLElementEventMap {
    'rtc-state-change': CustomEvent<StateChangeDetail>;
    'rtc-call-start': CustomEvent<CallStartDetail>;
    'rtc-call-end': CustomEvent<CallEndDetail>;
  }
}

export class CallBinding implements ReactiveController {
  readonly controller: CallController = callController();
  snapshot: CallSnapshot = this.controller.snapshot;
  #unsubscribe: (() => void) | null = null;

  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #onChange: ((now: CallSnapshot, before: CallSnapshot) => void) | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, onChange?: (now: CallSnapshot, before: CallSnapshot) => void) {
    this.#host = host;
    this.#onChange = onChange;
    host.addController(this);
  }

  hostConnected(): void {
    this.#unsubscribe = this.controller.subscribe((s) => this.#update(s));
    this.#update(this.controller.snapshot);
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  #fire<T>(type: string, detail: T): void {
    this.#host.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }

  #update(s: CallSnapshot): void {
    const before = this.snapshot;
    this.snapshot = s;
    const h = this.#host;
    h.setAttribute('state', s.state);
    if (s.reason) h.setAttribute('reason', s.reason);
    else h.removeAttribute('reason');
    if (before.state !== s.state || before.reason !== s.reason) {
      this.#fire<StateChangeDetail>('rtc-state-change', { state: s.state, reason: s.reason });
      if (s.state === 'connected' && before.state === 'connecting') this.#fire<CallStartDetail>('rtc-call-start', { kind: s.kind });
      if (isActive(before.state) && !isActive(s.state)) this.#fire<CallEndDetail>('rtc-call-end', { reason: s.reason });
    }
    this.#onChange?.(s, before);
    h.requestUpdate();
  }
}
