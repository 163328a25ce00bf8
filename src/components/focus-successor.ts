/**
 * Where keyboard focus goes when a render takes the focused control away, as a ReactiveController
 * of the call button and the video panel: never dropped on the page, but on the control that took
 * its place. The rules of both elements are here, since each hands focus to the other.
 *
 * - In the call button (Video call → Cancel, → Accept when a call rings, Accept → Cancel, Decline →
 *   Video call): its successor. The pre-call check opened: Start call. Video call (or Start call) →
 *   the call's controls, over the video in the panel. A desk that declined has no call buttons: the
 *   status line, not Clear (one more Enter would empty the missed calls) nor Away (one more Enter
 *   would stop the desk ringing).
 * - In the panel (its controls went away with the call): back to the call button, to its call
 *   buttons, or on a desk (none) to its status line (not Clear, not Away, as above).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { controlsPanel, firstHost } from './call-state-controller.js';
import { isActive } from '../core/state.js';
import type { CallStateController } from './call-state-controller.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

const first = (root: HTMLElement | DocumentFragment | null | undefined, selector: string): HTMLElement | null | undefined => root?.querySelector<HTMLElement>(selector);

export class FocusSuccessor implements ReactiveController {
  readonly #host: Host;
  readonly #state: CallStateController;
  /** Keyboard focus was inside the host before this render. */
  #had = false;

  constructor(host: Host, state: CallStateController) {
    this.#state = state;
    (this.#host = host).addController(this);
  }

  hostUpdate(): void {
    this.#had = !!this.#host.shadowRoot?.activeElement;
  }

  hostUpdated(): void {
    const h = this.#host;
    if (!this.#had || h.shadowRoot?.activeElement) return;
    if (h.localName === 'rtc-video-panel') {
      const b = firstHost('rtc-call-button');
      void b?.updateComplete.then(() => first(b.shadowRoot, '[part~="controls"] button:not([part~="away-button"]), [part~="status"]')?.focus());
      return;
    }
    const root = h.renderRoot;
    const next = first(root, '[part~="start-button"]') ?? first(root, '[part~="controls"] button:not([part~="away-button"])');
    const panel = controlsPanel() as { focusControls?(): void } | undefined;
    if (next) next.focus();
    else if (panel && isActive(this.#state.snapshot.state)) panel.focusControls?.();
    else first(root, '[part~="status"]')?.focus();
  }
}
