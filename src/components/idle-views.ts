/**
 * What the call button shows between calls, beside its call buttons: the desk's list of missed
 * calls and the pre-call check (`prejoin`), and when it shows the site's fallback or disables its
 * call buttons. Pure functions: the element passes what they show and what a click does; the phone
 * (src/core) holds the state. Their look: styles/button.ts.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { CallSnapshot } from '../browser/instance.js';
import type { MissedCall } from '../core/phone-types.js';
import type { Texts } from './messages.js';

/** The relay refused this page's link for good (its token or room): the call buttons are disabled, the status says why. */
export const refused = (s: CallSnapshot): boolean => s.state === 'error' && (s.reason === 'unauthorized' || s.reason === 'bad-room');

/** Nobody takes calls: the site's fallback (slot `unavailable`) shows. */
export const nobody = (s: CallSnapshot): boolean =>
  s.reason === 'unavailable' || (s.state === 'idle' && (s.relayConnected || s.presenceKnown) && s.presence === 'offline');

/** Missed calls, newest first: who, voice or video, when; a Clear button. */
export function missedList(missed: readonly MissedCall[], t: Texts, lang: string, clear: () => void): TemplateResult | typeof nothing {
  if (!missed.length) return nothing;
  const time = (at: number): string => new Date(at).toLocaleTimeString(lang || undefined, { timeStyle: 'short' });
  return html`<div part="missed">
    <span>${t('label-missed')} (${missed.length})</span>
    <button type="button" part="button clear-button" @click=${clear}>${t('label-clear')}</button>
    <ul aria-label=${t('label-missed')}>
      ${[...missed].reverse().map(
        (m) => html`<li>${m.name || t('label-unknown')} · ${t(m.kind === 'voice' ? 'label-voice' : 'label-video')} · <time datetime=${new Date(m.at).toISOString()}>${time(m.at)}</time></li>`,
      )}
    </ul>
  </div>`;
}

export interface PrejoinParts {
  /** A video check shows the self-view. */
  showVideo: boolean;
  /** The self-view's srcObject binding: a new stream of its video track alone, or `noChange` (see rtc-video-panel). */
  video: unknown;
  /** The camera and microphone selects (the element's device menu selects). */
  selects: unknown;
  /** The microphone level, 0–100. */
  level: number;
  start: () => void;
  cancel: () => void;
}

/** The pre-call check: self-view, device selects, the microphone level, Cancel and Start call. */
export const prejoinView = (p: PrejoinParts, t: Texts): TemplateResult =>
  html`<div part="prejoin" role="group" aria-label=${t('label-prejoin')} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && p.cancel()}>
    ${p.showVideo ? html`<video part="preview" autoplay playsinline .muted=${true} .srcObject=${p.video}></video>` : nothing}
    <div part="devices">${p.selects}</div>
    <div part="level" role="meter" aria-label=${t('label-level')} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${p.level}>
      <span style="width:${p.level}%"></span>
    </div>
    <div part="controls">
      <button type="button" part="button prejoin-cancel-button" class="sec" @click=${p.cancel}>${t('label-cancel')}</button>
      <button type="button" part="button start-button" @click=${p.start}>${t('label-start')}</button>
    </div>
  </div>`;
