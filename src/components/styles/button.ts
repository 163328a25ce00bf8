import { css } from 'lit';

/**
 * <rtc-call-button>'s look: a row of pill buttons in the accent colour (hang-up and cancel in the
 * danger colour, in-call toggles in the control colour, filled when pressed), the status line below.
 * While a call rings, Accept pulses with a halo rather than moving: a target that moves is harder
 * to hit (and to click programmatically: automation waits for a still element).
 */
export const buttonStyles = css`
  :host { display: inline-block; }
  [part~='controls'], [part~='devices'] { display: flex; flex-wrap: wrap; gap: var(--rtc-gap, 0.5rem); }
  button {
    font: inherit; cursor: pointer; border: 0; padding: 0.5em 1.1em;
    border-radius: var(--rtc-radius, 999px); color: var(--rtc-button-text, #fff);
    background: var(--rtc-accent, #0a7d38);
  }
  button.end { background: var(--rtc-danger, #c62828); }
  button.tog { background: var(--rtc-control, #3c4043); }
  button[aria-pressed='true'] { background: var(--rtc-control-on, #e8eaed); color: var(--rtc-control-on-text, #202124); }
  [part~='devices'] { margin-top: 0.4em; }
  button:focus-visible, select:focus-visible, [part~='status']:focus-visible { outline: 3px solid var(--rtc-focus, #1a73e8); outline-offset: 2px; }
  @media (prefers-reduced-motion: no-preference) {
    [part~='accept-button'] { animation: ring 0.8s ease-in-out infinite alternate; }
  }
  @keyframes ring { to { box-shadow: 0 0 0 0.35em color-mix(in srgb, var(--rtc-accent, #0a7d38) 35%, transparent); } }
  [part~='status'] { margin: 0.4em 0 0; min-height: 1.2em; color: var(--rtc-status-color, inherit); }
`;

/** Between calls: the desk's missed calls and the pre-call check (idle-views.ts). */
export const idleStyles = css`
  [part~='missed'] { margin-top: 0.4em; }
  [part~='missed'] ul { margin: 0.2em 0 0; padding-inline-start: 1.2em; }
  [part~='missed'] button, [part~='prejoin'] button.sec { background: var(--rtc-control, #3c4043); padding: 0.2em 0.8em; }
  [part~='prejoin'] { display: grid; gap: var(--rtc-gap, 0.5rem); max-width: var(--rtc-prejoin-width, 22rem); }
  [part~='preview'] { width: 100%; aspect-ratio: 16 / 9; object-fit: cover; background: #000; border-radius: 0.5em; transform: scaleX(-1); }
  [part~='level'] { height: 0.5em; border-radius: 0.25em; background: var(--rtc-control, #3c4043); overflow: hidden; }
  [part~='level'] span { display: block; height: 100%; background: var(--rtc-accent, #0a7d38); transition: width 0.1s linear; }
`;
