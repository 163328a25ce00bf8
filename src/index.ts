/**
 * rtc-call widget entry: registers <rtc-call-button>, <rtc-video-panel> and
 * <rtc-voice-graph> (once, even if the bundle is loaded twice) and exports the
 * types for bundler users.
 */
import { RtcCallButton } from './components/rtc-call-button.js';
import { RtcVideoPanel } from './components/rtc-video-panel.js';
import { RtcVoiceGraph } from './components/rtc-voice-graph.js';

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
export { callController } from './browser/instance.js';
export type { CallConfig, Phone, PhoneSnapshot } from './core/phone.js';
export type { BrowserPhone, CallSnapshot } from './browser/instance.js';
/** The page's phone under the name it had before 0.2. */
export type CallController = import('./browser/instance.js').BrowserPhone;
export type { CallState, CallKind, ErrorReason, EndReason, StateReason } from './core/state.js';
export type { StateChangeDetail, CallStartDetail, CallEndDetail, IncomingDetail, MissedDetail, PresenceDetail } from './components/events.js';
export type { StatusMessages } from './components/messages.js';
export { STATUS_TEXT } from './components/messages.js';
