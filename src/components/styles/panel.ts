import { css } from 'lit';

/**
 * <rtc-video-panel>'s look: a 16:9 stage (portrait when the panel is narrow, as on a phone) at
 * most --rtc-panel-max-height tall, hidden between calls; a top bar (time, connection, picture-
 * in-picture, full screen) and a bottom bar of round icon buttons over the video; tooltips on
 * hover and keyboard focus; focus rings in a light blue that stands out on the dark bars.
 */
export const panelStyles = css`
  :host { display: block; container-type: inline-size; --ring: var(--rtc-panel-focus, #8ab4f8); }
  :host(:not([state])) [part~='stage'], :host([state='idle']) [part~='stage'], :host([state='ended']) [part~='stage'], :host([state='error']) [part~='stage'] { display: none; }
  [part~='stage'] {
    position: relative; overflow: hidden; margin-inline: auto; aspect-ratio: var(--rtc-panel-aspect, 16 / 9);
    width: min(100%, calc(var(--rtc-panel-max-height, 70vh) * (var(--rtc-panel-aspect, 16 / 9))));
    background: var(--rtc-panel-background, #111); color: var(--rtc-panel-color, #eee);
    border-radius: var(--rtc-radius, 12px);
  }
  @container (max-width: 28rem) {
    [part~='stage'] {
      aspect-ratio: var(--rtc-panel-aspect-narrow, 3 / 4);
      width: min(100%, calc(var(--rtc-panel-max-height, 70vh) * (var(--rtc-panel-aspect-narrow, 3 / 4))));
    }
    [part~='route'] { display: none; }
  }
  :host(:fullscreen) { background: #000; }
  :host(:fullscreen) [part~='stage'] { width: 100%; height: 100%; aspect-ratio: auto; border-radius: 0; }
  :host(:fullscreen) [part~='remote-video'] { object-fit: contain; }
  video { display: block; object-fit: cover; }
  [part~='remote-video'] { width: 100%; height: 100%; }
  [part~='local-video'] {
    position: absolute; right: 3%; bottom: calc(44px + 1.6em); width: var(--rtc-preview-width, 28%); max-width: 14em;
    aspect-ratio: 4 / 3; border-radius: 6px; box-shadow: 0 1px 6px #0008;
  }
  [part~='local-video'].full { inset: 0; width: 100%; height: 100%; max-width: none; border-radius: 0; box-shadow: none; opacity: 0.75; }
  .mirror { transform: scaleX(-1); }
  [hidden] { display: none !important; }
  [part~='placeholder'] { position: absolute; inset: 0; display: grid; place-items: center; padding: 1em; text-align: center; font-size: 1.1em; }
  [part~='avatar'] { display: block; margin: 0 auto 0.3em; width: 3em; line-height: 3em; border-radius: 50%; background: #5f6368; font-size: 1.6em; }
  .contain { object-fit: contain; }
  [part~='bar'], [part~='controls'] { position: absolute; left: 0; right: 0; display: flex; align-items: center; gap: 0.5em; padding: 0.5em 0.75em; background: #000000b3; color: #fff; }
  [part~='bar'] { top: 0; font-size: 0.875em; white-space: nowrap; }
  [part~='bar'] > button:first-of-type { margin-inline-start: auto; }
  [part~='controls'] { bottom: 0; justify-content: center; }
  [part~='quality'] { position: relative; display: inline-flex; align-items: center; gap: 0.35em; }
  [part~='quality']::before { content: ''; width: 0.6em; height: 0.6em; border-radius: 50%; background: currentColor; }
  .good { color: var(--rtc-good, #34a853); }
  .fair { color: var(--rtc-fair, #fbbc04); }
  .poor { color: var(--rtc-poor, #ff8a80); }
  [part~='quality'] > span { color: #fff; }
  [part~='route']::before { content: '·'; margin-inline-end: 0.5em; }
  button {
    position: relative; font: inherit; cursor: pointer; border: 0; color: #fff; min-width: 44px; height: 44px; padding: 0 10px;
    border-radius: var(--rtc-control-radius, 999px); background: var(--rtc-control, #3c4043);
  }
  [part~='bar'] button { background: transparent; }
  button[aria-pressed='true'] { background: var(--rtc-control-on, #e8eaed); color: var(--rtc-control-on-text, #202124); }
  button.end { background: var(--rtc-danger, #c62828); min-width: 56px; margin-inline-start: 0.5em; }
  button:focus-visible, [part~='devices'] select:focus-visible { outline: 3px solid var(--ring); outline-offset: 2px; }
  .tip {
    position: absolute; bottom: calc(100% + 8px); left: 50%; transform: translateX(-50%); padding: 0.25em 0.55em;
    border-radius: 4px; background: #202124; color: #fff; font-size: 0.8rem; white-space: nowrap; pointer-events: none; opacity: 0;
  }
  [part~='bar'] .tip { bottom: auto; top: calc(100% + 8px); left: auto; right: 0; transform: none; }
  button:hover .tip, button:focus-visible .tip, [part~='quality']:hover .tip { opacity: 1; }
  [part~='devices'] {
    position: absolute; bottom: calc(100% + 0.5em); left: 50%; transform: translateX(-50%); display: grid; gap: 0.6em;
    width: min(20em, calc(100% - 1.5em)); padding: 0.75em; border-radius: 8px; background: #202124; color: #fff; text-align: start;
  }
  [part~='marks'] { position: absolute; left: 0.75em; bottom: calc(44px + 1.6em); display: flex; gap: 0.4em; }
  [part~='marks'] > span { display: grid; place-items: center; width: 2em; height: 2em; border-radius: 50%; background: #000000b3; color: #fff; }
  [part~='play-button'] { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); background: #fff; color: #202124; }
`;
