#!/usr/bin/env node
// Takes the pictures in docs/images/: every state of the support line's two pages (the visitor's
// "Call us" page and the desk's page, from demo/) on a desktop (1280x720) and a phone (375x740):
// idle, the visitor's pre-call check, ringing (the visitor calling), incoming (the desk), the desk's
// missed call (the visitor gave up), in a call, the Devices menu open, ended.
// Real Chromium (Debian's), fake camera and microphone, the built relay serving the demo.
// Run inside a network namespace (loopback ICE only), after `npm run build`:
//   node scripts/netns.mjs node scripts/screenshots.mjs
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = join(root, 'docs', 'images');
const { buildRelay } = await import(new URL('build/server/index.js', new URL('../', import.meta.url)).href);

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
  '--hide-scrollbars',
];
const SIZES = { desktop: { width: 1280, height: 720 }, phone: { width: 375, height: 740 } };

const state = (page) => page.evaluate(() => document.querySelector('rtc-call-button').getAttribute('state'));
const until = (page, what, fn, arg) => page.waitForFunction(fn, arg, { timeout: 20_000 }).catch((e) => {
  throw new Error(`${what}: ${e.message}`);
});
const inState = (page, s) => until(page, `state ${s}`, (s) => document.querySelector('rtc-call-button')?.getAttribute('state') === s, s);
/** Clicks the button with this accessible name, shadow roots included (as a person would: a real click). */
async function press(page, name) {
  const h = await until(page, `button ${name}`, (name) => {
    const walk = (r) => {
      for (const el of r.querySelectorAll('*')) {
        if (el.localName === 'button' && (el.getAttribute('aria-label') || el.textContent).trim() === name && el.offsetParent !== null) return el;
        const f = el.shadowRoot && walk(el.shadowRoot);
        if (f) return f;
      }
      return null;
    };
    return walk(document);
  }, name);
  await h.asElement().click();
}

const app = await buildRelay({ logLevel: 'warn', maxSocketsPerAddress: 10_000, handshakesPerSecond: 10_000 });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.server.address().port}`;
const profile = mkdtempSync(join(tmpdir(), 'rtc-shots-'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
mkdirSync(out, { recursive: true });
const taken = [];
try {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const room = `shots-${size}-${Date.now().toString(36)}`;
    const open = async (file) => {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1, hasTouch: size === 'phone', isMobile: size === 'phone' });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error(`[${file}] ${e.message}`));
      await page.goto(`${base}/${file}?room=${room}`, { waitUntil: 'networkidle' });
      return page;
    };
    const desk = await open('desk.html');
    const visitor = await open('call-us.html');
    const shot = async (page, role, name) => {
      await page.mouse.move(0, 0);
      await page.waitForTimeout(300);
      const file = join(out, `${size}-${role}-${name}.png`);
      await page.screenshot({ path: file });
      taken.push(file);
    };
    {
      await visitor.waitForTimeout(1500);
      await shot(visitor, 'visitor', 'idle');
      await shot(desk, 'desk', 'idle');
      await press(visitor, 'Video call');
      await until(visitor, 'the pre-call check', () => !!document.querySelector('rtc-call-button').shadowRoot.querySelector('[part~="prejoin"] video')?.videoWidth);
      await visitor.waitForTimeout(500);
      await shot(visitor, 'visitor', 'prejoin');
      await press(visitor, 'Start call');
      await inState(desk, 'ringing');
      await inState(visitor, 'waiting');
      await shot(visitor, 'visitor', 'ringing');
      await shot(desk, 'desk', 'incoming');
      // The visitor gives up: the desk lists a missed call.
      await press(visitor, 'Cancel');
      await until(desk, 'a missed call', () => !!document.querySelector('rtc-call-button').shadowRoot.querySelector('[part~="missed"] li'));
      await shot(desk, 'desk', 'missed');
      await press(visitor, 'Video call');
      await press(visitor, 'Start call');
      await inState(desk, 'ringing');
      await press(desk, 'Accept');
      await inState(visitor, 'connected');
      await inState(desk, 'connected');
      await until(visitor, 'quality', () => document.querySelector('rtc-call-button').hasAttribute('quality'));
      await until(desk, 'quality', () => document.querySelector('rtc-call-button').hasAttribute('quality'));
      await visitor.waitForTimeout(1500);
      await shot(visitor, 'visitor', 'in-call');
      await shot(desk, 'desk', 'in-call');
      for (const [page, role] of [[visitor, 'visitor'], [desk, 'desk']]) {
        await press(page, 'Devices');
        await page.waitForTimeout(500);
        await shot(page, role, 'devices');
        await page.keyboard.press('Escape');
      }
      await press(visitor, 'Hang up');
      await inState(visitor, 'ended');
      await inState(desk, 'ended');
      await shot(visitor, 'visitor', 'ended');
      await shot(desk, 'desk', 'ended');
    }
    console.log(`${size}: states ${await state(visitor)} / ${await state(desk)}`);
    await desk.context().close();
    await visitor.context().close();
  }
} finally {
  await browser.close();
  await app.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(taken.map((f) => f.slice(root.length)).join('\n'));
