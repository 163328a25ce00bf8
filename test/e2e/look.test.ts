/**
 * The two screens as people see them (issue 20): the demo's support line — the visitor's
 * "Call us" page (incoming="off") and the desk's page — served by the built relay, in real
 * Chromium with fake devices, on a desktop (1280x720) and a phone (375x740):
 *  - axe-core scans the widget (the call button and the panel, shadow roots included) in every
 *    state: idle, the visitor's pre-call check (prejoin), ringing (the visitor calling), incoming
 *    (the desk), the desk's idle screen with a missed call, in a call, Devices open, ended — no
 *    violation inside the widget;
 *  - each in-call control exists once on the page; Tab follows the visual order; every control
 *    shows a focus ring of at least 3:1 against what is behind it; Escape closes Devices and
 *    returns focus to its button; Full screen fills the screen and its button then reads
 *    "Exit full screen";
 *  - on the phone: no horizontal overflow, every control inside the viewport, none overlapping
 *    another, the in-call controls one row of 44 px targets, the video the larger part of it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './support/browsers.js';
import { requireBinary } from './support/deps.js';
import { startRelay, type Relay } from './support/relay.js';
import { uniqueRoom } from '../support/wait.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 375, height: 740 };

let relay: Relay;
let browser: Browser;
let profile: string;

before(async () => {
  relay = await startRelay();
  profile = mkdtempSync(join(tmpdir(), 'rtc-e2e-look-'));
  browser = await chromium.launch({ executablePath: requireBinary('/usr/bin/chromium', 'chromium'), headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await relay?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// ---- in the page ---------------------------------------------------------------------------------

/** Every visible button and select of the widget (shadow roots included), with name and box. */
const LABEL_OF = `const labelOf = (el) => [...el.closest('label').childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();`;
const CONTROLS = `(() => {
  ${LABEL_OF}
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if ((el.localName === 'button' || el.localName === 'select') && el.checkVisibility()) {
        const r = el.getBoundingClientRect();
        const name = el.localName === 'select' ? labelOf(el) : (el.getAttribute('aria-label') || el.textContent).trim();
        out.push({ tag: el.localName, name, x: r.x, y: r.y, w: r.width, h: r.height });
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  for (const host of document.querySelectorAll('rtc-call-button, rtc-video-panel')) walk(host.shadowRoot);
  return out;
})()`;
interface Control {
  tag: string;
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What has focus (through shadow roots): its name, box, outline, and the contrast of its ring against what is behind. */
const FOCUSED = `(() => {
  ${LABEL_OF}
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (!a || a === document.body) return null;
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  // What is behind the ring: the first painted background up the tree (through shadow hosts),
  // composited over white (the worst case for a light ring over video).
  let bg = [255, 255, 255];
  for (let e = a.parentElement || a.getRootNode().host; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
    const [r, g, b, al] = rgba(getComputedStyle(e).backgroundColor);
    if (al > 0) { bg = [r * al + 255 * (1 - al), g * al + 255 * (1 - al), b * al + 255 * (1 - al)]; break; }
  }
  const s = getComputedStyle(a);
  const ring = rgba(s.outlineColor);
  const [l1, l2] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  const name = a.localName === 'select' ? labelOf(a) : (a.getAttribute('aria-label') || a.textContent).trim();
  const r = a.getBoundingClientRect();
  return { name: a.localName + ':' + name, outline: s.outlineStyle + ' ' + s.outlineWidth, contrast: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100, x: r.x, y: r.y };
})()`;
interface Focused {
  name: string;
  outline: string;
  contrast: number;
  x: number;
  y: number;
}

async function open(file: string, room: string, viewport: { width: number; height: number }): Promise<Page> {
  // bypassCSP: the demo's policy (rightly) refuses the test's injected axe-core.
  const ctx = await browser.newContext({ viewport, hasTouch: viewport === PHONE, bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(`${relay.url}/${file}?room=${room}`, { waitUntil: 'networkidle' });
  await page.addScriptTag({ content: AXE });
  return page;
}

const state = (p: Page): Promise<string | null> => p.evaluate(() => document.querySelector('rtc-call-button')!.getAttribute('state'));
const inState = (p: Page, s: string): Promise<unknown> =>
  p.waitForFunction((s) => document.querySelector('rtc-call-button')?.getAttribute('state') === s, s, { timeout: 20_000 });
const controls = (p: Page): Promise<Control[]> => p.evaluate(CONTROLS) as Promise<Control[]>;
const focused = (p: Page): Promise<Focused | null> => p.evaluate(FOCUSED) as Promise<Focused | null>;

async function press(p: Page, name: string): Promise<void> {
  const find = async () => (await controls(p)).find((x) => x.tag === 'button' && x.name === name);
  // A button a render away (Start call after Video call) is waited for, a little.
  for (let i = 0; i < 50 && !(await find()); i++) await p.waitForTimeout(100);
  const c = await find();
  assert.ok(c, `a visible button named ${name} (${(await controls(p)).map((x) => x.name).join(', ')})`);
  await p.mouse.click(c.x + c.w / 2, c.y + c.h / 2);
}

/**
 * axe-core over the widget's elements (their shadow roots too): no violation, by rule and target.
 * Returns how many buttons it checked for a name (proof that it looked inside the shadow roots).
 */
async function axe(p: Page, what: string): Promise<number> {
  await p.mouse.move(0, 0);
  const r = (await p.evaluate(async () => {
    type Result = { id: string; nodes: Array<{ target: unknown }> };
    const w = window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Result[]; passes: Result[] }> } };
    const r = await w.axe.run({ include: [['rtc-call-button'], ['rtc-video-panel']] }, {});
    return {
      violations: r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`),
      named: r.passes.find((x) => x.id === 'button-name')?.nodes.length ?? 0,
    };
  })) as { violations: string[]; named: number };
  assert.deepEqual(r.violations, [], `${what}: axe-core violations inside the widget`);
  return r.named;
}

/** No two controls overlap, each lies inside the viewport, the page does not scroll sideways. */
async function fits(p: Page, what: string, viewport: { width: number; height: number }): Promise<Control[]> {
  const cs = await controls(p);
  const sizes = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(sizes.scroll <= sizes.inner, `${what}: no horizontal overflow (${sizes.scroll} > ${sizes.inner})`);
  for (const c of cs)
    assert.ok(c.x >= 0 && c.y >= 0 && c.x + c.w <= viewport.width && c.y + c.h <= viewport.height, `${what}: ${c.name} inside the viewport ${JSON.stringify(c)}`);
  for (const a of cs)
    for (const b of cs)
      if (a !== b)
        assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${what}: ${a.name} overlaps ${b.name}`);
  return cs;
}

const IN_CALL = ['Mute', 'Camera off', 'Share screen', 'Devices', 'Hang up'];

/** The whole support line on one screen size: every state scanned, checked and (on the phone) measured. */
async function walkThrough(viewport: { width: number; height: number }, phone: boolean): Promise<void> {
  const room = uniqueRoom('look');
  const desk = await open('desk.html', room, viewport);
  const visitor = await open('call-us.html', room, viewport);
  try {
    const both = async (what: string) => {
      for (const [p, role] of [[visitor, 'visitor'], [desk, 'desk']] as const) {
        await axe(p, `${role} ${what}`);
        if (phone) await fits(p, `${role} ${what}`, viewport);
      }
    };
    await both('idle');

    // The visitor's page checks camera and microphone first (prejoin).
    const one = async (p: Page, what: string) => {
      await axe(p, what);
      if (phone) await fits(p, what, viewport);
    };
    await press(visitor, 'Video call');
    await visitor.waitForFunction(() => !!document.querySelector('rtc-call-button')!.shadowRoot!.querySelector('[part~="prejoin"] option'), undefined, { timeout: 10_000 });
    await one(visitor, 'visitor pre-call check');
    await press(visitor, 'Start call');
    await inState(desk, 'ringing');
    await inState(visitor, 'waiting');
    await both('ringing / incoming');

    // The visitor gives up: the desk waits for calls and lists the missed one.
    await press(visitor, 'Cancel');
    await desk.waitForFunction(() => !!document.querySelector('rtc-call-button')!.shadowRoot!.querySelector('[part~="missed"] li'), undefined, { timeout: 10_000 });
    await one(desk, 'desk with a missed call');
    assert.ok(!(await controls(desk)).some((c) => c.name === 'Video call' || c.name === 'Voice call'), 'the desk places no calls');

    // The relay takes one call request a second from a socket (limits-ring.ts minGapMs).
    await visitor.waitForTimeout(1100);
    await press(visitor, 'Video call');
    await press(visitor, 'Start call');
    await inState(desk, 'ringing');
    await press(desk, 'Accept');
    await inState(visitor, 'connected');
    await inState(desk, 'connected');
    await visitor.waitForFunction(() => document.querySelector('rtc-call-button')!.hasAttribute('quality'), undefined, { timeout: 10_000 });
    await both('in a call');
    assert.ok((await axe(visitor, 'visitor in a call')) >= IN_CALL.length + 1, 'axe-core checked the buttons inside the shadow roots');

    // Each control once on the page.
    const names = (await controls(visitor)).map((c) => c.name);
    for (const n of IN_CALL) assert.equal(names.filter((x) => x === n).length, 1, `one ${n} on the page (${names.join(', ')})`);

    if (phone) {
      const cs = (await controls(visitor)).filter((c) => IN_CALL.includes(c.name));
      assert.equal(new Set(cs.map((c) => Math.round(c.y))).size, 1, `the in-call controls are one row: ${JSON.stringify(cs)}`);
      for (const c of cs) assert.ok(c.w >= 44 && c.h >= 44, `${c.name} is a 44 px target (${c.w}x${c.h})`);
      const stage = await visitor.evaluate(() => {
        const r = document.querySelector('rtc-video-panel')!.shadowRoot!.querySelector('[part~="stage"]')!.getBoundingClientRect();
        return { w: r.width, h: r.height };
      });
      assert.ok(stage.h > viewport.height / 2, `the video is the larger part of the screen (${stage.w}x${stage.h})`);
    } else {
      // Tab from the top of the widget: the visual order (top bar left to right, then the bottom bar).
      await visitor.evaluate(() => {
        const m = document.createElement('div');
        m.tabIndex = -1;
        document.querySelector('rtc-call-button')!.before(m);
        m.focus();
      });
      const order: Focused[] = [];
      for (let i = 0; i < 7; i++) {
        await visitor.keyboard.press('Tab');
        const f = await focused(visitor);
        if (f) order.push(f);
      }
      const inWidget = order.filter((f) => !f.name.startsWith('a:'));
      assert.deepEqual(
        inWidget.map((f) => f.name),
        ['button:Picture in picture', 'button:Full screen', ...IN_CALL.map((n) => `button:${n}`)],
        'Tab follows the bars',
      );
      for (let i = 1; i < inWidget.length; i++) {
        const [a, b] = [inWidget[i - 1]!, inWidget[i]!];
        assert.ok(b.y > a.y + 4 || (Math.abs(b.y - a.y) <= 4 && b.x > a.x), `${b.name} comes after ${a.name} on the screen`);
      }
      for (const f of inWidget) {
        assert.match(f.outline, /^solid [3-9]/, `${f.name} shows a focus ring (${f.outline})`);
        assert.ok(f.contrast >= 3, `${f.name}'s ring is 3:1 against its background (${f.contrast})`);
      }
    }

    // Devices: opens, is scanned, Escape closes it and focus is back on its button.
    await press(visitor, 'Devices');
    await visitor.waitForFunction(() => !!document.querySelector('rtc-video-panel')!.shadowRoot!.querySelector('[part~="devices"] option'));
    await both('Devices open');
    await visitor.keyboard.press('Tab');
    assert.equal((await focused(visitor))?.name, 'select:Camera', 'the menu follows its button in the Tab order');
    assert.ok((await focused(visitor))!.contrast >= 3, 'the select shows a focus ring');
    await visitor.keyboard.press('Escape');
    await visitor.waitForFunction(() => !document.querySelector('rtc-video-panel')!.shadowRoot!.querySelector('[part~="devices"]'));
    assert.equal((await focused(visitor))?.name, 'button:Devices', 'Escape put focus back on Devices');

    if (!phone) {
      // Full screen: the panel (video and both bars) fills the screen; the button says how to leave.
      await press(visitor, 'Full screen');
      await visitor.waitForFunction(() => document.fullscreenElement?.localName === 'rtc-video-panel', undefined, { timeout: 5000 });
      const stage = await visitor.evaluate(() => {
        const r = document.querySelector('rtc-video-panel')!.shadowRoot!.querySelector('[part~="stage"]')!.getBoundingClientRect();
        return { w: r.width, h: r.height, vw: innerWidth, vh: innerHeight };
      });
      assert.deepEqual([stage.w, stage.h], [stage.vw, stage.vh], 'the stage fills the screen');
      assert.ok((await controls(visitor)).some((c) => c.name === 'Exit full screen'), 'the button now reads Exit full screen');
      assert.ok((await controls(visitor)).some((c) => c.name === 'Hang up'), 'the controls are still there');
      await press(visitor, 'Exit full screen');
      await visitor.waitForFunction(() => !document.fullscreenElement);
    }

    await press(visitor, 'Hang up');
    await inState(visitor, 'ended');
    await inState(desk, 'ended');
    await both('ended');
    assert.equal(await state(desk), 'ended');
    // The desk's focus was on the call's controls (Accept handed it over): with them gone it lands
    // on the status line, not on Clear (one more Enter would empty the missed calls).
    await desk.waitForFunction(() => document.activeElement?.localName === 'rtc-call-button', undefined, { timeout: 5000 });
    assert.match((await focused(desk))?.name ?? '', /^p:/, 'the desk’s focus is on its status line');
  } finally {
    await desk.context().close();
    await visitor.context().close();
  }
}

describe('the demo’s index page', () => {
  it('one link to share: the room is in the URL, the second-tab and support-line links carry it, the room field’s pattern compiles and applies', async () => {
    const ctx = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
    const page = await ctx.newPage();
    const console: string[] = [];
    page.on('console', (m) => console.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.push(`[pageerror] ${e.message}`));
    const missing: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && missing.push(`${r.status()} ${r.url()}`)));
    try {
      await page.goto(`${relay.url}/`, { waitUntil: 'networkidle' });
      // (location, not page.url(): Playwright's URL can lag a replaceState.)
      const room = new URL(await page.evaluate<string>('location.href')).searchParams.get('room');
      assert.match(room ?? '', /^room-[a-z0-9]+$/, 'a new room, put in the URL');
      const seen = await page.evaluate(() => ({
        button: document.querySelector('rtc-call-button')!.getAttribute('room'),
        links: [...document.querySelectorAll('a[data-keep-room]')].map((a) => (a as HTMLAnchorElement).href),
        copy: !!document.querySelector('#copy'),
      }));
      assert.equal(seen.button, room, 'the call button uses it');
      assert.ok(seen.copy, 'a Copy link button');
      assert.deepEqual(
        seen.links.map((l) => new URL(l).pathname + new URL(l).search),
        [`/?room=${room}`, `/call-us.html?room=${room}`, `/desk.html?room=${room}`],
        'the second tab and the support line open in the same room',
      );
      // A pattern the browser cannot compile is ignored (every value passes) and logged.
      // (A string: tsx would wrap a named arrow function in a helper the page does not have.)
      const valid = await page.evaluate(`(() => {
        const i = document.querySelector('#room');
        const check = (v) => ((i.value = v), i.checkValidity());
        return { good: check('desk-1.a:b@c'), bad: check('no spaces') };
      })()`);
      assert.deepEqual(valid, { good: true, bad: false }, 'the room field’s pattern applies');
      assert.deepEqual(console.filter((l) => /pattern|error/i.test(l) && !/Failed to load resource/.test(l)), [], 'no pattern error, no page error');
      assert.deepEqual(missing, [], 'every file the page asks for is there (but a favicon)');
    } finally {
      await ctx.close();
    }
  });
});

describe('the support line, as people see it', () => {
  it('desktop 1280x720: axe-core finds no violation in any state; each control once; Tab in visual order with 3:1 focus rings; Escape closes Devices; Full screen fills the screen and reads Exit', () =>
    walkThrough(DESKTOP, false));
  it('phone 375x740: axe-core clean in every state; no horizontal overflow, every control inside the viewport and none overlapping; the controls one row of 44 px targets; the video the larger part', () =>
    walkThrough(PHONE, true));
});
