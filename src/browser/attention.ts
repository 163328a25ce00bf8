/**
 * What a ringing call does to the page beyond the call button: the ring tone, and while the page
 * is hidden a blinking document title and, only where the page already holds the permission, a
 * system notification. Once per page: the call button that speaks for the page drives it.
 */
import { ringtone } from './ringtone.js';

export interface RingAlert {
  /** The call that rings (a new id starts over). */
  call: string;
  /** The notification's text ("Incoming video call from Ana"). */
  text: string;
  /** Alternates with the page's own title while the page is hidden. */
  title: string;
  /** Play the ring tone. */
  tone: boolean;
}

let ring: RingAlert | null = null;
let stopTone: (() => void) | null = null;
let blink: ReturnType<typeof setInterval> | 0 = 0;
/** The page's own title, and the title we set last (a page that changes its title meanwhile wins). */
let own = '';
let ours = '';
/** This call's notification (kept once closed, so one call notifies once). */
let note: Notification | null = null;

/** Rings for `r`, or stops ringing (null). Idempotent: call it on every render. */
export function attend(r: RingAlert | null): void {
  if (r?.call !== ring?.call) {
    stop();
    if (r) document.addEventListener('visibilitychange', look);
  }
  ring = r;
  if (r?.tone && !stopTone) stopTone = ringtone();
  if (!r?.tone && stopTone) {
    stopTone();
    stopTone = null;
  }
  look();
}

function stop(): void {
  ring = null;
  look();
  note?.close();
  note = null;
  document.removeEventListener('visibilitychange', look);
}

/** The next title of the blink: ours and the page's by turns. */
export function nextTitle(current: string, ringTitle: string): string {
  if (current !== ours) own = current;
  return (ours = current === ringTitle ? own : ringTitle);
}

function look(): void {
  const hidden = !!ring && document.visibilityState === 'hidden';
  if (hidden && !blink) {
    const tick = (): void => void (document.title = nextTitle(document.title, ring!.title));
    tick();
    blink = setInterval(tick, 1000);
  } else if (!hidden && blink) {
    clearInterval(blink);
    blink = 0;
    if (document.title === ours) document.title = own;
  }
  if (hidden && !note && globalThis.Notification?.permission === 'granted') {
    try {
      const n = (note = new Notification(ring!.text, { tag: `rtc-call-${ring!.call}` }));
      n.onclick = (): void => {
        focus();
        n.close();
      };
    } catch {
      // Android's Chrome has no Notification constructor (service workers only): title and tone still tell.
    }
  }
  if (!hidden) note?.close();
}
