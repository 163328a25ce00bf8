// Group `elements` (fake camera + microphone): the three elements against the real relay.
import { io, type Socket } from 'socket.io-client';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { STATUS_TEXT } from '../../src/components/messages.js';
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import type { RtcVideoPanel } from '../../src/components/rtc-video-panel.js';
import type { RtcVoiceGraph } from '../../src/components/rtc-voice-graph.js';
import {
  assert,
  buttonNamed,
  buttonsOf,
  equal,
  mount,
  paintedPixels,
  recordEvents,
  relayInfo,
  shadow,
  statusOf,
  type RelayInfo,
} from './support.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { LIMITS } from '../../src/protocol/index.js';
import { Member } from './member.js';

let relay: RelayInfo;
before(async () => {
  relay = await relayInfo();
});

const desks: Member[] = [];
/**
 * A room with someone in it who takes calls (a protocol-2 member that lets it ring): a call placed
 * there waits ("Calling…") instead of ending `unavailable` at once.
 */
async function staffed(prefix: string): Promise<string> {
  const room = uniqueRoom(prefix);
  const desk = new Member(relay.url, room);
  desks.push(desk);
  await desk.joined();
  return room;
}

afterEach(() => {
  for (const d of desks.splice(0)) d.close();
  callController().hangUp();
  document.body.innerHTML = '';
});

describe('<rtc-call-button>', () => {
  it('renders real buttons named "Video call" / "Voice call" and a polite live status line; reflects state', async () => {
    const root = mount(`<rtc-call-button server="${relay.url}" room="${uniqueRoom('render')}"></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    const buttons = buttonsOf(el);
    equal(buttons.map((b) => b.textContent?.trim()).join('|'), 'Video call|Voice call|Away', 'button names (a page that takes calls can step away)');
    for (const b of buttons) {
      equal(b.type, 'button', 'a real <button type=button>');
      equal(b.tabIndex, 0, 'in the tab order');
    }
    const status = shadow(el).querySelector('[part~="status"]');
    equal(status?.getAttribute('role'), 'status', 'status role');
    equal(status?.getAttribute('aria-live'), 'polite', 'aria-live');
    equal(el.getAttribute('state'), 'idle', 'reflected state');
    await waitFor('the relay link made before any click', () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
  });

  // Before any test that starts a call: no earlier test has made the page's AudioContext yet.
  it('a page without a voice graph makes no AudioContext; the local preview holds the camera track only', async () => {
    const Native = window.AudioContext;
    let made = 0;
    window.AudioContext = class extends Native {
      constructor(...a: ConstructorParameters<typeof AudioContext>) {
        super(...a);
        made++;
      }
    };
    try {
      const root = mount(`<rtc-call-button server="${relay.url}" room="${await staffed('no-graph')}"></rtc-call-button><rtc-video-panel></rtc-video-panel>`);
      const el = root.querySelector('rtc-call-button') as RtcCallButton;
      const panel = root.querySelector('rtc-video-panel') as RtcVideoPanel;
      await el.updateComplete;
      buttonNamed(el, 'Video call')!.click();
      await waitFor('waiting', () => el.getAttribute('state') === 'waiting', { timeoutMs: 15_000 });
      await panel.updateComplete;
      equal(made, 0, 'no AudioContext without a voice graph');
      const local = shadow(panel).querySelector('video[part~="local-video"]') as HTMLVideoElement;
      const s = local.srcObject as MediaStream;
      equal(s.getVideoTracks().length, 1, 'preview: the camera');
      equal(s.getAudioTracks().length, 0, 'preview: no microphone track');
    } finally {
      window.AudioContext = Native;
    }
  });

  it('re-renders never hand a video its stream again (each srcObject assignment starts its playback over)', async () => {
    const root = mount(`<rtc-call-button server="${relay.url}" room="${await staffed('rerender')}"></rtc-call-button><rtc-video-panel></rtc-video-panel>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    const panel = root.querySelector('rtc-video-panel') as RtcVideoPanel;
    await Promise.all([el.updateComplete, panel.updateComplete]);
    const local = shadow(panel).querySelector('video[part~="local-video"]') as HTMLVideoElement;
    const native = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!;
    const given: Array<MediaProvider | null> = [];
    Object.defineProperty(local, 'srcObject', {
      configurable: true,
      get() {
        return native.get!.call(this) as MediaProvider | null;
      },
      set(v: MediaProvider | null) {
        given.push(v);
        native.set!.call(this, v);
      },
    });
    buttonNamed(el, 'Video call')!.click();
    await waitFor('waiting', () => el.getAttribute('state') === 'waiting', { timeoutMs: 15_000 });
    for (let i = 0; i < 3; i++) {
      panel.requestUpdate();
      await panel.updateComplete;
    }
    equal(given.length, 1, 'the preview got its stream once, whatever the renders');
    assert(given[0] instanceof MediaStream && given[0].getVideoTracks().length === 1, 'and it is the camera');
    callController().hangUp();
    await panel.updateComplete;
    equal(given.length, 2, 'and null once the call ended');
    equal(given[1], null, 'null');
  });

  it('honours mode and the relabel attributes, also when changed after upgrade', async () => {
    const root = mount(
      `<rtc-call-button server="${relay.url}" room="${uniqueRoom('labels')}" mode="voice" voice-label="Appel vocal" video-label="Appel vidéo"></rtc-call-button>`,
    );
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    equal(buttonsOf(el).map((b) => b.textContent?.trim()).join('|'), 'Appel vocal|Away', 'voice only');
    el.setAttribute('mode', 'video');
    await el.updateComplete;
    equal(buttonsOf(el).map((b) => b.textContent?.trim()).join('|'), 'Appel vidéo|Away', 'video only after attribute change');
    el.removeAttribute('mode');
    el.mode = 'both';
    await el.updateComplete;
    equal(buttonsOf(el).length, 3, 'both (and Away)');
  });

  it('is keyboard operable; a voice call drives every element (any order, two graphs); events bubble composed; hang-up frees the mic', async () => {
    const room = await staffed('voice');
    const root = mount(`
      <rtc-video-panel></rtc-video-panel>
      <rtc-voice-graph id="g1" style="width:300px;height:60px"></rtc-voice-graph>
      <rtc-call-button server="${relay.url}" room="${room}"></rtc-call-button>
      <rtc-voice-graph id="g2" source="local" style="width:200px;height:40px"></rtc-voice-graph>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    const panel = root.querySelector('rtc-video-panel') as RtcVideoPanel;
    const graphs = [...root.querySelectorAll('rtc-voice-graph')] as RtcVoiceGraph[];
    await el.updateComplete;
    await waitFor('relay link', () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
    const rec = recordEvents();

    buttonNamed(el, 'Voice call')?.focus();
    await sendKeys({ press: 'Enter' });
    await waitFor('state waiting', () => el.getAttribute('state') === 'waiting', { timeoutMs: 15_000 });
    for (const x of [panel, ...graphs]) equal(x.getAttribute('state'), 'waiting', `${x.localName} reflects the shared state`);
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT.waiting, 'status line');
    const cancel = buttonNamed(el, 'Cancel');
    assert(cancel, 'a Cancel button while waiting');
    // With a panel on the page, the call's controls (Cancel among them) are over its video.
    await panel.updateComplete;
    equal(shadow(panel).activeElement, cancel, 'keyboard focus moved to the new button, in the panel');

    const fromButton = rec.events.filter((e) => e.type === 'rtc-state-change' && e.target === 'rtc-call-button');
    equal(fromButton.map((e) => (e.detail as { state: string }).state).join(','), 'media,waiting', 'state events in order');
    // Once per change on document (events.test.ts counts it): the call button announces for all.
    equal([...new Set(rec.events.map((e) => e.target))].join(','), 'rtc-call-button', 'caught on document (bubbles + composed), from the call button only');

    // Voice graphs: the fake microphone's tone drawn as bars (remote falls back to local before a peer).
    for (const g of graphs) {
      const canvas = shadow(g).querySelector('canvas') as HTMLCanvasElement;
      equal(canvas.width, Math.round(canvas.clientWidth * devicePixelRatio), 'canvas sized to its box × devicePixelRatio');
      await waitFor(`${g.id} draws non-empty frames`, () => paintedPixels(canvas) > 0, { timeoutMs: 10_000 });
    }
    // Voice call: the panel shows its placeholder, no video.
    const remoteVideo = shadow(panel).querySelector('video[part~="remote-video"]') as HTMLVideoElement;
    const localVideo = shadow(panel).querySelector('video[part~="local-video"]') as HTMLVideoElement;
    assert(remoteVideo.hidden && localVideo.hidden, 'no video elements shown in a voice call');
    assert(shadow(panel).querySelector('[part~="placeholder"]'), 'placeholder shown');

    const stream = callController().snapshot.localStream;
    assert(stream && stream.getAudioTracks().length === 1 && stream.getVideoTracks().length === 0, 'audio-only local stream');
    cancel.click();
    await waitFor('state ended', () => el.getAttribute('state') === 'ended', { timeoutMs: 15_000 });
    equal(el.getAttribute('reason'), 'hang-up', 'reason');
    assert(stream.getTracks().every((t) => t.readyState === 'ended'), 'every track stopped (microphone released)');
    assert(rec.events.some((e) => e.type === 'rtc-call-end' && (e.detail as { reason: string }).reason === 'hang-up'), 'rtc-call-end');
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['hang-up'], 'status after hang-up');
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (const g of graphs) equal(paintedPixels(shadow(g).querySelector('canvas') as HTMLCanvasElement), 0, `${g.id} cleared when the call ended`);
    rec.stop();
  });

  it('prefers-reduced-motion: the voice graph still draws, but only a few times a second', async () => {
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      const root = mount(`<rtc-call-button server="${relay.url}" room="${await staffed('calm')}"></rtc-call-button>
        <rtc-voice-graph style="width:240px;height:48px"></rtc-voice-graph>`);
      const el = root.querySelector('rtc-call-button') as RtcCallButton;
      const graph = root.querySelector('rtc-voice-graph') as RtcVoiceGraph;
      await Promise.all([el.updateComplete, graph.updateComplete]);
      const canvas = shadow(graph).querySelector('canvas') as HTMLCanvasElement;
      await el.startVoiceCall();
      await waitFor('a first frame', () => paintedPixels(canvas) > 0, { timeoutMs: 10_000 });
      // Count how often the picture changes in 2 s (a draw every 250 ms = at most ~8 changes).
      const g = canvas.getContext('2d') as CanvasRenderingContext2D;
      const sig = (): string => Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 3)).join('');
      let changes = 0;
      let last = sig();
      const end = performance.now() + 2000;
      while (performance.now() < end) {
        await sleep(16);
        const now = sig();
        if (now !== last) changes++;
        last = now;
      }
      assert(changes >= 1 && changes <= 9, `redraws in 2 s under reduced motion: ${changes}`);
      el.hangUp();
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
  });

  it('a video call shows the mirrored local preview; public methods drive it', async () => {
    const root = mount(`<rtc-call-button server="${relay.url}" room="${await staffed('video')}"></rtc-call-button><rtc-video-panel></rtc-video-panel>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    const panel = root.querySelector('rtc-video-panel') as RtcVideoPanel;
    await el.updateComplete;
    await el.startVideoCall();
    equal(el.getAttribute('state'), 'waiting', 'startVideoCall() resolved in waiting');
    await panel.updateComplete;
    const local = shadow(panel).querySelector('video[part~="local-video"]') as HTMLVideoElement;
    assert(!local.hidden && local.muted, 'local preview visible and muted');
    assert(getComputedStyle(local).transform.startsWith('matrix(-1'), 'local preview mirrored');
    await waitFor('local preview frames', () => local.videoWidth > 0, { timeoutMs: 15_000 });
    el.hangUp();
    equal(el.getAttribute('state'), 'ended', 'hangUp()');
  });

  it('theming: custom properties and ::part() reach inside', async () => {
    const root = mount(`<style>
        rtc-call-button.t { --rtc-accent: rgb(1, 2, 3); }
        rtc-call-button.t::part(status) { color: rgb(4, 5, 6); }
      </style><rtc-call-button class="t" server="${relay.url}" room="${uniqueRoom('theme')}"></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    equal(getComputedStyle(buttonNamed(el, 'Video call') as HTMLElement).backgroundColor, 'rgb(1, 2, 3)', '--rtc-accent');
    equal(getComputedStyle(shadow(el).querySelector('[part~="status"]') as HTMLElement).color, 'rgb(4, 5, 6)', '::part(status)');
  });

  it('a full room gives state error room-full and its message (as many real clients already in it as a room holds)', async () => {
    const room = uniqueRoom('full');
    const others: Socket[] = [];
    try {
      const joined: Array<Promise<void>> = [];
      for (let i = 0; i < LIMITS.defaultRoomMembers; i++) {
        const s = io(relay.url, { auth: { room }, transports: ['websocket'], forceNew: true });
        others.push(s);
        joined.push(new Promise<void>((r) => s.once('client-id', () => r())));
      }
      await Promise.all(joined);
      const root = mount(`<rtc-call-button server="${relay.url}" room="${room}"></rtc-call-button>`);
      const el = root.querySelector('rtc-call-button') as RtcCallButton;
      await waitFor('reason room-full', () => el.getAttribute('reason') === 'room-full', { timeoutMs: 15_000 });
      equal(el.getAttribute('state'), 'error', 'state');
      await el.updateComplete;
      equal(statusOf(el), STATUS_TEXT['room-full'], 'status line');
    } finally {
      for (const s of others) s.disconnect();
    }
  });

  it('relay-unreachable while idle; pointing `server` at a live relay recovers to idle', async () => {
    const root = mount(`<rtc-call-button server="${relay.unreachable}" room="${uniqueRoom('unreachable')}"></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await waitFor('reason relay-unreachable', () => el.getAttribute('reason') === 'relay-unreachable', { timeoutMs: 15_000 });
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['relay-unreachable'], 'status line');
    el.setAttribute('server', relay.url);
    await waitFor('back to idle', () => el.getAttribute('state') === 'idle', { timeoutMs: 15_000 });
    await waitFor('connected to the live relay', () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
  });
});
