import { css } from 'lit';

/** What both hosts of the in-call controls share: the icons' size and a button's icon beside its text. */
export const controlStyles = css`
  .icon { width: 1.25em; height: 1.25em; flex: none; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
  button { display: inline-flex; align-items: center; justify-content: center; gap: 0.4em; }
  [part~='devices'] label { display: grid; gap: 0.2em; }
  select { font: inherit; max-width: 100%; }
`;
