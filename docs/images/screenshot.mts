// Takes docs/images/call.png, the README's screenshot of a real call: the built relay's demo page in
// two Chromium instances, same room, both clicked "Video call"; the second page is shot once both
// are connected and remote frames are decoded. Run after `npm run build`:
//   node scripts/netns.mjs node --import tsx docs/images/screenshot.mts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startRelay } from '../../test/e2e/support/relay.ts';
import { CHROMIUM_ARGS } from '../../test/e2e/support/browsers.ts';
import { waitFor, sleep } from '../../test/support/wait.ts';

const relay = await startRelay();
const dirs: string[] = [];
const launch = async () => {
  const d = mkdtempSync(join(tmpdir(), 'shot-'));
  dirs.push(d);
  return chromium.launchPersistentContext(d, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 560, height: 400 }, deviceScaleFactor: 1 });
};
const a = await launch();
const b = await launch();
try {
  const pa = await a.newPage();
  const pb = await b.newPage();
  const url = `${relay.url}/?room=support-42`;
  for (const p of [pa, pb]) await p.goto(url, { waitUntil: 'networkidle' });
  await pa.getByRole('button', { name: 'Video call' }).click();
  await sleep(500);
  await pb.getByRole('button', { name: 'Video call' }).click();
  const state = (p: typeof pa) => p.evaluate(() => document.querySelector('rtc-call-button')!.getAttribute('state'));
  await waitFor('both connected', async () => (await state(pa)) === 'connected' && (await state(pb)) === 'connected', { timeoutMs: 20000 });
  await waitFor('remote frames', () => pb.evaluate(() => (document.querySelector('rtc-video-panel')!.shadowRoot!.querySelector('video[part~=remote-video]') as HTMLVideoElement).videoWidth > 0), { timeoutMs: 10000 });
  await sleep(1500);
  await pb.screenshot({ path: new URL('call.png', import.meta.url).pathname, fullPage: true });
  console.log('saved');
} finally {
  await a.close();
  await b.close();
  await relay.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
