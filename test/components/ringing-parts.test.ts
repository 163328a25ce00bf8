// Group `elements`: the parts of ringing that need no relay, in real Chromium: the status texts of
// the new state and reasons, which events a change fires, the ring tone's cadence (rendered by a
// real OfflineAudioContext), and what a ringing call does to a hidden page (title, notification)
// and to the page's AudioContext (the tone starts and stops with the ringing).
import { changeEvents } from '../../src/components/events.js';
import { STATUS_TEXT, statusKey, statusText, texts } from '../../src/components/messages.js';
import { attend, nextTitle } from '../../src/browser/attention.js';
import { ringtone } from '../../src/browser/ringtone.js';
import type { CallSnapshot } from '../../src/browser/instance.js';
import { NO_MEDIA } from '../../src/core/snapshot.js';
import { sleep } from '../support/wait.js';
import { assert, equal } from './support.js';
import { hidePage, recordOscillators, stubNotification } from './page-hooks.js';

const IDLE: CallSnapshot = {
  ...NO_MEDIA,
  state: 'idle',
  reason: null,
  kind: null,
  localStream: null,
  remoteStream: null,
  audioBlocked: false,
  selfId: 'me',
  peerId: null,
  relayConnected: true,
  incoming: null,
  missed: [],
  presence: 'offline',
  available: 0,
  busy: 0,
  role: null,
};
const snap = (p: Partial<CallSnapshot>): CallSnapshot => ({ ...IDLE, ...p });
const ANA = { call: 'c1', kind: 'video', name: 'Ana' } as const;

describe('status texts of ringing, presence and the new reasons', () => {
  it('a call that rings says who calls and how; without a name it says only how', () => {
    equal(statusText(snap({ state: 'ringing', incoming: ANA })), 'Incoming video call from Ana', 'video, named');
    equal(statusText(snap({ state: 'ringing', incoming: { ...ANA, kind: 'voice' } })), 'Incoming voice call from Ana', 'voice, named');
    equal(statusText(snap({ state: 'ringing', incoming: { ...ANA, name: '' } })), 'Incoming video call', 'video, no name');
    equal(statusText(snap({ state: 'ringing', incoming: { ...ANA, kind: 'voice', name: '' } })), 'Incoming voice call', 'voice, no name');
    // A name is text, never a String.replace pattern ("$`" is the text before the match there).
    equal(statusText(snap({ state: 'ringing', incoming: { ...ANA, name: '$`$&' } })), 'Incoming video call from $`$&', 'a name with $ patterns, as written');
  });

  it('a missed call names the caller of the last missed entry', () => {
    const missed = [{ ...ANA, name: 'Old', at: 1 }, { ...ANA, call: 'c2', at: 2 }];
    equal(statusText(snap({ state: 'ended', reason: 'missed', missed })), 'Missed video call from Ana.', 'named');
    equal(statusText(snap({ state: 'ended', reason: 'missed', missed: [{ ...ANA, kind: 'voice', name: '', at: 3 }] })), 'Missed voice call.', 'voice, unnamed');
  });

  it('the idle line says presence in words once the relay link is up (nothing before)', () => {
    equal(statusText(snap({ presence: 'available', available: 1 })), STATUS_TEXT['presence-available'], 'available');
    equal(statusText(snap({ presence: 'busy', busy: 2 })), STATUS_TEXT['presence-busy'], 'busy');
    equal(statusText(snap({ presence: 'offline' })), STATUS_TEXT['presence-offline'], 'offline');
    equal(statusText(snap({ relayConnected: false })), '', 'no relay link yet: no claim about presence');
    equal(STATUS_TEXT['presence-available'], 'Someone is available to take your call.', 'the English text');
  });

  it('waiting reads "Calling…" for the caller and "Connecting…" for the callee; the caller’s endings have their texts', () => {
    equal(statusText(snap({ state: 'waiting', role: 'caller', kind: 'video' })), 'Calling…', 'caller');
    equal(statusText(snap({ state: 'waiting', role: 'callee', kind: 'video' })), STATUS_TEXT.connecting, 'callee');
    const ends: Array<[string, string]> = [
      ['declined', 'The call was declined.'],
      ['no-answer', 'No answer.'],
      ['unavailable', STATUS_TEXT.unavailable],
      ['busy', STATUS_TEXT.busy],
      ['answered-elsewhere', STATUS_TEXT['answered-elsewhere']],
    ];
    for (const [reason, text] of ends) equal(statusText(snap({ state: 'ended', reason: reason as CallSnapshot['reason'], role: null })), text, reason);
  });

  it('every text is overridable through `messages`, with {name}', () => {
    const fr = { ringing: 'Appel vidéo de {name}', 'presence-busy': 'Tous occupés.' };
    equal(statusText(snap({ state: 'ringing', incoming: ANA }), texts('en', fr)), 'Appel vidéo de Ana', 'ringing');
    equal(statusText(snap({ presence: 'busy', busy: 1 }), texts('en', fr)), 'Tous occupés.', 'presence');
    equal(statusKey(snap({ state: 'ringing', incoming: { ...ANA, kind: 'voice', name: '' } })), 'ringing-voice-unnamed', 'the key');
  });
});

describe('events a change fires', () => {
  const types = (a: CallSnapshot, b: CallSnapshot): string => changeEvents(a, b).map(([t]) => t).join(',');

  it('rtc-incoming once when a call starts ringing, and again for the next call, not for a re-render', () => {
    const ringing = snap({ state: 'ringing', incoming: ANA });
    const ev = changeEvents(IDLE, ringing);
    equal(ev.map(([t]) => t).join(','), 'rtc-state-change,rtc-incoming', 'idle → ringing');
    equal(JSON.stringify(ev[1]![1]), JSON.stringify({ kind: 'video', name: 'Ana', call: 'c1' }), 'detail');
    equal(types(ringing, snap({ state: 'ringing', incoming: { ...ANA } })), '', 'the same call again: nothing');
    equal(types(ringing, snap({ state: 'ringing', incoming: { ...ANA, call: 'c2' } })), 'rtc-incoming', 'the next call rings');
  });

  it('rtc-missed for each new missed entry (also when the list drops its oldest), none when declined or answered elsewhere', () => {
    const one = { ...ANA, at: 10 };
    const ringing = snap({ state: 'ringing', incoming: ANA });
    const missed = changeEvents(ringing, snap({ state: 'ended', reason: 'missed', missed: [one] }));
    equal(missed.map(([t]) => t).join(','), 'rtc-state-change,rtc-missed', 'a missed call');
    equal(JSON.stringify(missed[1]![1]), JSON.stringify({ kind: 'video', name: 'Ana', call: 'c1', at: 10 }), 'detail');
    const full = Array.from({ length: 20 }, (_, i) => ({ ...ANA, call: `k${i}`, at: i }));
    const two = [...full.slice(2), { ...ANA, call: 'n1', at: 50 }, { ...ANA, call: 'n2', at: 51 }];
    equal(types(snap({ missed: full }), snap({ missed: two })), 'rtc-missed,rtc-missed', 'two new ones, two old ones dropped');
    equal(types(ringing, snap({ state: 'idle' })), 'rtc-state-change', 'declined here');
    equal(types(ringing, snap({ state: 'ended', reason: 'answered-elsewhere' })), 'rtc-state-change', 'answered elsewhere');
  });

  it('rtc-presence when a count changes, not when only the word would be recomputed', () => {
    const ev = changeEvents(IDLE, snap({ presence: 'available', available: 1 }));
    equal(ev.map(([t]) => t).join(','), 'rtc-presence', 'a desk came');
    equal(JSON.stringify(ev[0]![1]), JSON.stringify({ available: 1, busy: 0 }), 'detail');
    equal(types(snap({ available: 1 }), snap({ available: 2 })), 'rtc-presence', 'another desk');
    equal(types(snap({ available: 2 }), snap({ available: 2, selfId: 'x' })), '', 'no count changed');
  });

  it('rtc-call-end keeps its reason for the caller’s new endings; a ring that stops is not a call end', () => {
    const [, end] = changeEvents(snap({ state: 'waiting', role: 'caller' }), snap({ state: 'ended', reason: 'declined' }));
    equal(JSON.stringify(end), JSON.stringify(['rtc-call-end', { reason: 'declined' }]), 'declined');
    equal(types(snap({ state: 'ringing', incoming: ANA }), snap({ state: 'ended', reason: 'missed', missed: [{ ...ANA, at: 1 }] })).includes('rtc-call-end'), false, 'missed is no call end');
  });
});

/** RMS of `data` between two times (s). */
const rms = (data: Float32Array, rate: number, from: number, to: number): number => {
  let sum = 0;
  const a = Math.floor(from * rate);
  const b = Math.floor(to * rate);
  for (let i = a; i < b; i++) sum += data[i]! * data[i]!;
  return Math.sqrt(sum / (b - a));
};

describe('the ring tone', () => {
  it('rings like a phone: two short bursts of 440 + 480 Hz, then silence, every 3 s', async () => {
    const rate = 44100;
    const ctx = new OfflineAudioContext(1, Math.round(rate * 3.4), rate);
    ringtone(ctx);
    const out = (await ctx.startRendering()).getChannelData(0);
    const loud = (from: number, to: number): void => assert(rms(out, rate, from, to) > 0.05, `sound between ${from} and ${to} s (rms ${rms(out, rate, from, to)})`);
    const quiet = (from: number, to: number): void => assert(rms(out, rate, from, to) < 0.002, `silence between ${from} and ${to} s (rms ${rms(out, rate, from, to)})`);
    loud(0.1, 0.4);
    quiet(0.52, 0.6);
    loud(0.7, 1.0);
    quiet(1.15, 3.0);
    loud(3.1, 3.4);
    // Two tones 40 Hz apart: a 460 Hz carrier, ~920 zero crossings a second.
    let crossings = 0;
    for (let i = Math.floor(0.1 * rate); i < 0.4 * rate; i++) if (out[i - 1]! < 0 !== out[i]! < 0) crossings++;
    assert(crossings > 250 && crossings < 320, `zero crossings in 0.3 s: ${crossings}`);
  });

  it('stops at once', async () => {
    const rate = 8000;
    const ctx = new OfflineAudioContext(1, rate, rate);
    ringtone(ctx)();
    const out = (await ctx.startRendering()).getChannelData(0);
    equal(rms(out, rate, 0, 1), 0, 'nothing rendered after stop()');
  });
});

describe('a ringing call on the page (attention.ts)', () => {
  afterEach(() => attend(null));

  it('the tone starts once per ringing call, on the page’s AudioContext, and stops the moment ringing stops', async () => {
    const osc = recordOscillators();
    try {
      attend({ call: 'a', text: 'Incoming video call from Ana', title: 't', tone: true });
      await sleep(50);
      equal(osc.started.map((o) => o.frequency.value).sort().join(','), '440,480', 'two oscillators started');
      attend({ call: 'a', text: 'Incoming video call from Ana', title: 't', tone: true });
      equal(osc.started.length, 2, 'the same call again (a re-render): no second tone');
      attend(null);
      equal(osc.stopped.length, 2, 'both stopped, synchronously');
      attend({ call: 'b', text: 'x', title: 't', tone: false });
      equal(osc.started.length, 2, 'tone off: no oscillator');
      attend({ call: 'b', text: 'x', title: 't', tone: true });
      equal(osc.started.length, 4, 'switched on while it rings: it rings');
      attend({ call: 'b', text: 'x', title: 't', tone: false });
      equal(osc.stopped.length, 4, 'switched off while it rings: silent at once');
    } finally {
      osc.restore();
    }
  });

  it('while the page is hidden the title blinks, a notification shows only when already permitted, and both go when ringing stops', async () => {
    const page = hidePage();
    const granted = stubNotification('granted');
    const own = document.title;
    try {
      document.title = 'Support desk';
      attend({ call: 'n1', text: 'Incoming video call from Ana', title: '📞 Incoming call…', tone: false });
      equal(document.title, 'Support desk', 'a visible page keeps its title');
      equal(granted.made.length, 0, 'and shows no notification');
      page.hide();
      equal(document.title, '📞 Incoming call…', 'hidden: the title says it at once');
      const seen = new Set<string>();
      for (let i = 0; i < 25; i++) {
        seen.add(document.title);
        await sleep(100);
      }
      equal([...seen].sort().join(' | '), ['📞 Incoming call…', 'Support desk'].sort().join(' | '), 'it alternates with the page’s own title');
      equal(granted.made.length, 1, 'one notification');
      equal(granted.made[0]!.title, 'Incoming video call from Ana', 'its text');
      equal(granted.requested, 0, 'permission never asked');
      granted.made[0]!.onclick?.(new Event('click'));
      equal(granted.made[0]!.closed, true, 'a click on it closes it (and focuses the window)');
      attend(null);
      equal(document.title, 'Support desk', 'ringing stopped: the page’s own title is back');
      await sleep(1200);
      equal(document.title, 'Support desk', 'and stays');

      // A page whose title changes while it blinks gets its new title back.
      attend({ call: 'n2', text: 'Incoming voice call', title: '📞 Incoming call…', tone: false });
      equal(granted.made.length, 2, 'a new call, a new notification');
      document.title = 'Support desk (2)';
      await sleep(1100);
      page.show();
      equal(document.title, 'Support desk (2)', 'visible again: the page’s current title');
      equal(granted.made[1]!.closed, true, 'the notification goes when the page is seen');
      page.hide();
      await sleep(50);
      equal(granted.made.length, 2, 'hidden again, the same call: no second notification');
      attend(null);
      equal(document.title, 'Support desk (2)', 'restored');
    } finally {
      attend(null);
      granted.restore();
      page.restore();
      document.title = own;
    }
  });

  it('without the permission no notification, and none is asked for', async () => {
    const page = hidePage();
    const notGranted = stubNotification('default');
    try {
      page.hide();
      attend({ call: 'n3', text: 'Incoming video call', title: '📞 Incoming call…', tone: false });
      await sleep(50);
      equal(notGranted.made.length, 0, 'no notification');
      equal(notGranted.requested, 0, 'no permission request');
      equal(document.title, '📞 Incoming call…', 'the title still blinks');
    } finally {
      attend(null);
      notGranted.restore();
      page.restore();
    }
  });

  it('nextTitle: ours and the page’s by turns', () => {
    const t1 = nextTitle('Page', 'RING');
    const t2 = nextTitle(t1, 'RING');
    const t3 = nextTitle('Renamed', 'RING');
    const t4 = nextTitle(t3, 'RING');
    equal([t1, t2, t3, t4].join(','), 'RING,Page,RING,Renamed', 'alternates, and follows a renamed page');
  });
});
