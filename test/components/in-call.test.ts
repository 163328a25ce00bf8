// Group `elements`: the in-call controls in real Chromium through the real relay, against a
// protocol-2 member (member.ts) that calls the widget: Mute / Camera off / Share screen / Devices
// by keyboard with aria-pressed and aria-expanded, what the member is told (the `media` message,
// stamped with the widget's name), the member's camera off shown as its initials and name, the
// quality attribute and rtc-quality, the call summary in rtc-call-end; and the languages.
import { sendKeys } from '@web/test-runner-commands';
import { callController } from '../../src/browser/instance.js';
import { STATUS_TEXT, statusKey, type StatusMessages } from '../../src/components/messages.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import type { RtcVideoPanel } from '../../src/components/rtc-video-panel.js';
import { addLanguage } from '../../src/index.js';
import { de } from '../../src/lang/de.js';
import { fr } from '../../src/lang/fr.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { Member } from './member.js';
import { assert, buttonNamed, buttonsOf, equal, mount, nameOf, recordEvents, relayInfo, shadow, stateOf, statusOf, type RelayInfo } from './support.js';

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

const names = (el: RtcCallButton): string => buttonsOf(el).map((b) => b.textContent?.trim()).join('|');
/** The in-call controls' names, in the panel's bar. */
const controls = (panel: RtcVideoPanel): string => [...shadow(panel).querySelectorAll('[part~="controls"] button')].map(nameOf).join('|');
const pressed = (el: RtcCallButton, name: string): string | null | undefined => buttonNamed(el, name)?.getAttribute('aria-pressed');

describe('in a call', () => {
  it('controls by keyboard; the member hears our state with our name; its camera off shows its initials; quality; the summary', async () => {
    const room = uniqueRoom('incall');
    const root = mount(`<rtc-call-button server="${relay.url}" room="${room}" name="Desk One" hangup-label="End call"></rtc-call-button><rtc-video-panel></rtc-video-panel>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    const panel = root.querySelector('rtc-video-panel') as RtcVideoPanel;
    await waitFor(() => `joined (${stateOf(el)})`, () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
    const m = new Member(relay.url, room, { name: 'Ann Smith', incoming: false });
    members.push(m);
    await m.joined();
    const rec = recordEvents();
    m.call('video');
    await waitFor(() => `rings (${stateOf(el)})`, () => el.getAttribute('state') === 'ringing', { timeoutMs: 15_000 });
    await el.updateComplete;
    buttonNamed(el, 'Accept')!.click();
    await waitFor(() => `connected (${stateOf(el)})`, () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
    await el.updateComplete;
    await panel.updateComplete;
    equal(controls(panel), 'Mute|Camera off|Share screen|Devices|End call', 'the controls, in order, over the video (the button’s hangup-label names Hang up)');
    equal(names(el), '', 'and not in the call button too');
    equal(pressed(el, 'Mute'), 'false');
    equal(pressed(el, 'Camera off'), 'false');
    // Connecting told the member our state, with the name the relay has for us.
    const media = () => m.messages.filter((x) => x.type === 'media');
    await waitFor('the member hears our state', () => media().length >= 1, { timeoutMs: 5000 });
    const first = media()[0]!;
    const id = callController().snapshot.selfId;
    equal(JSON.stringify([first.muted, first.cameraOff, first.sharing, first.name, first.from]), JSON.stringify([false, false, false, 'Desk One', id]), 'all off, our relay-given name');

    // Keyboard: focus Mute, Space presses it.
    buttonNamed(el, 'Mute')!.focus();
    await sendKeys({ press: 'Space' });
    await waitFor('muted', () => el.hasAttribute('muted') && panel.hasAttribute('muted'), { timeoutMs: 3000 });
    await el.updateComplete;
    equal(pressed(el, 'Mute'), 'true', 'aria-pressed');
    equal(callController().snapshot.localStream!.getAudioTracks()[0]!.enabled, false, 'the microphone sends silence');
    await waitFor('the member hears muted', () => media().at(-1)?.muted === true, { timeoutMs: 3000 });
    // Tab to Camera off, Enter presses it; Tab, Tab to Devices, Enter opens the menu.
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Enter' });
    await waitFor('camera off', () => el.hasAttribute('camera-off'), { timeoutMs: 3000 });
    await waitFor('the member hears camera off', () => media().at(-1)?.cameraOff === true, { timeoutMs: 3000 });
    const devices = buttonNamed(el, 'Devices')!;
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await waitFor('Tab, Tab reaches Devices', () => shadow(panel).activeElement === devices, { timeoutMs: 3000 });
    await sendKeys({ press: 'Enter' });
    await panel.updateComplete;
    await waitFor('the menu is open', () => devices.getAttribute('aria-expanded') === 'true', { timeoutMs: 3000 });
    await waitFor('the menu lists devices', () => shadow(panel).querySelectorAll('[part~="devices"] option').length >= 2, { timeoutMs: 5000 });
    const text = (l: Element): string => [...l.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent?.trim()).join('');
    const labels = [...shadow(panel).querySelectorAll('[part~="devices"] label')].map(text);
    equal(labels.join('|'), 'Camera|Microphone|Speaker', 'a labelled select per kind (Chromium has setSinkId)');
    const cam = shadow(panel).querySelector('[part~="devices"] select') as HTMLSelectElement;
    assert(cam.selectedOptions[0]?.textContent?.includes('fake'), `the camera in use is selected (${cam.selectedOptions[0]?.textContent})`);
    // Escape in the menu closes it and puts focus back on Devices.
    cam.focus();
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    equal(devices.getAttribute('aria-expanded'), 'false', 'Escape closed the menu');
    equal(shadow(panel).querySelector('[part~="devices"]'), null, 'no menu');
    equal(shadow(panel).activeElement, devices, 'focus is back on Devices');

    // The member turns its camera off and mutes: its initials and name, the muted mark.
    m.socket.emit('message', { type: 'media', muted: true, cameraOff: true, sharing: false });
    await waitFor('remote camera off', () => panel.hasAttribute('remote-camera-off') && el.hasAttribute('remote-muted'), { timeoutMs: 5000 });
    await panel.updateComplete;
    equal(shadow(panel).querySelector('[part~="avatar"]')?.textContent, 'AS', 'initials');
    assert(shadow(panel).querySelector('[part~="placeholder"]')?.textContent?.includes('Ann Smith'), 'the name');
    assert((shadow(panel).querySelector('[part~="remote-video"]') as HTMLVideoElement).hidden, 'no frozen picture');
    equal(shadow(panel).querySelector('[part~="remote-muted"]')?.getAttribute('aria-label'), 'Muted');
    equal(shadow(panel).querySelector('[part~="remote-camera-off"]')?.getAttribute('aria-label'), 'Camera off');
    assert(shadow(panel).querySelector('[part~="remote-muted"] svg'), 'an icon, not an emoji');

    // Quality: sampled every 2 s.
    await waitFor('quality', () => el.hasAttribute('quality'), { timeoutMs: 8000 });
    const q = rec.events.find((e) => e.type === 'rtc-quality')?.detail as { rttMs: number | null; relayed: boolean; level: string } | undefined;
    assert(q && q.relayed === false && ['good', 'fair', 'poor'].includes(q.level), `rtc-quality ${JSON.stringify(q)}`);
    equal(el.hasAttribute('relayed'), false, 'direct on loopback');
    await panel.updateComplete;
    const mark = shadow(panel).querySelector('[part~="quality"]')?.getAttribute('aria-label') ?? '';
    assert(/^(Good|Weak|Very weak) connection: .* ms round trip, .* % loss, .* ms jitter · UDP$/.test(mark), `quality's accessible name: ${mark}`);
    equal(shadow(panel).querySelector('[part~="quality"] > span')?.textContent, mark.split(':')[0], 'the level in words');
    equal(shadow(panel).querySelector('[part~="route"]')?.textContent, 'Direct', 'the route in plain words');
    assert(/^\d+:\d\d$/.test(shadow(panel).querySelector('[part~="timer"]')?.textContent ?? ''), 'the call time');

    buttonNamed(el, 'End call')!.click();
    await waitFor('ended', () => el.getAttribute('state') === 'ended', { timeoutMs: 5000 });
    const end = rec.events.find((e) => e.type === 'rtc-call-end')?.detail as Record<string, unknown>;
    equal(end.reason, 'hang-up');
    equal(end.kind, 'video');
    equal(end.relayed, false);
    equal(end.reconnects, 0);
    assert(typeof end.durationMs === 'number' && end.durationMs > 1000, `durationMs ${end.durationMs}`);
    assert(typeof end.packetLoss === 'number', 'packetLoss');
    equal(el.hasAttribute('muted'), false, 'the next call starts unmuted');
    rec.stop();
  });
});

describe('languages', () => {
  it('lang picks an installed pack (own attribute, an ancestor’s, a region falls back to its language); messages wins; unknown is English', async () => {
    addLanguage('de', de);
    addLanguage('fr', fr);
    const root = mount(`
      <rtc-call-button id="own" lang="de" server="${relay.url}" room="${uniqueRoom('lang')}"></rtc-call-button>
      <div lang="fr"><rtc-call-button id="anc" server="${relay.url}"></rtc-call-button></div>
      <rtc-call-button id="region" lang="de-AT" server="${relay.url}"></rtc-call-button>
      <rtc-call-button id="unknown" lang="pt" server="${relay.url}"></rtc-call-button>`);
    const by = (id: string): RtcCallButton => root.querySelector(`#${id}`) as RtcCallButton;
    for (const id of ['own', 'anc', 'region', 'unknown']) await by(id).updateComplete;
    equal(names(by('own')), 'Videoanruf|Sprachanruf|Abwesend');
    equal(names(by('anc')), 'Appel vidéo|Appel audio|Absent');
    equal(names(by('region')), 'Videoanruf|Sprachanruf|Abwesend');
    equal(names(by('unknown')), 'Video call|Voice call|Away');
    await waitFor('joined', () => callController().snapshot.relayConnected, { timeoutMs: 15_000 });
    await by('own').updateComplete;
    const key = statusKey(callController().snapshot);
    assert(de[key] !== STATUS_TEXT[key], `a status line with its own German text (${key})`);
    equal(statusOf(by('own')), de[key], 'status lines too');
    const own = by('own');
    own.messages = { 'label-video': 'Anrufen' } satisfies StatusMessages;
    await own.updateComplete;
    equal(names(own), 'Anrufen|Sprachanruf|Abwesend', 'a single override');
    own.lang = 'en';
    await own.updateComplete;
    equal(statusOf(own), STATUS_TEXT[key], 'back to English when lang changes');
  });
});
