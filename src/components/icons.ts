/**
 * The icons the elements draw, from Lucide (ISC licence), imported one file each so only these
 * reach the bundle. Lucide gives each icon as data (`[tag, attributes]` pairs); `icon()` turns it
 * into inline SVG, drawn in `currentColor` (its stroke set by `.icon` in styles/controls.ts) and hidden from assistive technology (the button or
 * mark around it carries the name).
 */
import { html, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import Coffee from 'lucide/dist/esm/icons/coffee.mjs';
import Maximize from 'lucide/dist/esm/icons/maximize.mjs';
import Mic from 'lucide/dist/esm/icons/mic.mjs';
import MicOff from 'lucide/dist/esm/icons/mic-off.mjs';
import Minimize from 'lucide/dist/esm/icons/minimize.mjs';
import Phone from 'lucide/dist/esm/icons/phone.mjs';
import PhoneOff from 'lucide/dist/esm/icons/phone-off.mjs';
import PictureInPicture from 'lucide/dist/esm/icons/picture-in-picture-2.mjs';
import ScreenShare from 'lucide/dist/esm/icons/screen-share.mjs';
import Settings from 'lucide/dist/esm/icons/settings.mjs';
import Video from 'lucide/dist/esm/icons/video.mjs';
import VideoOff from 'lucide/dist/esm/icons/video-off.mjs';

export type IconNode = ReadonlyArray<readonly [tag: string, attrs: Readonly<Record<string, string | number>>]>;

export const ICONS = { Coffee, Maximize, Mic, MicOff, Minimize, Phone, PhoneOff, PictureInPicture, ScreenShare, Settings, Video, VideoOff } satisfies Record<
  string,
  IconNode
>;

const drawn = new Map<IconNode, SVGTemplateResult>();

/**
 * The icon's shapes as a Lit `svg` template made once per icon: the markup is Lucide's static
 * data (no page or user text), so it is handed to Lit as the template's only string, and Lit
 * parses it once and reuses it on every render.
 */
const shapes = (node: IconNode): SVGTemplateResult => {
  let t = drawn.get(node);
  if (!t) {
    const markup = node.map(([tag, a]) => `<${tag} ${Object.entries(a).map(([k, v]) => `${k}="${v}"`).join(' ')}/>`).join('');
    t = svg(Object.assign([markup], { raw: [markup] }) as unknown as TemplateStringsArray);
    drawn.set(node, t);
  }
  return t;
};

export const icon = (node: IconNode): TemplateResult =>
  html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true">${shapes(node)}</svg>`;
