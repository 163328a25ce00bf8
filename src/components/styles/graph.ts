import { css } from 'lit';

/** <rtc-voice-graph>'s look: a block of --rtc-graph-height whose canvas fills it. */
export const graphStyles = css`
  :host { display: block; height: var(--rtc-graph-height, 64px); background: var(--rtc-graph-background, transparent); }
  canvas { display: block; width: 100%; height: 100%; }
`;
