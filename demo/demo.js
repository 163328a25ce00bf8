// The demo's one script (a file, so the pages' Content-Security-Policy needs no inline script).
// The room lives in the URL (?room=...): copy the link, or open a second tab, and both are in the
// same room. The support-line pages (call-us.html, desk.html) take the room the same way.
const ROOM = /^[A-Za-z0-9_.:@-]{1,64}$/;
const params = new URLSearchParams(location.search);
const randomRoom = () => 'room-' + Math.random().toString(36).slice(2, 8);
const fixed = document.body.dataset.room; // the support pages' default room
const buttons = document.querySelectorAll('rtc-call-button');
const roomInput = document.getElementById('room');
const policy = document.getElementById('policy');
const copy = document.getElementById('copy');
const copied = document.getElementById('copied');

function apply(room, ice) {
  for (const b of buttons) {
    b.setAttribute('room', room); // respected while idle; a call in progress keeps its room
    if (ice) b.setAttribute('ice-policy', ice);
    else b.removeAttribute('ice-policy');
  }
  if (roomInput) roomInput.value = room;
  if (policy) policy.value = ice;
  const q = new URLSearchParams({ room, ...(ice ? { policy: ice } : {}) });
  history.replaceState(null, '', '?' + q);
  for (const a of document.querySelectorAll('a[data-keep-room]')) a.search = '?' + q;
  if (copied) copied.textContent = '';
}

const asked = params.get('room');
apply(asked && ROOM.test(asked) ? asked : fixed || randomRoom(), params.get('policy') || '');

document.getElementById('picker')?.addEventListener('submit', (e) => {
  e.preventDefault();
  if (roomInput.reportValidity()) apply(roomInput.value, policy.value);
});
document.getElementById('random')?.addEventListener('click', () => apply(randomRoom(), policy.value));
copy?.addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    copied.textContent = 'Link copied. Open it in another tab or send it to someone.';
  } catch {
    copied.textContent = 'Copy this link: ' + location.href;
  }
});
