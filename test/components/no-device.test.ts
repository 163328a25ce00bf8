// Group `no-device`: Chromium launched WITHOUT fake devices (prompts accepted). The test
// machine has no camera or microphone, so getUserMedia really finds nothing.
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { assert, buttonNamed, equal, mount, relayInfo, statusOf } from './support.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { Member } from './member.js';

describe('no camera / microphone (real Chromium without devices)', () => {
  it('the machine really has no capture devices', async () => {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const capture = devices.filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput');
    equal(capture.length, 0, `capture devices: ${JSON.stringify(capture.map((d) => d.kind))};`);
  });

  for (const [label, kind] of [
    ['Video call', 'video'],
    ['Voice call', 'voice'],
  ] as const) {
    it(`a ${kind} call ends in state error, reason no-device, with the human message`, async () => {
      const { url } = await relayInfo();
      const room = uniqueRoom('nodev');
      // Someone takes calls there: the request rings and waits, so the media error is what ends the call.
      const desk = await new Member(url, room).joined();
      const root = mount(`<rtc-call-button server="${url}" room="${room}"></rtc-call-button>`);
      const el = root.querySelector('rtc-call-button') as RtcCallButton;
      await el.updateComplete;
      const button = buttonNamed(el, label);
      assert(button, `${label} button`);
      button.click();
      await waitFor('state error', () => el.getAttribute('state') === 'error', { timeoutMs: 15_000 });
      equal(el.getAttribute('reason'), 'no-device', 'reason attribute');
      await el.updateComplete;
      equal(statusOf(el), STATUS_TEXT['no-device'], 'status line');
      root.remove();
      desk.close();
    });
  }
});
