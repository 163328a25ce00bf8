// Group `elements`: the page takes every rtc-* element away mid-call (a single-page app navigates):
// after a short grace the call hangs up and camera and microphone are released; an element put
// back within the grace keeps the call. Real relay, a protocol-2 member as the other side.
import { callController } from '../../src/browser/instance.js';
import { ORPHAN_GRACE_MS } from '../../src/components/call-state-controller.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { Member } from './member.js';
import { buttonNamed, equal, mount, relayInfo, type RelayInfo } from './support.js';

let relay: RelayInfo;
const members: Member[] = [];
before(async () => {
  relay = await relayInfo();
});
afterEach(() => {
  for (const m of members.splice(0)) m.close();
  callController().hangUp();
});

/** A desk page whose call button rings from a member and takes the call. */
async function inCall(room: string): Promise<{ root: HTMLElement; ana: Member }> {
  const root = mount(`<rtc-call-button server="${relay.url}" room="${room}"></rtc-call-button><rtc-video-panel></rtc-video-panel>`);
  const el = root.querySelector('rtc-call-button')!;
  const ana = new Member(relay.url, room, { name: 'Ana' });
  members.push(ana);
  await ana.joined();
  await waitFor('the desk joined', () => callController().snapshot.relayConnected, { timeoutMs: 10_000 });
  ana.call('voice');
  await waitFor('ringing', () => el.getAttribute('state') === 'ringing', { timeoutMs: 10_000 });
  await el.updateComplete;
  buttonNamed(el, 'Accept')!.click();
  await waitFor('connected', () => el.getAttribute('state') === 'connected', { timeoutMs: 20_000 });
  return { root, ana };
}

const liveTracks = (): number => callController().snapshot.localStream?.getTracks().filter((t) => t.readyState === 'live').length ?? 0;

describe('lifecycle: the page takes the elements away', () => {
  it('every element removed: after the grace the call hangs up (bye to the other side), camera and mic released', async () => {
    const { root, ana } = await inCall(uniqueRoom('orphan'));
    const stream = callController().snapshot.localStream!;
    root.remove();
    await sleep(ORPHAN_GRACE_MS / 2);
    equal(callController().snapshot.state, 'connected', 'still up within the grace');
    await waitFor('hung up after the grace', () => callController().snapshot.state === 'ended', { timeoutMs: ORPHAN_GRACE_MS + 3000 });
    equal(callController().snapshot.reason, 'hang-up');
    await waitFor('the other side heard bye', () => ana.messages.some((m) => m.type === 'bye'), { timeoutMs: 5000 });
    equal(stream.getTracks().filter((t) => t.readyState === 'live').length, 0, 'every track stopped');
  });

  it('an element put back within the grace keeps the call', async () => {
    const { root } = await inCall(uniqueRoom('moved'));
    const parent = root.parentElement!;
    root.remove();
    await sleep(ORPHAN_GRACE_MS / 3);
    parent.append(root); // a re-render that moved the widget
    await sleep(ORPHAN_GRACE_MS + 500);
    equal(callController().snapshot.state, 'connected');
    equal(liveTracks() > 0, true, 'media still live');
  });
});
