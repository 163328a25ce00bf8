// Group `elements`: the two screens people see between calls (issue 20, items 1 and 2), against the
// real relay: a visitor's call-only page says from load whether someone is available (GET /presence,
// no socket) and shows the site's fallback slot when nobody is; a refused token shows its refusal at
// load; a desk (`outgoing="off"`, or an answerer token) shows no call buttons, says it waits for
// calls and lists the calls it missed; a refusal by the relay ends a call attempt at once.
import { callController } from '../../src/browser/instance.js';
import { STATUS_TEXT } from '../../src/components/messages.js';
import type { RtcCallButton } from '../../src/components/rtc-call-button.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { member, relay } from './relay-members.js';
import { assert, buttonNamed, buttonsOf, equal, mount, shadow, stateOf, statusOf, token } from './support.js';


const button = async (markup: string): Promise<RtcCallButton> => {
  const el = mount(markup).querySelector('rtc-call-button') as RtcCallButton;
  await el.updateComplete;
  return el;
};
const says = (el: RtcCallButton, text: string) =>
  waitFor(() => `the status says "${text}" (it says "${statusOf(el)}", ${stateOf(el)})`, async () => (await el.updateComplete, statusOf(el) === text), { timeoutMs: 10_000 });
const slotted = (el: RtcCallButton): string[] =>
  [...(shadow(el).querySelector<HTMLSlotElement>('slot[name="unavailable"]')?.assignedElements() ?? [])].map((e) => e.textContent ?? '');
const names = (el: RtcCallButton): string => buttonsOf(el).map((b) => b.textContent?.trim()).join('|');

// First, before anything here means to call: a call-only page links only on intent (connect="intent").
describe('the visitor’s call-only page, from load', () => {
  it('nobody there: "Nobody is available right now.", the site’s fallback slot shows, no socket', async () => {
    const room = uniqueRoom('visitor-none');
    const el = await button(
      `<rtc-call-button server="${relay.url}" room="${room}" incoming="off"><a slot="unavailable" href="/contact">Leave us a message</a></rtc-call-button>`,
    );
    await says(el, STATUS_TEXT['presence-offline']);
    equal(callController().snapshot.relayConnected, false, 'no socket: presence came from GET /presence');
    equal(slotted(el).join(), 'Leave us a message', 'the fallback is shown through the slot');
    equal(names(el), 'Video call|Voice call', 'the call buttons stay');
  });

  it('a desk there: "Someone is available…", no fallback; everyone busy: "Everyone is on a call…"', async () => {
    const room = uniqueRoom('visitor-desk');
    const desk = await member(room, { name: 'Desk' });
    const el = await button(`<rtc-call-button server="${relay.url}" room="${room}" incoming="off"><a slot="unavailable" href="/contact">Leave us a message</a></rtc-call-button>`);
    await says(el, STATUS_TEXT['presence-available']);
    equal(slotted(el).length, 0, 'no fallback while someone is available');
    // The desk takes another caller's call: busy (the next poll, or a new page load, says so).
    const other = await member(room, { incoming: false });
    const c = other.call('video');
    await waitFor('the desk rings', () => desk.rings.some((m) => m.call === c), { timeoutMs: 10_000 });
    desk.accept(c);
    await waitFor('bound', () => desk.bound, { timeoutMs: 10_000 });
    document.body.innerHTML = '';
    // GET /presence is cached 2 s per room by the relay.
    await new Promise((r) => setTimeout(r, 2100));
    const again = await button(`<rtc-call-button server="${relay.url}" room="${room}" incoming="off" token=""></rtc-call-button>`);
    await says(again, STATUS_TEXT['presence-busy']);
  });

  it('a refused token: the refusal at load (GET /presence 401), the call buttons disabled and described by it, no socket', async () => {
    const room = uniqueRoom('visitor-refused');
    const wrong = await token(`${room}-other`, 'caller');
    const el = await button(`<rtc-call-button server="${relay.tokens}" room="${room}" incoming="off" token="${wrong}"></rtc-call-button>`);
    await says(el, STATUS_TEXT.unauthorized);
    equal(stateOf(el), 'error/unauthorized');
    const buttons = buttonsOf(el);
    equal(names(el), 'Video call|Voice call');
    for (const b of buttons) {
      assert(b.disabled, `${b.textContent?.trim()} is disabled`);
      equal(shadow(el).getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent?.trim(), STATUS_TEXT.unauthorized, 'its description is the refusal');
    }
    equal(callController().snapshot.relayConnected, false, 'no socket');
    // The pointer over it does not link a refused page.
    el.dispatchEvent(new PointerEvent('pointerenter'));
    await new Promise((r) => setTimeout(r, 500));
    equal(stateOf(el), 'error/unauthorized', 'still refused, not flickering to idle');
  });

  it('a token for the room: presence from load through the tokens relay', async () => {
    const room = uniqueRoom('visitor-token');
    const el = await button(`<rtc-call-button server="${relay.tokens}" room="${room}" incoming="off" token="${await token(room, 'caller')}"></rtc-call-button>`);
    await says(el, STATUS_TEXT['presence-offline']);
    assert(buttonsOf(el).every((b) => !b.disabled), 'the buttons work');
  });
});

describe('the desk', () => {
  it('an answerer token: no call buttons by default, "Waiting for calls."', async () => {
    const room = uniqueRoom('desk-token');
    const el = await button(`<rtc-call-button server="${relay.tokens}" room="${room}" token="${await token(room, 'answerer', 'Front desk')}"></rtc-call-button>`);
    await waitFor('linked', () => callController().snapshot.relayConnected, { timeoutMs: 10_000 });
    await says(el, STATUS_TEXT['desk-idle']);
    equal(names(el), 'Away', 'no call buttons: only Away, beside the status');
  });

  it('outgoing="off": no call buttons, "Waiting for calls."; a call it missed is listed (who, kind, when) until Clear', async () => {
    const room = uniqueRoom('desk');
    const el = await button(`<rtc-call-button server="${relay.url}" room="${room}" outgoing="off" lang="en"></rtc-call-button>`);
    await says(el, STATUS_TEXT['desk-idle']);
    equal(names(el), 'Away', 'no call buttons: only Away, beside the status');
    const vera = await member(room, { name: 'Vera', incoming: false });
    const c1 = vera.call('voice');
    await waitFor(() => `it rings (${stateOf(el)})`, () => el.getAttribute('state') === 'ringing', { timeoutMs: 10_000 });
    await el.updateComplete;
    equal(names(el), 'Accept|Decline', 'a ringing desk answers');
    vera.cancel(c1);
    await waitFor(() => `missed (${stateOf(el)})`, () => el.getAttribute('reason') === 'missed', { timeoutMs: 10_000 });
    const anon = await member(room, { incoming: false });
    const c2 = anon.call('video');
    await waitFor(() => `it rings again (${stateOf(el)})`, () => el.getAttribute('state') === 'ringing', { timeoutMs: 10_000 });
    anon.cancel(c2);
    const list = await waitFor('the list of missed calls', async () => {
      await el.updateComplete;
      const ul = shadow(el).querySelector('ul[aria-label="Missed calls"]');
      return ul && ul.querySelectorAll('li').length === 2 ? ul : null;
    }, { timeoutMs: 10_000 });
    const rows = [...list.querySelectorAll('li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    const missed = callController().snapshot.missed;
    const hhmm = (at: number): string => new Date(at).toLocaleTimeString('en', { timeStyle: 'short' });
    equal(JSON.stringify(rows), JSON.stringify([`Unknown caller · Video call · ${hhmm(missed[1]!.at)}`, `Vera · Voice call · ${hhmm(missed[0]!.at)}`]), 'newest first:');
    equal(list.querySelector('time')?.getAttribute('datetime'), new Date(missed[1]!.at).toISOString(), 'machine-readable time');
    assert(shadow(el).querySelector('[part~="missed"]')?.textContent?.includes('Missed calls (2)'), 'the count');
    buttonNamed(el, 'Clear')!.click();
    await el.updateComplete;
    equal(shadow(el).querySelector('ul[aria-label="Missed calls"]'), null, 'Clear empties it');
    equal(callController().snapshot.missed.length, 0);
    await says(el, STATUS_TEXT['missed-unnamed']);
  });

  it('an answerer token with outgoing="on" that calls anyway: the relay’s refusal ends it at once with its words, the camera is released', async () => {
    const room = uniqueRoom('desk-refused');
    const el = await button(`<rtc-call-button server="${relay.tokens}" room="${room}" outgoing="on" token="${await token(room, 'answerer')}"></rtc-call-button>`);
    await waitFor('linked', () => callController().snapshot.relayConnected, { timeoutMs: 10_000 });
    const t0 = performance.now();
    buttonNamed(el, 'Video call')!.click();
    await waitFor(() => `error/forbidden (is ${stateOf(el)})`, () => el.getAttribute('reason') === 'forbidden', { timeoutMs: 10_000 });
    assert(performance.now() - t0 < 5000, `at once (${Math.round(performance.now() - t0)} ms), not after a ring timeout`);
    equal(stateOf(el), 'error/forbidden');
    await says(el, STATUS_TEXT.forbidden);
    await waitFor('the camera is released', () => callController().snapshot.localStream === null, { timeoutMs: 5000 });
    equal(names(el), 'Video call|Voice call|Away', 'the buttons are back (Away: the page takes calls)');
  });
});
