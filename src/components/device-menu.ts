/**
 * The in-call Devices menu, a ReactiveController of the element holding the in-call controls: the
 * page's devices (device-list.ts, read when the menu opens and again on `devicechange` while it is
 * open), whether the menu is open (the Devices button toggles it), and the menu itself, a labelled
 * select each for camera, microphone and (where the browser can pick one) speaker.
 *
 * Escape, on the Devices button or in its menu while the menu is open, closes the menu and puts
 * focus back on the Devices button.
 */
import { html, nothing, type ReactiveControllerHost } from 'lit';
import { canPickSpeaker } from '../browser/audio.js';
import type { CallStateController } from './call-state-controller.js';
import { DeviceList } from './device-list.js';
import type { Texts } from './messages.js';

type Host = ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment };

export class DeviceMenu extends DeviceList {
  /** Open (it shows while we hold a camera or microphone). */
  open = false;
  readonly #host: Host;

  constructor(host: Host, state: CallStateController) {
    // The list reads the devices again on `devicechange` while the menu is open.
    super(host, state, () => this.open);
    this.#host = host;
  }

  /** The Devices button's press. */
  toggle(): void {
    this.open = !this.open;
    if (this.open) void this.refresh();
    else this.#host.requestUpdate();
  }

  /** Escape, on the Devices button or in its menu, closes the menu and returns focus to the button. */
  readonly keydown = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape' || !this.open) return;
    e.stopPropagation();
    this.open = false;
    this.#host.requestUpdate();
    void this.#host.updateComplete.then(() => this.#host.renderRoot.querySelector<HTMLElement>('[part~="devices-button"]')?.focus());
  };

  /** The menu (`video`: with a camera select), or nothing while it is closed or `shown` is false. */
  render(t: Texts, shown: boolean, video: boolean): unknown {
    return shown
      ? html`<div part="devices" role="group" aria-label=${t('label-devices')} @keydown=${this.keydown}>
          ${video ? this.select('videoinput', t) : nothing}${this.select('audioinput', t)}${canPickSpeaker() ? this.select('audiooutput', t) : nothing}
        </div>`
      : nothing;
  }
}
