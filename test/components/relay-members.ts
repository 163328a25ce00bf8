/**
 * The setup of the element tests that call through the real relay with protocol-2 members
 * (member.ts): importing this module registers it for the whole file. `relay` is the test relay
 * (set before the first test); `member()` joins one to a room. After each test the members are
 * closed, the page's call is hung up (and its missed calls cleared, for files that ask with
 * `clearMissedAfterEach()`), and the page is emptied.
 */
import { callController } from '../../src/browser/instance.js';
import { Member } from './member.js';
import { relayInfo, type RelayInfo } from './support.js';

export let relay: RelayInfo;
before(async () => {
  relay = await relayInfo();
});

const members: Member[] = [];
/** A member of `room`, closed after the test. */
export const member = async (room: string, o: ConstructorParameters<typeof Member>[2] = {}): Promise<Member> => {
  const m = new Member(relay.url, room, o);
  members.push(m);
  return m.joined();
};

let clearMissed = false;
/** Each test starts without the missed calls (and their Clear button) of the one before. */
export const clearMissedAfterEach = (): void => void (clearMissed = true);

afterEach(() => {
  for (const m of members.splice(0)) m.close();
  callController().hangUp();
  if (clearMissed) callController().clearMissed();
  document.body.innerHTML = '';
});
