// Group `elements`: the room's line through the real relay (issue 22). Every desk is busy, so the
// widget's call waits: state="queued" and queue-position on every element, the status line says
// the place, rtc-queue fires once per move, Cancel leaves the line, and a desk that comes free
// rings with our call and connects it.
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import type { Member } from './member.js';
import { member, relay } from './relay-members.js';
import { buttonNamed, equal, mount, recordEvents, stateOf, statusOf } from './support.js';


/** A visitor's page (call-only) in `room`, linked to the relay. */
async function page(room: string): Promise<{ el: RtcCallButton; all: HTMLElement[] }> {
  const root = mount(`<rtc-call-button server="${relay.url}" room="${room}" incoming="off" connect="load"></rtc-call-button><rtc-video-panel></rtc-video-panel><rtc-voice-graph></rtc-voice-graph>`);
  const el = root.querySelector('rtc-call-button') as RtcCallButton;
  await el.updateComplete;
  await waitFor(() => `the widget joined the relay (${stateOf(el)})`, () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
  return { el, all: [...root.children] as HTMLElement[] };
}

/** The room's one desk, busy in a call with another visitor; and someone already waiting in line. */
async function busyRoom(room: string): Promise<{ desk: Member; visitor: Member; first: Member; firstCall: string }> {
  const desk = await member(room, { name: 'Desk' });
  const visitor = await member(room, { incoming: false });
  const busy = visitor.call('voice');
  await waitFor('the desk rings', () => desk.rings.some((m) => m.call === busy), { timeoutMs: 10_000 });
  desk.accept(busy);
  await waitFor('the desk is bound', () => desk.bound?.call === busy, { timeoutMs: 10_000 });
  const first = await member(room, { incoming: false });
  const firstCall = 'first-in-line';
  first.socket.emit('message', { type: 'ready', call: firstCall, kind: 'voice', queue: true });
  await waitFor('the first caller waits', () => first.presence.some((p) => p.queued === 1), { timeoutMs: 10_000 });
  return { desk, visitor, first, firstCall };
}

describe('the line', () => {
  it('every desk busy: state="queued", queue-position and the status line on every element, rtc-queue once per move; a desk that comes free rings and the call connects', async () => {
    const room = uniqueRoom('line');
    const { el, all } = await page(room);
    const { desk, visitor, first, firstCall } = await busyRoom(room);
    const rec = recordEvents();
    await el.startVoiceCall();
    await waitFor(() => `queued (is ${stateOf(el)})`, () => el.getAttribute('state') === 'queued', { timeoutMs: 10_000 });
    for (const x of all) equal(x.getAttribute('queue-position'), '2', `${x.localName} reflects its place`);
    await el.updateComplete;
    equal(statusOf(el), 'Everyone is on a call. You are number 2 in line.', 'status line');
    equal(!!buttonNamed(el, 'Cancel'), true, 'Cancel is offered while in line');
    first.cancel(firstCall);
    await waitFor(() => `place 1 (is ${el.getAttribute('queue-position')})`, () => el.getAttribute('queue-position') === '1', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(statusOf(el), 'Everyone is on a call. You are number 1 in line.', 'the status line follows');
    const queueEvents = rec.events.filter((e) => e.type === 'rtc-queue');
    equal(JSON.stringify(queueEvents.map((e) => e.detail)), JSON.stringify([{ position: 2 }, { position: 1 }]), 'rtc-queue once per move, on document');
    equal(queueEvents[0]!.target, 'rtc-call-button', 'dispatched by the call button (bubbling, composed)');
    // The desk hangs up on the other visitor: it is free, and our call rings it.
    desk.bye();
    visitor.close();
    await waitFor('the desk rings with our call', () => desk.rings.some((m) => m.call !== firstCall && m.kind === 'voice' && m.from === callController().snapshot.selfId), { timeoutMs: 5000 });
    await waitFor(() => `waiting again, ringing (is ${stateOf(el)})`, () => el.getAttribute('state') === 'waiting', { timeoutMs: 5000 });
    for (const x of all) equal(x.getAttribute('queue-position'), null, `${x.localName}: no place once out of the line`);
    const ring = desk.rings.filter((m) => m.from === callController().snapshot.selfId);
    equal(ring.length, 1, 'rung once');
    desk.accept(ring[0]!.call!);
    await waitFor(() => `connected (is ${stateOf(el)})`, () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
    equal(rec.events.filter((e) => e.type === 'rtc-queue').length, 2, 'no rtc-queue after leaving the line');
    rec.stop();
  });

  it('Cancel while in line: ended hang-up, the relay takes us out of the line', async () => {
    const room = uniqueRoom('line-cancel');
    const { el } = await page(room);
    const { desk } = await busyRoom(room);
    await el.startVideoCall();
    await waitFor(() => `queued (is ${stateOf(el)})`, () => el.getAttribute('queue-position') === '2', { timeoutMs: 10_000 });
    await waitFor('the relay counts us in line', () => desk.presence.at(-1)?.queued === 2, { timeoutMs: 10_000 });
    buttonNamed(el, 'Cancel')!.click();
    await waitFor(() => `ended (is ${stateOf(el)})`, () => el.getAttribute('state') === 'ended', { timeoutMs: 10_000 });
    equal(el.getAttribute('reason'), 'hang-up');
    equal(el.getAttribute('queue-position'), null);
    await waitFor('the line holds one again', () => desk.presence.at(-1)?.queued === 1, { timeoutMs: 10_000 });
  });
});
