/**
 * Shared helpers for the element tests (run in real Chromium by @web/test-runner + mocha). Polling
 * and room names come from test/support/wait.ts, the one helper of every suite.
 */
import '../../src/index.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';

declare global {
  // mocha globals provided by @web/test-runner (no @types/mocha in this project)
  function describe(name: string, fn: () => void): void;
  function it(name: string, fn: () => Promise<void> | void): void;
  function before(fn: () => Promise<void> | void): void;
  function after(fn: () => Promise<void> | void): void;
  function afterEach(fn: () => Promise<void> | void): void;
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export function equal<T>(actual: T, expected: T, message = ''): void {
  if (actual !== expected) throw new Error(`${message} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export interface RelayInfo {
  url: string;
  unreachable: string;
  /** A relay that requires tokens; mint one with `token()`. */
  tokens: string;
}
/** A token for the tokens relay (minted by the test config: the secret never reaches the page). */
export const token = async (room: string, role: 'caller' | 'answerer' | 'both', name = ''): Promise<string> =>
  (await fetch(`/__token?${new URLSearchParams({ room, role, name })}`)).text();
export const relayInfo = async (): Promise<RelayInfo> => (await fetch('/__relay')).json() as Promise<RelayInfo>;

/** Mounts markup in a fresh container; returns the container. */
export function mount(markup: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = markup;
  document.body.append(div);
  return div;
}

export const shadow = (el: Element): ShadowRoot => {
  assert(el.shadowRoot, `${el.localName} has no shadow root`);
  return el.shadowRoot;
};

/** "state/reason" of an element, for failure messages. */
export const stateOf = (el: Element): string => `${el.getAttribute('state')}/${el.getAttribute('reason')}`;

export const buttonsOf = (el: RtcCallButton): HTMLButtonElement[] => [...shadow(el).querySelectorAll('button')];
/** A button's accessible name: its aria-label (the panel's icon buttons), else its text. */
export const nameOf = (b: Element): string => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim();
/** Where the in-call controls are: the page's first <rtc-video-panel> when there is one, else the call button. */
export const controlsHost = (el: Element): Element => document.querySelector('rtc-video-panel') ?? el;
/** The button with this name in the call button, or among the in-call controls of the page's panel. */
export const buttonNamed = (el: RtcCallButton, name: string): HTMLButtonElement | undefined =>
  [...buttonsOf(el), ...(controlsHost(el) === el ? [] : shadow(controlsHost(el)).querySelectorAll('button'))].find((b) => nameOf(b) === name);
export const statusOf = (el: Element): string => shadow(el).querySelector('[part~="status"]')?.textContent?.trim() ?? '';

/** Counts painted (non-transparent) pixels of a canvas. */
export function paintedPixels(canvas: HTMLCanvasElement): number {
  const g = canvas.getContext('2d');
  if (!g || !canvas.width || !canvas.height) return 0;
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let p = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) p++;
  return p;
}

/** Records rtc-* events reaching `document` (so bubbles + composed are part of the test). */
export function recordEvents(): { events: Array<{ type: string; target: string; detail: unknown }>; stop: () => void } {
  const events: Array<{ type: string; target: string; detail: unknown }> = [];
  const on = (e: Event): void => {
    events.push({ type: e.type, target: (e.target as Element).localName, detail: (e as CustomEvent).detail });
  };
  const types = ['rtc-state-change', 'rtc-call-start', 'rtc-call-end', 'rtc-incoming', 'rtc-missed', 'rtc-presence', 'rtc-quality'];
  for (const t of types) document.addEventListener(t, on);
  return { events, stop: () => types.forEach((t) => document.removeEventListener(t, on)) };
}
