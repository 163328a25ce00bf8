// Group `elements`: calls that ring, through the real relay (protocol 2), between the widget and
// protocol-2 members written straight on socket.io-client (member.ts): the ringing UI and its
// keyboard focus, Accept / Decline / cancel / answered elsewhere, the caller's endings, presence on
// every element, incoming="off", and the ring tone, title and notification of a ringing page.
import { sendKeys } from '@web/test-runner-commands';
import { callController } from '../../src/browser/instance.js';
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import type { RtcVideoPanel } from '../../src/components/rtc-video-panel.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { clearMissedAfterEach, member, relay } from './relay-members.js';
import { hidePage, recordOscillators, stubNotification } from './page-hooks.js';
import { assert, buttonNamed, buttonsOf, equal, mount, recordEvents, shadow, stateOf, statusOf } from './support.js';

clearMissedAfterEach();

/** The three elements in a fresh room (extra attributes for the button), once the relay has us. */
async function page(room: string, attrs = ''): Promise<{ el: RtcCallButton; panel: RtcVideoPanel; all: HTMLElement[] }> {
  const root = mount(`<rtc-call-button server="${relay.url}" room="${room}" ${attrs}></rtc-call-button><rtc-video-panel></rtc-video-panel><rtc-voice-graph></rtc-voice-graph>`);
  const el = root.querySelector('rtc-call-button') as RtcCallButton;
  await el.updateComplete;
  await waitFor(() => `the widget joined the relay (${stateOf(el)})`, () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
  return { el, panel: root.querySelector('rtc-video-panel') as RtcVideoPanel, all: [...root.children] as HTMLElement[] };
}

const names = (el: RtcCallButton): string => buttonsOf(el).map((b) => b.textContent?.trim()).join('|');
const of = (rec: ReturnType<typeof recordEvents>, type: string): unknown[] => rec.events.filter((e) => e.type === type).map((e) => e.detail);
const ringingState = (el: RtcCallButton) => () => el.getAttribute('state') === 'ringing' && el.updateComplete.then(() => names(el).includes('Decline') || names(el).includes('Refuser'));

// First: the page's one phone has not called or rung yet, so it is idle and its status line shows presence
// (after a call it shows how that call ended until the next one).
describe('presence', () => {
  it('every element reflects it, the idle line says it, rtc-presence fires once per change of the counts; a call-only member does not count', async () => {
    const room = uniqueRoom('presence');
    const { el, all } = await page(room);
    const call = callController();
    const counts: string[] = [];
    let last = `${call.snapshot.available}/${call.snapshot.busy}`;
    const stop = call.subscribe((s) => {
      const now = `${s.available}/${s.busy}`;
      if (now !== last) counts.push((last = now));
    });
    const rec = recordEvents();
    const says = async (presence: string): Promise<void> => {
      await waitFor(() => `presence ${presence} (is ${el.getAttribute('presence')})`, () => el.getAttribute('presence') === presence, { timeoutMs: 10_000 });
      for (const x of all) equal(x.getAttribute('presence'), presence, `${x.localName} reflects it`);
      await el.updateComplete;
      equal(el.getAttribute('state'), 'idle', 'still idle');
      equal(statusOf(el), STATUS_TEXT[`presence-${presence}` as 'presence-busy'], 'the idle line says it');
    };
    try {
      await says('offline');
      const a = await member(room);
      await says('available');
      await member(room, { incoming: false });
      await sleep(300);
      equal(counts.join(' '), '1/0', 'a call-only member changed no count');
      const b = await member(room);
      // To b by name: a request to the room would ring this page too.
      const ab = a.call('voice', b.id!);
      await waitFor('b rings', () => b.rings.some((m) => m.call === ab), { timeoutMs: 10_000 });
      b.accept(ab);
      await says('busy');
      a.bye();
      await says('available');
      a.close();
      b.close();
      await says('offline');
      const heard = of(rec, 'rtc-presence') as Array<{ available: number; busy: number }>;
      equal(heard.map((p) => `${p.available}/${p.busy}`).join(' '), counts.join(' '), 'one rtc-presence per change, on document');
      assert(counts.includes('0/2'), `the counts went through both in a call: ${counts.join(' ')}`);
      assert(rec.events.filter((e) => e.type === 'rtc-presence').every((e) => e.target === 'rtc-call-button'), 'from the call button');
    } finally {
      stop();
      rec.stop();
    }
  });

  it('incoming="off": never rung, not counted; back to "ring" it rings', async () => {
    const room = uniqueRoom('callonly');
    // Linked at once (connect="load"): this test is about what the relay counts and rings.
    const { el } = await page(room, 'incoming="off" connect="load"');
    const rec = recordEvents();
    const ana = await member(room, { name: 'Ana' });
    await waitFor('Ana’s presence', () => ana.presence.length > 0, { timeoutMs: 10_000 });
    equal(JSON.stringify(ana.presence.at(-1)), JSON.stringify({ available: 1, busy: 0 }), 'the relay counts Ana only');
    const call = ana.call('video');
    await waitFor('Ana’s request is refused', () => ana.errors.find((e) => e.code === 'unavailable'), { timeoutMs: 10_000 });
    await sleep(200);
    assert(el.getAttribute('state') !== 'ringing', 'the call-only page never rang');
    equal(of(rec, 'rtc-incoming').length, 0, 'no rtc-incoming');
    assert(!ana.rang.some((r) => r.call === call), 'nobody was rung');
    el.incoming = 'ring';
    await waitFor('the relay counts us now', () => JSON.stringify(ana.presence.at(-1)) === JSON.stringify({ available: 2, busy: 0 }), { timeoutMs: 10_000 });
    ana.call('video');
    await waitFor('it rings', ringingState(el), { timeoutMs: 10_000 });
    rec.stop();
  });
});

describe('away', () => {
  it('the Away button (aria-pressed) takes the desk out of presence: a call finds nobody, rtc-missed fires; pressed again it rings', async () => {
    const room = uniqueRoom('away');
    const { el } = await page(room);
    const rec = recordEvents();
    const ana = await member(room, { name: 'Ana', incoming: false });
    await waitFor('Ana sees the desk', () => ana.presence.at(-1)?.available === 1, { timeoutMs: 10_000 });
    const away = buttonNamed(el, 'Away')!;
    equal(away.getAttribute('aria-pressed'), 'false', 'not pressed');
    away.click();
    await el.updateComplete;
    assert(el.hasAttribute('away'), 'the away attribute reflects it');
    equal(buttonNamed(el, 'Away')!.getAttribute('aria-pressed'), 'true', 'pressed');
    await waitFor('the relay no longer counts the desk', () => ana.presence.at(-1)?.available === 0, { timeoutMs: 10_000 });
    const call = ana.call('voice');
    await waitFor('unavailable at once', () => ana.errors.find((e) => e.code === 'unavailable' && e.call === call), { timeoutMs: 10_000 });
    await waitFor('rtc-missed on the away desk', () => of(rec, 'rtc-missed').length === 1, { timeoutMs: 10_000 });
    const missed = of(rec, 'rtc-missed')[0] as { call: string; kind: string; name: string };
    equal(JSON.stringify([missed.call, missed.kind, missed.name]), JSON.stringify([call, 'voice', 'Ana']), 'the missed call');
    assert(el.getAttribute('state') !== 'ringing', 'it never rang');
    buttonNamed(el, 'Away')!.click();
    await waitFor('counted again', () => ana.presence.at(-1)?.available === 1, { timeoutMs: 10_000 });
    ana.call('video');
    await waitFor('it rings', ringingState(el), { timeoutMs: 10_000 });
    rec.stop();
  });
});

describe('a call-only page that connects on intent', () => {
  it('holds no socket and shows presence from GET /presence; the pointer over a button links it; its call rings the desk', async () => {
    const room = uniqueRoom('intent');
    await member(room, { name: 'Desk' });
    const root = mount(`<rtc-call-button server="${relay.url}" room="${room}" incoming="off"></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    // (The page's one phone may still hold the last test's counts until this room's answer arrives.)
    await waitFor(() => `presence over HTTP (${el.getAttribute('presence')})`, () => callController().snapshot.presenceKnown && el.getAttribute('presence') === 'available', { timeoutMs: 10_000 });
    equal(callController().snapshot.relayConnected, false, 'no relay link yet');
    equal(callController().snapshot.selfId, null, 'no socket id: the relay holds no socket for this page');
    // (What a pointer moving onto the element dispatches on it; pointerenter does not bubble.)
    el.dispatchEvent(new PointerEvent('pointerenter'));
    await waitFor('linked on intent, before any click', () => callController().snapshot.relayConnected, { timeoutMs: 10_000 });
  });
});

describe('a call that rings here', () => {
  it('shows who calls with Accept and Decline, moves keyboard focus to Accept, fires rtc-incoming once; Decline reaches the caller', async () => {
    const room = uniqueRoom('ring');
    const { el, panel, all } = await page(room);
    const rec = recordEvents();
    const ana = await member(room, { name: 'Ana' });
    // Focus on the widget (the person was about to call): the ring moves it to Accept.
    await waitFor('presence available', () => el.getAttribute('presence') === 'available', { timeoutMs: 10_000 });
    buttonNamed(el, 'Video call')!.focus();
    const call = ana.call('video');
    await waitFor(() => `ringing (is ${stateOf(el)})`, ringingState(el), { timeoutMs: 10_000 });

    equal(statusOf(el), 'Incoming video call from Ana', 'the status line');
    equal(names(el), 'Accept|Decline', 'exactly two buttons, named Accept and Decline');
    for (const b of buttonsOf(el)) {
      equal(b.type, 'button', 'real buttons');
      equal(b.tabIndex, 0, 'in the tab order');
    }
    equal(shadow(el).activeElement, buttonNamed(el, 'Accept'), 'focus moved from Video call to Accept');
    await sendKeys({ press: 'Tab' });
    equal(shadow(el).activeElement, buttonNamed(el, 'Decline'), 'Tab reaches Decline');
    await panel.updateComplete;
    // The panel shows who calls; the sentence is said once, by the status line.
    equal(shadow(panel).querySelector('[part~="placeholder"]')?.textContent?.replace(/\s+/g, ''), 'AAna', 'the panel shows who calls: initials and name');
    for (const x of all) equal(x.getAttribute('state'), 'ringing', `${x.localName} reflects ringing`);
    equal(JSON.stringify(of(rec, 'rtc-incoming')), JSON.stringify([{ kind: 'video', name: 'Ana', call }]), 'one rtc-incoming on document');

    await sendKeys({ press: 'Enter' });
    await waitFor('the decline reached the caller', () => ana.messages.some((m) => m.type === 'decline' && m.call === call), { timeoutMs: 10_000 });
    equal(el.getAttribute('state'), 'idle', 'declined here: back to idle');
    await el.updateComplete;
    equal(names(el), 'Video call|Voice call|Away', 'the call buttons are back');
    equal(shadow(el).activeElement, buttonNamed(el, 'Video call'), 'focus follows to the first of them');
    ana.cancel(call);
    await waitFor('presence available again', () => el.getAttribute('presence') === 'available', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['presence-available'], 'the idle line says someone takes calls');
    equal(of(rec, 'rtc-missed').length, 0, 'a declined call is not missed');
    equal(of(rec, 'rtc-incoming').length, 1, 'still one rtc-incoming');
    equal(of(rec, 'rtc-call-end').length, 0, 'a ring is not a call');
    rec.stop();
  });

  it('the caller gives up: the ring stops, "Missed voice call." and one rtc-missed; the tone, the title and the notification stop with it', async () => {
    const room = uniqueRoom('missed');
    const osc = recordOscillators();
    const hidden = hidePage();
    const notes = stubNotification('granted');
    const title = document.title;
    try {
      document.title = 'Desk';
      const { el } = await page(room);
      const rec = recordEvents();
      const caller = await member(room);
      hidden.hide();
      const call = caller.call('voice');
      await waitFor('ringing', ringingState(el), { timeoutMs: 10_000 });
      equal(statusOf(el), 'Incoming voice call', 'no name: only the kind');
      await waitFor('the ring tone plays', () => osc.started.length === 2, { timeoutMs: 2000 });
      equal(osc.started.map((o) => o.frequency.value).sort().join(','), '440,480', 'two tones');
      equal(document.title, STATUS_TEXT['ring-title'], 'the hidden page’s title says it');
      equal(notes.made.map((n) => n.title).join(), 'Incoming voice call', 'one notification, as permitted');
      equal(notes.requested, 0, 'permission never asked');

      const before = Date.now();
      caller.cancel(call);
      await waitFor('ended/missed', () => el.getAttribute('reason') === 'missed', { timeoutMs: 10_000 });
      equal(el.getAttribute('state'), 'ended', 'state');
      await el.updateComplete;
      equal(statusOf(el), 'Missed voice call.', 'the status line');
      equal(osc.stopped.length, 2, 'the tone stopped with the ringing');
      equal(document.title, 'Desk', 'the title is back');
      equal(notes.made[0]!.closed, true, 'the notification is closed');
      const missed = of(rec, 'rtc-missed') as Array<{ kind: string; name: string; at: number }>;
      equal(missed.length, 1, 'one rtc-missed');
      equal(`${missed[0]!.kind}/${missed[0]!.name}`, 'voice/', 'its kind and name');
      assert(missed[0]!.at >= before - 1000 && missed[0]!.at <= Date.now(), `its time (${missed[0]!.at})`);
      equal(of(rec, 'rtc-call-end').length, 0, 'no rtc-call-end');
      rec.stop();
    } finally {
      osc.restore();
      notes.restore();
      hidden.restore();
      document.title = title;
    }
  });

  it('Accept (labels overridden) takes the call: the caller offers once bound, the call connects, rtc-call-start; Hang up reaches the caller', async () => {
    const room = uniqueRoom('accept');
    const osc = recordOscillators();
    try {
      const { el, panel } = await page(room, 'accept-label="Décrocher" decline-label="Refuser"');
      const rec = recordEvents();
      const ana = await member(room, { name: 'Ana' });
      ana.call('video');
      await waitFor('ringing', ringingState(el), { timeoutMs: 10_000 });
      equal(names(el), 'Décrocher|Refuser', 'the labels are the attributes');
      await waitFor('the ring tone plays', () => osc.started.length === 2, { timeoutMs: 2000 });
      buttonNamed(el, 'Décrocher')!.click();
      await el.updateComplete;
      equal(osc.stopped.length, 2, 'the tone stops with the ringing');
      equal(callController().snapshot.role, 'callee', 'we took the call');
      await waitFor(() => `connected (is ${stateOf(el)}; member ${ana.failures.join(';')})`, () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
      const remote = shadow(panel).querySelector('video[part~="remote-video"]') as HTMLVideoElement;
      await waitFor('the caller’s video decoded in the panel', () => remote.videoWidth > 0, { timeoutMs: 15_000 });
      await waitFor('the caller gets our media', () => ana.remoteStream?.getTracks().length === 2, { timeoutMs: 15_000 });
      equal(ana.messages.filter((m) => m.type === 'offer').length, 0, 'the callee never offered');
      equal(ana.messages.filter((m) => m.type === 'answer').length, 1, 'one answer to the caller’s offer');
      equal(JSON.stringify(of(rec, 'rtc-call-start')), JSON.stringify([{ kind: 'video' }]), 'one rtc-call-start');
      await el.updateComplete;
      buttonNamed(el, 'Hang up')!.click();
      await waitFor('bye reached the caller', () => ana.messages.some((m) => m.type === 'bye'), { timeoutMs: 10_000 });
      const ends = of(rec, 'rtc-call-end') as Array<{ reason: string; kind: string; durationMs: number; reconnects: number }>;
      equal(JSON.stringify(ends.map((e) => [e.reason, e.kind, e.reconnects])), JSON.stringify([['hang-up', 'video', 0]]), 'one rtc-call-end, with the summary');
      assert(ends[0]!.durationMs > 0, `durationMs ${ends[0]!.durationMs}`);
      rec.stop();
    } finally {
      osc.restore();
    }
  });

  it('accept() and decline() on the element; ringtone="off" rings without a sound', async () => {
    const room = uniqueRoom('methods');
    const osc = recordOscillators();
    try {
      const { el } = await page(room, 'ringtone="off"');
      const ana = await member(room, { name: 'Ana' });
      const first = ana.call('voice');
      await waitFor('ringing', ringingState(el), { timeoutMs: 10_000 });
      el.decline();
      await waitFor('decline reached the caller', () => ana.messages.some((m) => m.type === 'decline' && m.call === first), { timeoutMs: 10_000 });
      ana.cancel(first);
      await waitFor('idle, the caller free again', () => el.getAttribute('state') === 'idle' && el.getAttribute('presence') === 'available', { timeoutMs: 10_000 });
      // The relay takes one call request per socket a second (limits-ring.ts): the second waits for it.
      await new Promise((r) => setTimeout(r, 1100));
      ana.call('voice');
      await waitFor('ringing again', ringingState(el), { timeoutMs: 10_000 });
      await el.accept();
      assert(['waiting', 'connecting', 'connected'].includes(el.getAttribute('state')!), `accept() resolved with the call under way (${stateOf(el)})`);
      equal(callController().snapshot.kind, 'voice', 'the caller’s kind');
      equal(osc.started.length, 0, 'ringtone="off": no oscillator ever');
    } finally {
      osc.restore();
    }
  });

  it('another desk answers first: "answered elsewhere", no rtc-missed', async () => {
    const room = uniqueRoom('elsewhere');
    const { el } = await page(room);
    const rec = recordEvents();
    const desk = await member(room);
    const ana = await member(room, { name: 'Ana' });
    const call = ana.call('video');
    await waitFor('ringing', ringingState(el), { timeoutMs: 10_000 });
    await waitFor('the other desk rings too', () => desk.rings.some((m) => m.call === call), { timeoutMs: 10_000 });
    desk.accept(call);
    await waitFor('ended/answered-elsewhere', () => el.getAttribute('reason') === 'answered-elsewhere', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['answered-elsewhere'], 'status line');
    equal(of(rec, 'rtc-missed').length, 0, 'not missed');
    rec.stop();
  });
});

describe('a call this page places', () => {
  it('nobody takes calls: unavailable at once', async () => {
    const room = uniqueRoom('nobody');
    const { el } = await page(room);
    const rec = recordEvents();
    equal(el.getAttribute('presence'), 'offline', 'presence said so before the click');
    const t0 = performance.now();
    buttonNamed(el, 'Video call')!.click();
    await waitFor(() => `ended/unavailable (is ${stateOf(el)})`, () => el.getAttribute('reason') === 'unavailable', { timeoutMs: 10_000 });
    assert(performance.now() - t0 < 5000, 'at once, not after a ring timeout');
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT.unavailable, 'status line');
    equal(JSON.stringify(of(rec, 'rtc-call-end')), JSON.stringify([{ reason: 'unavailable', kind: 'video', durationMs: 0, relayed: null, rttMs: null, packetLoss: null, reconnects: 0 }]), 'rtc-call-end: a call that never connected');
    rec.stop();
  });

  it('the desk rings with our name and kind, we say "Calling…"; the desk declines: declined', async () => {
    const room = uniqueRoom('declined');
    const { el } = await page(room, 'name="Bob"');
    const desk = await member(room);
    const rec = recordEvents();
    buttonNamed(el, 'Voice call')!.click();
    const ring = await waitFor('the desk rings', () => desk.rings[0], { timeoutMs: 10_000 });
    equal(`${ring.kind}/${ring.name}`, 'voice/Bob', 'kind and name as the desk sees them');
    await waitFor(() => `waiting (is ${stateOf(el)})`, () => el.getAttribute('state') === 'waiting', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), 'Calling…', 'the caller’s waiting line');
    desk.decline(ring.call!);
    await waitFor(() => `ended/declined (is ${stateOf(el)})`, () => el.getAttribute('reason') === 'declined', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), 'The call was declined.', 'status line');
    equal(JSON.stringify(of(rec, 'rtc-call-end')), JSON.stringify([{ reason: 'declined', kind: 'voice', durationMs: 0, relayed: null, rttMs: null, packetLoss: null, reconnects: 0 }]), 'rtc-call-end: a call that never connected');
    rec.stop();
  });

  it('ring-timeout="1" and a silent desk: no-answer after a second, and the desk hears the cancel', async () => {
    const room = uniqueRoom('noanswer');
    const { el } = await page(room, 'ring-timeout="1"');
    const desk = await member(room);
    const t0 = performance.now();
    await el.startVideoCall();
    await waitFor(() => `ended/no-answer (is ${stateOf(el)})`, () => el.getAttribute('reason') === 'no-answer', { timeoutMs: 10_000 });
    const took = performance.now() - t0;
    assert(took >= 900 && took < 5000, `after about a second (${Math.round(took)} ms)`);
    await el.updateComplete;
    equal(statusOf(el), 'No answer.', 'status line');
    await waitFor('the desk heard the cancel', () => desk.messages.some((m) => m.type === 'cancel' && m.reason === 'no-answer'), { timeoutMs: 10_000 });
  });

  it('everyone who takes calls is in one, and queue="off": busy, and presence said so first', async () => {
    const room = uniqueRoom('busy');
    const { el, all } = await page(room, 'queue="off"');
    const a = await member(room);
    const b = await member(room);
    const call = a.call('voice', b.id!);
    await waitFor('b rings', () => b.rings.some((m) => m.call === call), { timeoutMs: 10_000 });
    b.accept(call);
    await waitFor(() => `presence busy (is ${el.getAttribute('presence')})`, () => el.getAttribute('presence') === 'busy', { timeoutMs: 10_000 });
    for (const x of all) equal(x.getAttribute('presence'), 'busy', `${x.localName} reflects busy`);
    buttonNamed(el, 'Voice call')!.click();
    await waitFor(() => `ended/busy (is ${stateOf(el)})`, () => el.getAttribute('reason') === 'busy', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT.busy, 'status line');
  });
});

