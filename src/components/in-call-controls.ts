/**
 * The in-call controls — Mute, Camera off, Share screen, Devices (with its menu) and Hang up /
 * Cancel — as one piece, so they can live in whichever element holds them: the page's
 * <rtc-video-panel> (a bar over the video, icon buttons with tooltips) or, on a page without
 * one, the <rtc-call-button> (icon and text). Each control exists once on the page. It holds no
 * call logic: every press calls the page's call controller, as the button's methods do. The
 * Devices menu is device-menu.ts.
 */
import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { canShare } from '../browser/media.js';
import type { CallStateController } from './call-state-controller.js';
import { DeviceMenu } from './device-menu.js';
import { ICONS, icon, type IconNode } from './icons.js';
import type { TextKey, Texts } from './messages.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/** The pieces, for the host to place: the toggles, the end button, and the Devices menu (when open). */
export interface ControlParts {
  toggles: unknown;
  end: unknown;
  menu: unknown;
}

export interface ControlOptions {
  /** Texts of the host's hang-up and cancel buttons when it has its own (rtc-call-button's attributes). */
  hangup?: string | undefined;
  cancel?: string | undefined;
  /** The id of an element in the host's shadow root that describes every button (the status line). */
  describedBy?: string | undefined;
}

export class InCallControls {
  readonly #state: CallStateController;
  /** Icon-only buttons whose name shows as a tooltip (over the video), else icon and text. */
  readonly #compact: boolean;
  readonly #menu: DeviceMenu;

  constructor(host: Host, state: CallStateController, compact: boolean) {
    this.#state = state;
    this.#compact = compact;
    this.#menu = new DeviceMenu(host, state);
  }

  /** The controls for the call in progress (the host renders them only while a call is active). */
  render(t: Texts, o: ControlOptions = {}): ControlParts {
    const s = this.#state.snapshot;
    const call = this.#state.call;
    const live = s.state === 'connected' || s.state === 'reconnecting';
    const video = s.kind === 'video';
    const menu = this.#menu.open && !!s.localStream;
    const btn = (part: string, name: string, shape: IconNode, act: () => unknown, cls = 'tog', pressed?: boolean): TemplateResult =>
      html`<button
        type="button"
        part="button ${part}"
        class=${cls}
        aria-label=${this.#compact ? name : nothing}
        aria-pressed=${pressed ?? nothing}
        aria-expanded=${part === 'devices-button' ? menu : nothing}
        aria-describedby=${o.describedBy ?? nothing}
        @click=${act}
        @keydown=${part === 'devices-button' ? this.#menu.keydown : nothing}
      >
        ${icon(shape)}${this.#compact ? html`<span class="tip" aria-hidden="true">${name}</span>` : html`<span>${name}</span>`}
      </button>`;
    const label = (k: TextKey): string => t(k);
    const toggles = s.localStream
      ? html`${btn('mute-button', label('label-mute'), s.muted ? ICONS.MicOff : ICONS.Mic, () => call.media.set('muted', !s.muted), 'tog', s.muted)}${video
          ? btn('camera-button', label('label-camera'), s.cameraOff ? ICONS.VideoOff : ICONS.Video, () => call.media.set('cameraOff', !s.cameraOff), 'tog', s.cameraOff)
          : nothing}${video && canShare()
          ? btn('share-button', label('label-share'), ICONS.ScreenShare, () => void call.media.share(!s.sharing), 'tog', s.sharing)
          : nothing}${btn('devices-button', label('label-devices'), ICONS.Settings, () => this.#menu.toggle())}`
      : nothing;
    const end = live
      ? btn('hangup-button', o.hangup ?? label('label-hangup'), ICONS.PhoneOff, () => call.hangUp(), 'end')
      : btn('cancel-button', o.cancel ?? label('label-cancel'), ICONS.PhoneOff, () => call.hangUp(), 'end');
    return {
      toggles,
      end,
      menu: this.#menu.render(t, menu, video),
    };
  }
}
