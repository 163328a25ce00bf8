/**
 * rtc-call widget entry: registers <rtc-call-button>, <rtc-video-panel> and
 * <rtc-voice-graph> (once, even if the bundle is loaded twice) and exports the
 * types for bundler users.
 */
import { RtcCallButton } from './components/rtc-call-button.js';
import { RtcVideoPanel } from './components/rtc-video-panel.js';
import { RtcVoiceGraph } from './components/rtc-voice-graph.js';
import { addLanguage as add, type StatusMessages } from './components/messages.js';
import { renderAll } from './components/call-state-controller.js';

const define = (name: string, ctor: CustomElementConstructor): void => {
  if (!customElements.get(name)) customElements.define(name, ctor);
};
define('rtc-call-button', RtcCallButton);
define('rtc-video-panel', RtcVideoPanel);
define('rtc-voice-graph', RtcVoiceGraph);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call-button': RtcCallButton;
    'rtc-video-panel': RtcVideoPanel;
    'rtc-voice-graph': RtcVoiceGraph;
  }
}

export { RtcCallButton, RtcVideoPanel, RtcVoiceGraph };

/**
 * Installs a language (`de`, `pt-BR`…): every text, or some of them (English fills the rest).
 * Elements whose `lang` (their own, an ancestor's, else the browser's) matches show it at once.
 * The packs in dist/lang/ call it: `<script src=".../lang/de.js"></script>` after the bundle.
 */
export function addLanguage(lang: string, texts: StatusMessages): void {
  add(lang, texts);
  renderAll();
}
export { callController } from './browser/instance.js';
export type { CallConfig, Phone, PhoneSnapshot } from './core/phone.js';
export type { BrowserPhone, CallSnapshot } from './browser/instance.js';
/** The page's phone under the name it had before 0.2. */
export type CallController = import('./browser/instance.js').BrowserPhone;
export type { CallState, CallKind, ErrorReason, EndReason, StateReason } from './core/state.js';
export type { StateChangeDetail, CallStartDetail, CallEndDetail, IncomingDetail, MissedDetail, PresenceDetail, QueueDetail, QualityDetail } from './components/events.js';
export type { StatusMessages, LanguagePack, TextKey } from './components/messages.js';
export type { Quality, CallSummary } from './core/quality.js';
export { STATUS_TEXT } from './components/messages.js';
