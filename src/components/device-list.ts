/**
 * The page's cameras, microphones and speakers as labelled selects: one piece for both places
 * that offer them, the in-call Devices menu (in-call-controls.ts) and the pre-call check's
 * Camera / Microphone (rtc-call-button's `prejoin`). A ReactiveController: it reads
 * `enumerateDevices()` when its host asks (the menu opens, the check starts) and again on
 * `devicechange` while the host shows it, then re-renders the host.
 */
import { html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { setSpeaker, speaker } from '../browser/audio.js';
import type { CallStateController } from './call-state-controller.js';
import type { Texts } from './messages.js';

export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

export class DeviceList implements ReactiveController {
  #devices: MediaDeviceInfo[] = [];
  readonly #host: ReactiveControllerHost;
  readonly #state: CallStateController;
  /** The host shows the selects now (a device plugged in then is listed at once). */
  readonly #shown: () => boolean;

  constructor(host: ReactiveControllerHost, state: CallStateController, shown: () => boolean) {
    this.#host = host;
    this.#state = state;
    this.#shown = shown;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener?.('devicechange', this.#onDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#onDevices);
  }

  readonly #onDevices = (): void => void (this.#shown() && this.refresh());

  /** Reads the devices again (labels appear once the page holds a camera or microphone). */
  async refresh(): Promise<void> {
    this.#devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    this.#host.requestUpdate();
  }

  /** A select of one kind of device, the one in use (the call's, else the pre-call check's) selected. */
  select(kind: DeviceKind, t: Texts): TemplateResult {
    const s = this.#state.snapshot;
    const call = this.#state.call;
    const inUse =
      kind === 'audiooutput' ? speaker() : ((s.localStream ?? s.preview)?.getTracks().find((x) => kind.startsWith(x.kind))?.getSettings().deviceId ?? '');
    const pick = (id: string): unknown => (kind === 'audiooutput' ? setSpeaker(id) : call.media.use(kind === 'audioinput' ? 'audio' : 'video', id));
    return html`<label>${t(`device-${kind}`)}
      <select @change=${(e: Event) => void pick((e.target as HTMLSelectElement).value)}>
        ${this.#devices
          .filter((d) => d.kind === kind)
          .map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === inUse}>${d.label || `${t(`device-${kind}`)} ${i + 1}`}</option>`)}
      </select></label
    >`;
  }
}
