/** `GET /presence?room=R`: who takes calls in a room, for a page not linked to the relay yet. */
import { parsePresence, type PresencePayload } from '../protocol/index.js';

export async function fetchPresence(server: string, room?: string, token?: string): Promise<PresencePayload> {
  // A hidden page needs no fresh counts (nobody reads them); the next poll after it shows does.
  if (document.hidden) throw new Error('hidden');
  const url = new URL('/presence', server);
  if (room) url.searchParams.set('room', room);
  const res = await fetch(url, { credentials: 'omit', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  const body = (await res.json()) as { code?: string };
  const p = res.ok && parsePresence(body);
  // A refusal keeps the relay's code (unauthorized, bad-room): the phone shows it from load.
  if (!p) throw Object.assign(new Error(`/presence: HTTP ${res.status}`), { code: body.code });
  return p;
}
