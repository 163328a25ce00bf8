// Group `elements`: the pre-call check (`prejoin`, issue 20 item 3) in real Chromium with its fake
// camera and microphone, against the real relay and a protocol-2 desk (member.ts): Video call opens
// the check (self-view, "Camera" and "Microphone" selects, a "Microphone level" meter that moves
// with the fake microphone's beeps), nothing rings yet; Start call places the call with the picked
// microphone on the same stream (no second getUserMedia); Cancel stops every track.
import { callController } from '../../src/browser/instance.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { Member } from './member.js';
import { assert, buttonNamed, buttonsOf, equal, mount, relayInfo, shadow, stateOf, type RelayInfo } from './support.js';

let relay: RelayInfo;
before(async () => {
  relay = await relayInfo();
});

const members: Member[] = [];
afterEach(() => {
  for (const m of members.splice(0)) m.close();
  callController().hangUp();
  document.body.innerHTML = '';
});

/** Counts getUserMedia calls (permission prompts) from here on. */
let gum = 0;
const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (c) => (gum++, real(c));

async function check(room: string, kind = 'Video call'): Promise<{ el: RtcCallButton; root: ShadowRoot }> {
  const el = mount(`<rtc-call-button server="${relay.url}" room="${room}" prejoin></rtc-call-button>`).querySelector('rtc-call-button') as RtcCallButton;
  await el.updateComplete;
  await waitFor('linked', () => callController().snapshot.relayConnected, { timeoutMs: 10_000 });
  buttonNamed(el, kind)!.click();
  await waitFor('the check opens', async () => (await el.updateComplete, shadow(el).querySelector('[part~="prejoin"]')), { timeoutMs: 10_000 });
  return { el, root: shadow(el) };
}

const labelled = (root: ShadowRoot, text: string): HTMLSelectElement | undefined =>
  [...root.querySelectorAll('label')]
    .find((l) => [...l.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim() === text)
    ?.querySelector('select') ?? undefined;

describe('the pre-call check (prejoin)', () => {
  it('Video call opens it: self-view, Camera and Microphone, a meter that moves with the microphone, Cancel and Start call; nothing rings', async () => {
    const room = uniqueRoom('prejoin');
    const desk = new Member(relay.url, room);
    members.push(await desk.joined());
    const { el, root } = await check(room);
    const video = root.querySelector<HTMLVideoElement>('video[part~="preview"]');
    assert(video, 'a self-view');
    await waitFor('the self-view plays the camera', () => video.videoWidth > 0, { timeoutMs: 10_000 });
    equal((video.srcObject as MediaStream).getVideoTracks()[0], callController().snapshot.preview?.getVideoTracks()[0], 'the check’s camera');
    assert(labelled(root, 'Camera')?.options.length, 'a "Camera" select listing cameras');
    assert(labelled(root, 'Microphone')?.options.length, 'a "Microphone" select listing microphones');
    const meter = root.querySelector('[role="meter"]');
    assert(meter, 'a meter');
    equal(meter.getAttribute('aria-label'), 'Microphone level');
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++, await sleep(100)) seen.add(meter.getAttribute('aria-valuenow') ?? '');
    const values = [...seen].map(Number);
    assert(Math.max(...values) > 5 && seen.size >= 3, `the level moves with the fake microphone (saw ${[...seen].join(',')})`);
    equal(buttonsOf(el).map((b) => b.textContent?.trim()).join('|'), 'Cancel|Start call');
    equal(shadow(el).activeElement?.textContent?.trim() ?? 'Start call', 'Start call', 'focus, if it was on Video call, moved to Start call');
    equal(el.getAttribute('state'), 'idle', 'no call yet');
    equal(desk.rings.length, 0, 'the desk does not ring during the check');
  });

  it('Start call places the call with the picked microphone on the check’s own stream (no second getUserMedia)', async () => {
    const room = uniqueRoom('prejoin-start');
    const desk = new Member(relay.url, room);
    members.push(await desk.joined());
    gum = 0;
    const { el, root } = await check(room);
    const preview = callController().snapshot.preview!;
    const mic = labelled(root, 'Microphone')!;
    await waitFor('microphones listed', () => mic.options.length >= 2, { timeoutMs: 5000 });
    const pick = mic.options[mic.options.length - 1]!.value;
    mic.value = pick;
    mic.dispatchEvent(new Event('change'));
    await waitFor('the check switched to it', () => preview.getAudioTracks()[0]?.getSettings().deviceId === pick, { timeoutMs: 5000 });
    const used = gum;
    const tracks = preview.getTracks();
    buttonNamed(el, 'Start call')!.click();
    const ring = await waitFor('the desk rings', () => desk.rings[0], { timeoutMs: 10_000 });
    equal(ring.kind, 'video', 'a video call');
    // (The desk, member.ts, runs in this page too: its own getUserMedia comes once it answers.)
    equal(gum, used, 'no getUserMedia for the call: one permission prompt');
    equal(gum, 2, 'the check’s camera and microphone, then the switch');
    desk.accept(ring.call!);
    await waitFor(() => `connected (${stateOf(el)})`, () => el.getAttribute('state') === 'connected', { timeoutMs: 15_000 });
    const s = callController().snapshot;
    equal(s.localStream, preview, 'the call took the check’s stream');
    equal(s.preview, null, 'the check closed');
    equal(s.localStream!.getAudioTracks()[0]?.getSettings().deviceId, pick, 'with the picked microphone');
    assert(tracks.every((t) => t.readyState === 'live'), 'its tracks went on into the call');
  });

  it('Cancel stops every track and brings the call buttons back; Escape does too; a voice check has no self-view', async () => {
    const room = uniqueRoom('prejoin-cancel');
    const { el, root } = await check(room);
    const tracks = callController().snapshot.preview!.getTracks();
    equal(tracks.length, 2);
    buttonNamed(el, 'Cancel')!.click();
    await el.updateComplete;
    assert(tracks.every((t) => t.readyState === 'ended'), 'the camera and microphone stopped');
    equal(root.querySelector('[part~="prejoin"]'), null, 'the check closed');
    equal(buttonsOf(el).map((b) => b.textContent?.trim()).join('|'), 'Video call|Voice call|Away');
    buttonNamed(el, 'Voice call')!.click();
    await waitFor('the voice check opens', async () => (await el.updateComplete, root.querySelector('[part~="prejoin"]')), { timeoutMs: 10_000 });
    equal(root.querySelector('video'), null, 'no self-view for a voice call');
    equal(labelled(root, 'Camera'), undefined, 'no camera select');
    const voice = callController().snapshot.preview!.getTracks();
    equal(voice.map((t) => t.kind).join(), 'audio');
    root.querySelector('[part~="prejoin"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    assert(voice.every((t) => t.readyState === 'ended'), 'Escape closed it and stopped the microphone');
    equal(callController().snapshot.preview, null);
  });
});
