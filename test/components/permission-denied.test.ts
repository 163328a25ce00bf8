// Group `permission-denied`: Chromium launched WITH fake devices but with permission
// prompts denied (--deny-permission-prompts): getUserMedia really rejects.
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { assert, buttonNamed, equal, mount, recordEvents, relayInfo, statusOf } from './support.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { Member } from './member.js';

describe('permission denied (real Chromium prompt refusal)', () => {
  it('a video call ends in state error, reason permission-denied, with the human message', async () => {
    const { url } = await relayInfo();
    const room = uniqueRoom('denied');
    // Someone takes calls there: the request rings and waits, so the refusal is what ends the call.
    const desk = await new Member(url, room).joined();
    const root = mount(`<rtc-call-button server="${url}" room="${room}"></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    const rec = recordEvents();
    buttonNamed(el, 'Video call')?.click();
    await waitFor('state error', () => el.getAttribute('state') === 'error', { timeoutMs: 15_000 });
    equal(el.getAttribute('reason'), 'permission-denied', 'reason attribute');
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['permission-denied'], 'status line');
    assert(buttonNamed(el, 'Video call'), 'the call button is back so the user can retry');
    const end = rec.events.find((e) => e.type === 'rtc-call-end');
    assert(end, 'rtc-call-end fired');
    equal((end.detail as { reason: string }).reason, 'permission-denied');
    rec.stop();
    root.remove();
    desk.close();
  });

  it('the pre-call check (prejoin): the refusal shows at once, no check opens, nothing rang', async () => {
    const { url } = await relayInfo();
    const room = uniqueRoom('denied-prejoin');
    const desk = await new Member(url, room).joined();
    const root = mount(`<rtc-call-button server="${url}" room="${room}" prejoin></rtc-call-button>`);
    const el = root.querySelector('rtc-call-button') as RtcCallButton;
    await el.updateComplete;
    buttonNamed(el, 'Voice call')?.click();
    await waitFor('state error', () => el.getAttribute('state') === 'error', { timeoutMs: 15_000 });
    equal(el.getAttribute('reason'), 'permission-denied', 'reason attribute');
    await el.updateComplete;
    equal(statusOf(el), STATUS_TEXT['permission-denied'], 'status line');
    equal(el.shadowRoot?.querySelector('[part~="prejoin"]') ?? null, null, 'no check');
    assert(buttonNamed(el, 'Voice call'), 'the call buttons stay');
    equal(desk.rings.length, 0, 'nothing rang');
    root.remove();
    desk.close();
  });
});
