/**
 * What a headless test page cannot do by itself, made observable: a page that is hidden (headless
 * Chromium's tab is always visible), the Notification API with a given permission (there is no
 * notification server here, and the permission cannot be granted without a prompt), and the
 * oscillators the page's AudioContext makes (the ring tone plays into the real context; this
 * records which oscillators it started and stopped).
 */

/** `document.visibilityState` under the test's control; `visibilitychange` fires as in a browser. */
export function hidePage(): { hide: () => void; show: () => void; restore: () => void } {
  let state: DocumentVisibilityState = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  const set = (s: DocumentVisibilityState): void => {
    state = s;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  return {
    hide: () => set('hidden'),
    show: () => set('visible'),
    restore: () => void delete (document as { visibilityState?: unknown }).visibilityState,
  };
}

export interface ShownNote {
  title: string;
  options?: NotificationOptions | undefined;
  closed: boolean;
  onclick: ((e: Event) => void) | null;
}

/** window.Notification with `permission`; records what is shown and any permission request. */
export function stubNotification(permission: NotificationPermission): { made: ShownNote[]; requested: number; restore: () => void } {
  const native = Object.getOwnPropertyDescriptor(window, 'Notification');
  const rec = { made: [] as ShownNote[], requested: 0, restore: () => native && Object.defineProperty(window, 'Notification', native) };
  class Note implements ShownNote {
    static readonly permission = permission;
    static requestPermission(): Promise<NotificationPermission> {
      rec.requested++;
      return Promise.resolve(permission);
    }
    closed = false;
    onclick: ((e: Event) => void) | null = null;
    constructor(
      readonly title: string,
      readonly options?: NotificationOptions,
    ) {
      rec.made.push(this);
    }
    close(): void {
      this.closed = true;
    }
  }
  Object.defineProperty(window, 'Notification', { configurable: true, writable: true, value: Note });
  return rec;
}

/** Records the oscillators any AudioContext creates, and which of them were stopped. */
export function recordOscillators(): { started: OscillatorNode[]; stopped: OscillatorNode[]; restore: () => void } {
  const proto = BaseAudioContext.prototype;
  const create = proto.createOscillator;
  const rec = { started: [] as OscillatorNode[], stopped: [] as OscillatorNode[], restore: () => void (proto.createOscillator = create) };
  proto.createOscillator = function (this: BaseAudioContext): OscillatorNode {
    const o = create.call(this);
    const start = o.start.bind(o);
    const stop = o.stop.bind(o);
    o.start = (...a: Parameters<OscillatorNode['start']>): void => {
      rec.started.push(o);
      start(...a);
    };
    o.stop = (...a: Parameters<OscillatorNode['stop']>): void => {
      rec.stopped.push(o);
      stop(...a);
    };
    return o;
  };
  return rec;
}
