// Group `elements`: each change of the page's call reaches `document` ONCE, however many elements
// the page holds, and every element's own listeners hear it too (call-state-controller.ts). Real
// calls through the real relay; what the page's call really did is the reference the counts are
// checked against.
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { TutorialClient } from './tutorial-client.js';
import { Member } from './member.js';
import { assert, buttonNamed, equal, mount, relayInfo, stateOf, type RelayInfo } from './support.js';

const TYPES = ['rtc-state-change', 'rtc-call-start', 'rtc-call-end'];

interface Heard {
  type: string;
  /** The event's target (the element that fired it). */
  from: string;
  /** `state/reason` for rtc-state-change, `kind` for rtc-call-start, `reason` for rtc-call-end. */
  what: string;
  /** For rtc-state-change: did every element already show the new state when it was heard? */
  allShown: boolean;
}

/** Records the rtc-* events that reach `node` in the bubble phase (a plain addEventListener). */
function listen(node: EventTarget, elements: () => Element[]): { heard: Heard[]; stop: () => void } {
  const heard: Heard[] = [];
  const on = (e: Event): void => {
    const d = (e as CustomEvent<{ state?: string; reason?: string | null; kind?: string }>).detail;
    heard.push({
      type: e.type,
      from: (e.target as Element).localName,
      what: e.type === 'rtc-state-change' ? `${d.state}/${d.reason}` : e.type === 'rtc-call-start' ? String(d.kind) : String(d.reason),
      allShown: e.type !== 'rtc-state-change' || elements().every((el) => el.getAttribute('state') === d.state),
    });
  };
  for (const t of TYPES) node.addEventListener(t, on);
  return { heard, stop: () => TYPES.forEach((t) => node.removeEventListener(t, on)) };
}

/** What the page's call really did: one entry per change of state or reason, as the events should say it. */
function reference(): { changes: string[]; starts: number; ends: number; stop: () => void } {
  const call = callController();
  let before = call.snapshot;
  const ref = { changes: [] as string[], starts: 0, ends: 0, stop: () => {} };
  const active = (s: string): boolean => ['media', 'waiting', 'connecting', 'connected', 'reconnecting'].includes(s);
  ref.stop = call.subscribe((s) => {
    if (s.state !== before.state || s.reason !== before.reason) {
      ref.changes.push(`${s.state}/${s.reason}`);
      if (s.state === 'connected' && before.state === 'connecting') ref.starts++;
      if (active(before.state) && !active(s.state)) ref.ends++;
    }
    before = s;
  });
  return ref;
}

const of = (heard: Heard[], type: string): string[] => heard.filter((h) => h.type === type).map((h) => h.what);

let relay: RelayInfo;
before(async () => {
  relay = await relayInfo();
});

let tutorial: TutorialClient | null = null;
let desk: Member | null = null;
afterEach(() => {
  tutorial?.close();
  tutorial = null;
  desk?.close();
  desk = null;
  callController().hangUp();
  document.body.innerHTML = '';
});

describe('rtc-* events: once per change on document, and on every element', () => {
  it('all three elements (and a second graph), a real call that connects and is hung up by the other side', async () => {
    const room = uniqueRoom('once');
    // The call button is not first: the announcer is the call button wherever it stands.
    const root = mount(`
      <rtc-video-panel></rtc-video-panel>
      <rtc-voice-graph id="g1"></rtc-voice-graph>
      <rtc-call-button server="${relay.url}" room="${room}"></rtc-call-button>
      <rtc-voice-graph id="g2"></rtc-voice-graph>`);
    const elements = [...root.children];
    equal(elements.length, 4, 'four elements');
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    await waitFor('the widget joined the relay', () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });

    tutorial = new TutorialClient(relay.url, room);
    const tut = tutorial;
    await waitFor('tutorial client-id', () => tut.clientId, { timeoutMs: 15_000 });

    const ref = reference();
    const onDocument = listen(document, () => elements);
    const onWindow = listen(window, () => elements);
    const onAncestor = listen(root, () => elements);
    const onEach = elements.map((x) => ({ el: x, rec: listen(x, () => elements) }));
    try {
      // The widget calls: its request rings the tutorial's client, whose own start takes the call (protocol 1's accept).
      buttonNamed(el, 'Voice call')!.click();
      await waitFor('the tutorial client rings', () => tut.received.includes('ready'), { timeoutMs: 15_000 });
      await tut.startCall({ audio: true });
      await waitFor(() => `connected (is ${stateOf(el)})`, () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
      tut.socket.emit('message', { type: 'bye', clientId: tut.clientId });
      await waitFor(() => `ended (is ${stateOf(el)})`, () => el.getAttribute('state') === 'ended', { timeoutMs: 15_000 });
      await sleep(100);
    } finally {
      ref.stop();
      for (const r of [onDocument, onWindow, onAncestor, ...onEach.map((x) => x.rec)]) r.stop();
    }

    // The reference: a real call went through several changes, one start and one end.
    assert(ref.changes.length >= 4, `the call changed state several times: ${ref.changes.join(' → ')}`);
    equal(ref.changes.at(-1), 'ended/remote-hang-up', 'the call ended on the bye');
    equal(ref.starts, 1, 'the reference saw one start');
    equal(ref.ends, 1, 'the reference saw one end');

    for (const [where, rec] of [['document', onDocument], ['window', onWindow], ['the elements’ common ancestor', onAncestor]] as const) {
      equal(of(rec.heard, 'rtc-state-change').join(' → '), ref.changes.join(' → '), `${where}: one rtc-state-change per change, in order`);
      equal(of(rec.heard, 'rtc-call-start').join(','), 'voice', `${where}: one rtc-call-start`);
      equal(of(rec.heard, 'rtc-call-end').join(','), 'remote-hang-up', `${where}: one rtc-call-end`);
      equal(rec.heard.filter((h) => h.from !== 'rtc-call-button').length, 0, `${where}: every event comes from the call button`);
      assert(rec.heard.every((h) => h.allShown), `${where}: every element showed the new state before the event`);
    }
    for (const { el: x, rec } of onEach) {
      const who = x.id || x.localName;
      equal(of(rec.heard, 'rtc-state-change').join(' → '), ref.changes.join(' → '), `${who}: hears each change once, on itself`);
      equal(of(rec.heard, 'rtc-call-start').join(','), 'voice', `${who}: one rtc-call-start`);
      equal(of(rec.heard, 'rtc-call-end').join(','), 'remote-hang-up', `${who}: one rtc-call-end`);
      equal(rec.heard.filter((h) => h.from !== x.localName).length, 0, `${who}: hears only its own events (the others do not bubble)`);
    }
  });

  it('only a panel and a graph: the first connected announces; a call button that comes takes over, and hands back when it goes', async () => {
    const room = uniqueRoom('once-nobutton');
    // Someone who takes calls: the page's calls ring there (and wait) instead of ending `unavailable`.
    desk = await new Member(relay.url, room).joined();
    const root = mount(`<rtc-voice-graph></rtc-voice-graph><rtc-video-panel></rtc-video-panel>`);
    const [graph, panel] = [...root.children] as HTMLElement[];
    const call = callController();
    call.configure({ server: relay.url, room });
    await waitFor('relay link', () => call.snapshot.relayConnected, { timeoutMs: 15_000 });

    const ref = reference();
    const elements = (): Element[] => [...document.querySelectorAll('rtc-video-panel, rtc-voice-graph, rtc-call-button')];
    const onDocument = listen(document, elements);
    const onGraph = listen(graph!, elements);
    const onPanel = listen(panel!, elements);
    try {
      // 1. No button: the graph connected first, so it announces.
      await call.startCall('voice');
      equal(stateOf(panel!), 'waiting/null', 'the panel shows the call');
      equal(of(onDocument.heard, 'rtc-state-change').join(' → '), ref.changes.join(' → '), 'document: each change once');
      equal(ref.changes.join(' → '), 'media/null → waiting/null', 'the reference');
      assert(onDocument.heard.every((h) => h.from === 'rtc-voice-graph'), `announced by the graph: ${onDocument.heard.map((h) => h.from)}`);
      equal(of(onPanel.heard, 'rtc-state-change').join(' → '), ref.changes.join(' → '), 'the panel hears each change on itself');
      equal(of(onGraph.heard, 'rtc-state-change').join(' → '), ref.changes.join(' → '), 'the graph hears each change on itself');

      // 2. A call button arrives mid-call: connecting is silent; it announces from then on.
      const later = mount(`<rtc-call-button server="${relay.url}" room="${room}"></rtc-call-button>`);
      const button = later.firstElementChild as RtcCallButton;
      const onButton = listen(button, elements);
      await button.updateComplete;
      equal(stateOf(button), 'waiting/null', 'the new button shows the call at once');
      equal(onDocument.heard.length, 2, 'an element that connects fires nothing');
      button.hangUp();
      equal(of(onDocument.heard, 'rtc-state-change').at(-1), 'ended/hang-up', 'the end reached document');
      equal(of(onDocument.heard, 'rtc-call-end').join(','), 'hang-up', 'document: one rtc-call-end');
      equal(onDocument.heard.slice(2).map((h) => h.from).join(','), 'rtc-call-button,rtc-call-button', 'announced by the button now');
      equal(onButton.heard.map((h) => h.type).join(','), 'rtc-state-change,rtc-call-end', 'the button hears its own');
      equal(of(onPanel.heard, 'rtc-call-end').join(','), 'hang-up', 'the panel still hears it, on itself');

      // 3. The button goes: the graph announces again.
      later.remove();
      await call.startCall('voice');
      equal(onDocument.heard.length, 6, `document: two more changes (${onDocument.heard.map((h) => h.what).join(', ')})`);
      assert(onDocument.heard.slice(4).every((h) => h.from === 'rtc-voice-graph'), 'announced by the graph again');
      equal(onButton.heard.length, 2, 'a removed element hears nothing more');

      // 4. Every element gone: a change reaches nobody.
      root.remove();
      call.hangUp();
      equal(call.snapshot.state, 'ended', 'the call ended');
      equal(onDocument.heard.length, 6, 'no element on the page: no event');
      equal(of(onDocument.heard, 'rtc-state-change').join(' → '), ref.changes.slice(0, 5).join(' → '), 'document heard every change made while an element was on the page');
      equal(ref.changes.length, 6, `the reference saw all six changes: ${ref.changes.join(' → ')}`);
    } finally {
      ref.stop();
      onDocument.stop();
      onGraph.stop();
      onPanel.stop();
    }
  });
});
