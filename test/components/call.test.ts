// Group `elements`: a real call in real Chromium through the real relay between the widget and a
// client written exactly like the seed tutorial (raw RTCPeerConnection + socket.io-client, no
// room, `ready` on start, answers any offer, bare candidate strings, offer/answer carry only sdp).
import { io, type Socket } from 'socket.io-client';
import { STATUS_TEXT } from '../../src/components/messages.js';
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import type { RtcVideoPanel } from '../../src/components/rtc-video-panel.js';
import type { RtcVoiceGraph } from '../../src/components/rtc-voice-graph.js';
import { sleep, waitFor } from '../support/wait.js';
import { stateOf, assert, buttonNamed, equal, mount, paintedPixels, recordEvents, relayInfo, shadow, statusOf, type RelayInfo } from './support.js';

interface RelayedData {
  type: string;
  sdp?: string;
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** The tutorial's client, transcribed (plus a log of what it received). */
class TutorialClient {
  readonly socket: Socket;
  readonly received: string[] = [];
  pc: RTCPeerConnection | null = null;
  localStream: MediaStream | null = null;
  clientId: string | null = null;
  remoteStream: MediaStream | null = null;

  constructor(url: string) {
    this.socket = io(url, { forceNew: true });
    this.socket.on('client-id', (data: { id: string }) => (this.clientId = data.id));
    this.socket.on('message', (data: RelayedData) => void this.handleSignalingMessage(data));
  }

  async handleSignalingMessage(data: RelayedData): Promise<void> {
    this.received.push(data.type);
    switch (data.type) {
      case 'offer':
        return this.handleOffer(data);
      case 'answer':
        await this.pc?.setRemoteDescription(new RTCSessionDescription({ type: 'answer', sdp: data.sdp ?? '' }));
        return;
      case 'candidate':
        await this.pc?.addIceCandidate({ candidate: data.candidate ?? '', sdpMid: data.sdpMid ?? null, sdpMLineIndex: data.sdpMLineIndex ?? null });
        return;
      case 'ready':
        return this.makeCall();
      case 'bye':
        return this.hangup();
    }
  }

  async startCall(constraints: MediaStreamConstraints): Promise<void> {
    this.localStream = await navigator.mediaDevices.getUserMedia(constraints);
    this.socket.emit('message', { type: 'ready', clientId: this.clientId });
  }

  createPeerConnection(): void {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.onicecandidate = (e) => {
      if (e.candidate) this.socket.emit('message', { type: 'candidate', candidate: e.candidate.candidate, clientId: this.clientId });
    };
    pc.ontrack = (e) => (this.remoteStream = e.streams[0] ?? null);
    this.localStream?.getTracks().forEach((track) => pc.addTrack(track, this.localStream as MediaStream));
  }

  async makeCall(): Promise<void> {
    // The tutorial's createPeerConnection throws here before its user clicked (localStream is
    // undefined), so no offer goes out: mirror that without an unhandled rejection.
    if (!this.localStream) return;
    this.createPeerConnection();
    const offer = await this.pc!.createOffer();
    this.socket.emit('message', { type: 'offer', sdp: offer.sdp, clientId: this.clientId });
    await this.pc!.setLocalDescription(offer);
  }

  async handleOffer(offer: RelayedData): Promise<void> {
    this.createPeerConnection();
    await this.pc!.setRemoteDescription(new RTCSessionDescription({ type: 'offer', sdp: offer.sdp ?? '' }));
    const answer = await this.pc!.createAnswer();
    this.socket.emit('message', { type: 'answer', sdp: answer.sdp, clientId: this.clientId });
    await this.pc!.setLocalDescription(answer);
  }

  hangup(): void {
    this.pc?.close();
    this.pc = null;
    this.localStream?.getTracks().forEach((t) => t.stop());
  }

  close(): void {
    this.hangup();
    this.socket.disconnect();
  }
}

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
  it('tutorial starts first, widget clicks Video call: connected once, remote video decoded, tutorial hangs up', async () => {
    const tut = new TutorialClient(relay.url);
    try {
      const { el, panel } = await widget();
      await waitFor('tutorial client-id', () => tut.clientId, { timeoutMs: 15_000 });
      await tut.startCall({ video: true, audio: true });
      // Let its `ready` reach the idle widget first (ignored there); clicking while it is still in
      // flight would be the both-start-at-once case, which the tutorial's client cannot resolve.
      await sleep(1000);
      const rec = recordEvents();
      buttonNamed(el, 'Video call')?.click();
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
      buttonNamed(el, 'Voice call')?.click();
      await waitFor(() => `widget waiting (is ${stateOf(el)}, relay ${callController().snapshot.relayConnected})`, () => el.getAttribute('state') === 'waiting', { timeoutMs: 15_000 });
      await waitFor('tutorial client-id', () => tut.clientId, { timeoutMs: 15_000 });
      await tut.startCall({ audio: true });
      await waitFor('widget connected', () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
      // One negotiation either way: an impolite widget offers on the tutorial's `ready`; a polite one
      // replies `ready`, so the tutorial offers and the widget answers (see controller.ts).
      const widgetPolite = (callController().snapshot.selfId ?? '') < String(tut.clientId);
      const count = (type: string) => tut.received.filter((t) => t === type).length;
      const seen = `${widgetPolite ? 'polite' : 'impolite'} widget; tutorial received ${tut.received.join(',')}`;
      equal(count('offer'), widgetPolite ? 0 : 1, `offers the tutorial received (${seen})`);
      equal(count('answer'), widgetPolite ? 1 : 0, `answers the tutorial received (${seen})`);
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
