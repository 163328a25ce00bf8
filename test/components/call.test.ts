// Group `elements`: a real call in real Chromium through the real relay between the widget and a
// client written exactly like the seed tutorial (raw RTCPeerConnection + socket.io-client, no
// room, `ready` on start, answers any offer, bare candidate strings, offer/answer carry only sdp).
import { STATUS_TEXT } from '../../src/components/messages.js';
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import type { RtcVideoPanel } from '../../src/components/rtc-video-panel.js';
import type { RtcVoiceGraph } from '../../src/components/rtc-voice-graph.js';
import { waitFor } from '../support/wait.js';
import { TutorialClient } from './tutorial-client.js';
import { stateOf, assert, buttonNamed, equal, mount, paintedPixels, recordEvents, relayInfo, shadow, statusOf, type RelayInfo } from './support.js';

let relay: RelayInfo;
before(async () => {
  relay = await relayInfo();
});

afterEach(() => {
  callController().hangUp();
  document.body.innerHTML = '';
});

/** The widget with no room attribute: the relay's default room, like the tutorial's client. */
async function widget(): Promise<{ el: RtcCallButton; panel: RtcVideoPanel; graph: RtcVoiceGraph }> {
  const root = mount(`<rtc-call-button server="${relay.url}"></rtc-call-button><rtc-video-panel></rtc-video-panel><rtc-voice-graph></rtc-voice-graph>`);
  const el = root.querySelector('rtc-call-button') as RtcCallButton;
  await el.updateComplete;
  await waitFor(() => `widget joined the relay (state ${stateOf(el)})`, () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
  return { el, panel: root.querySelector('rtc-video-panel') as RtcVideoPanel, graph: root.querySelector('rtc-voice-graph') as RtcVoiceGraph };
}

describe('real call with a tutorial-style client', () => {
  it('tutorial starts first, its call rings the widget, widget clicks Accept: connected once, remote video decoded, tutorial hangs up', async () => {
    const tut = new TutorialClient(relay.url);
    try {
      const { el, panel } = await widget();
      await waitFor('tutorial client-id', () => tut.clientId, { timeoutMs: 15_000 });
      await tut.startCall({ video: true, audio: true });
      // Its `ready` is a call request (the relay makes it one): the widget rings, as a video call.
      await waitFor(() => `the widget rings (is ${stateOf(el)})`, () => el.getAttribute('state') === 'ringing', { timeoutMs: 15_000 });
      await el.updateComplete;
      equal(statusOf(el), 'Incoming video call', 'the tutorial sends no name');
      const rec = recordEvents();
      // Accepting binds the call; the relay then sends the tutorial's client a `ready` from us, and it offers.
      buttonNamed(el, 'Accept')!.click();
      await waitFor('widget connected', () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
      await waitFor(
        () => `the answer reaches the tutorial client (got ${tut.received.join(',')}; tutorial ${tut.clientId}, widget ${callController().snapshot.selfId} ↔ ${callController().snapshot.peerId})`,
        () => tut.received.includes('answer'),
        { timeoutMs: 15_000 },
      );
      equal(tut.received.filter((t) => t === 'answer').length, 1, `exactly one answer reached the tutorial client (${tut.received.join(',')})`);
      equal(tut.received.filter((t) => t === 'offer').length, 0, 'the widget never offered against it');
      assert(rec.events.some((e) => e.type === 'rtc-call-start' && e.target === 'rtc-call-button'), 'rtc-call-start');
      await el.updateComplete;
      equal(statusOf(el), STATUS_TEXT.connected, 'status connected');
      assert(buttonNamed(el, 'Hang up'), 'Hang up button while connected');
      const remote = shadow(panel).querySelector('video[part~="remote-video"]') as HTMLVideoElement;
      await waitFor('remote video frames decoded in the panel', () => remote.videoWidth > 0 && !remote.hidden, { timeoutMs: 15_000 });
      await waitFor('the tutorial client receives our video', () => tut.remoteStream?.getVideoTracks().length, { timeoutMs: 15_000 });

      const local = callController().snapshot.localStream;
      tut.socket.emit('message', { type: 'bye', clientId: tut.clientId });
      await waitFor('widget ended', () => el.getAttribute('state') === 'ended', { timeoutMs: 15_000 });
      equal(el.getAttribute('reason'), 'remote-hang-up', 'reason');
      await el.updateComplete;
      equal(statusOf(el), STATUS_TEXT['remote-hang-up'], 'status');
      assert(local?.getTracks().every((t) => t.readyState === 'ended'), 'camera and microphone released');
      rec.stop();
    } finally {
      tut.close();
    }
  });

  it('widget waits first, tutorial starts later: voice call connects once, the graph shows remote audio, Hang up reaches the tutorial', async () => {
    const tut = new TutorialClient(relay.url);
    try {
      const { el, graph } = await widget();
      // The tutorial's client is in the room (idle): the widget's call rings it (an empty room would be `unavailable`).
      await waitFor('tutorial client-id', () => tut.clientId, { timeoutMs: 15_000 });
      buttonNamed(el, 'Voice call')?.click();
      await waitFor(() => `widget waiting (is ${stateOf(el)}, relay ${callController().snapshot.relayConnected})`, () => el.getAttribute('state') === 'waiting', { timeoutMs: 15_000 });
      await waitFor('the tutorial client rings', () => tut.received.includes('ready'), { timeoutMs: 15_000 });
      await tut.startCall({ audio: true });
      await waitFor('widget connected', () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
      // One negotiation: the widget placed the call, so once the relay bound it (the tutorial's
      // `ready` took it) the widget offers, whichever id sorts lower; the tutorial answers.
      const count = (type: string) => tut.received.filter((t) => t === type).length;
      const seen = `tutorial received ${tut.received.join(',')}`;
      equal(count('offer'), 1, `offers the tutorial received (${seen})`);
      equal(count('answer'), 0, `answers the tutorial received (${seen})`);
      await waitFor('remote audio track', () => callController().snapshot.remoteStream?.getAudioTracks().length, { timeoutMs: 15_000 });
      const canvas = shadow(graph).querySelector('canvas') as HTMLCanvasElement;
      await waitFor('voice graph draws the remote audio', () => paintedPixels(canvas) > 0, { timeoutMs: 15_000 });
      await el.updateComplete;
      buttonNamed(el, 'Hang up')?.click();
      await waitFor('bye reached the tutorial client', () => tut.received.includes('bye'), { timeoutMs: 15_000 });
      equal(el.getAttribute('state'), 'ended', 'widget ended');
      equal(el.getAttribute('reason'), 'hang-up', 'reason');
    } finally {
      tut.close();
    }
  });
});
