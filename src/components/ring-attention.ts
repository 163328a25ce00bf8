/**
 * A ringing call's reach beyond the element (browser/attention.ts: the ring tone and, while the page
 * is hidden, the blinking title and a notification), as a ReactiveController of the call button.
 * Once per page: after each update of the call button that speaks for the page it rings for the
 * call that rings here, or stops; when that button leaves the page it stops, and the next one (which
 * the CallStateController tells to update) takes the ringing over.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { attend } from '../browser/attention.js';
import type { CallStateController } from './call-state-controller.js';
import { statusText, type StatusMessages } from './messages.js';

/** What the ringing reads from its host: its texts and its `ringtone` attribute. */
interface Host extends ReactiveControllerHost {
  messages: StatusMessages | undefined;
  ringtone: 'on' | 'off';
}

export class RingAttention implements ReactiveController {
  readonly #host: Host;
  readonly #state: CallStateController;
  /** The host spoke for the page at its last update (so the ringing, or its silence, is its). */
  #leading = false;

  constructor(host: Host, state: CallStateController) {
    this.#state = state;
    (this.#host = host).addController(this);
  }

  hostUpdated(): void {
    if (!(this.#leading = this.#state.leads)) return;
    const s = this.#state.snapshot;
    const t = this.#state.t(this.#host.messages);
    attend(s.state === 'ringing' && s.incoming ? { call: s.incoming.call, text: statusText(s, t), title: t('ring-title'), tone: this.#host.ringtone !== 'off' } : null);
  }

  hostDisconnected(): void {
    // The CallStateController (the host's first controller) has let the host go already: `leads`
    // is false by now, so whether it rang is what its last update said.
    if (this.#leading) attend(null);
    this.#leading = false;
  }
}
