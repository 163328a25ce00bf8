/**
 * The Lit ReactiveController that binds an element to the page's one call: it re-renders its
 * host on every change, reflects the `state` / `reason` / `presence` attributes (stable styling
 * and test hooks) and fires the rtc-* events (events.ts).
 *
 * Each change is handled once for the whole page, not once per element: every element reflects
 * the new state first, then each event is fired on every element, bubbling and composed from ONE
 * of them only (the announcer: the first connected <rtc-call-button>, else the element that
 * connected first), and without bubbling from the others. So a listener on `document` (or on an
 * ancestor of the announcer) hears each change once however many elements the page holds, and a
 * listener on any one element hears it too. Events follow changes: an element that connects
 * mid-call takes the current state silently.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallSnapshot } from '../browser/instance.js';
import { callController } from '../browser/instance.js';
import { changeEvents } from './events.js';
import { texts, type StatusMessages, type Texts } from './messages.js';
import { isActive } from '../core/state.js';
import { restAudioContext } from '../browser/audio.js';

type Host = ReactiveControllerHost & HTMLElement;

/** How long a call outlives the last rtc-* element (a re-render that moves them does not hang up). */
export const ORPHAN_GRACE_MS = 3000;
let orphaned: ReturnType<typeof setTimeout> | undefined;

/** The connected elements, in the order they connected. */
const hosts = new Set<Host>();
/** The snapshot the page's elements last showed (set by the first element that connects). */
let shown: CallSnapshot | undefined;

/** Attributes every element reflects: string ones (absent when null) and boolean ones. */
function reflect(h: Host, s: CallSnapshot): void {
  const r = s.remote;
  const q = s.quality;
  for (const [name, v] of [
    ['state', s.state],
    ['presence', s.presence],
    ['reason', s.reason],
    ['queue-position', s.queuePosition === null ? null : String(s.queuePosition)],
    ['quality', q?.level],
    ['relayed', q?.relayed ? q.via ?? '' : null],
    ['muted', s.muted && ''],
    ['camera-off', s.cameraOff && ''],
    ['sharing', s.sharing && ''],
    ['remote-muted', r.muted && ''],
    ['remote-camera-off', r.cameraOff && ''],
    ['remote-sharing', r.sharing && ''],
  ] as const)
    typeof v === 'string' ? h.setAttribute(name, v) : h.removeAttribute(name);
  h.requestUpdate();
}

/** Every element renders again (a language was installed). */
export const renderAll = (): void => hosts.forEach((h) => h.requestUpdate());

/**
 * The page's first <rtc-video-panel>: it holds the in-call controls (over the video), so each
 * control exists once on the page; without one they stay in the call button.
 */
export const controlsPanel = (): Host | undefined => firstHost('rtc-video-panel');

/** The first connected element of this name. */
export const firstHost = (name: string): Host | undefined => [...hosts].find((h) => h.localName === name);

/** The element that speaks for the page: the first connected call button, else the first element. */
const lead = (): Host | undefined => [...hosts].find((h) => h.localName === 'rtc-call-button') ?? [...hosts][0];

function changed(s: CallSnapshot): void {
  const events = changeEvents(shown!, s);
  // Between calls the audio output sleeps (the ring tone and the voice graph wake it).
  if (s.state !== shown!.state && !isActive(s.state) && s.state !== 'ringing') restAudioContext();
  shown = s;
  // A copy: a listener may add or remove elements while they are being told.
  const all = [...hosts];
  for (const h of all) reflect(h, s);
  const announcer = lead();
  for (const [type, detail] of events)
    for (const h of all) {
      const out = h === announcer;
      h.dispatchEvent(new CustomEvent(type, { detail, bubbles: out, composed: out }));
    }
}

export class CallStateController implements ReactiveController {
  /** The page's call (the same object for every element). */
  readonly call = callController();
  readonly #host: Host;

  constructor(host: Host) {
    this.#host = host;
    host.addController(this);
  }

  get snapshot(): CallSnapshot {
    return this.call.snapshot;
  }

  /** The host's language: its own or an ancestor's `lang`, else the browser's. */
  get lang(): string {
    const h = this.#host;
    return h.lang || h.closest('[lang]')?.getAttribute('lang') || navigator.language;
  }

  /** The host's texts: its `messages`, then its language's. */
  t(overrides?: StatusMessages): Texts {
    return texts(this.lang, overrides);
  }

  /** This element speaks for the page (fires the bubbling events; a call button also rings). */
  get leads(): boolean {
    return lead() === this.#host;
  }

  hostConnected(): void {
    if (!shown) {
      shown = this.call.snapshot;
      this.call.subscribe(changed);
    }
    hosts.add(this.#host);
    reflect(this.#host, this.call.snapshot);
    // A panel came: the call buttons hand their in-call controls over to it.
    if (this.#host.localName === 'rtc-video-panel') renderAll();
  }

  hostDisconnected(): void {
    const was = this.leads;
    hosts.delete(this.#host);
    // The next one takes over what only the lead does (the ring tone, the blinking title).
    if (was) lead()?.requestUpdate();
    // The panel that held the in-call controls went: the next panel, or the call buttons, take them.
    if (this.#host.localName === 'rtc-video-panel') renderAll();
    // The page took every element away (a single-page app navigated): after a grace, in which
    // putting one back keeps the call, hang up and let go of camera and microphone.
    if (!hosts.size) {
      clearTimeout(orphaned);
      orphaned = setTimeout(() => !hosts.size && this.call.hangUp(), ORPHAN_GRACE_MS);
    }
  }
}
