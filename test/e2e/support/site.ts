import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The "site owner": a tiny static server on its own 127.0.0.1 port (another origin than
 * the relay, as in production) serving the test pages. The widget page loads the
 * relay's bundle with one script tag and uses the elements with attributes only.
 */
export interface Site {
  origin: string;
  /** URL of a widget page: `<rtc-call-button>` + `<rtc-video-panel>` + `<rtc-voice-graph>`. */
  widgetUrl(opts: WidgetPageOptions): string;
  /** URL of the straight-WebRTC-API page (bench baseline). */
  baselineUrl(opts: { room: string; policy?: 'all' | 'relay' }): string;
  /** URL of the tutorial's client (shared/seed), default room, policy all, no TURN. */
  tutorialUrl(): string;
  /** Where the pages load the Socket.IO client from: the relay's /socket.io/socket.io.js. */
  socketIoUrl: string;
  close(): Promise<void>;
}

export interface WidgetPageOptions {
  room: string;
  mode?: 'video' | 'voice' | 'both';
  policy?: 'all' | 'relay';
  /** Relay URL for the `server` attribute (default: the relay the site was built for). */
  server?: string;
  /** Include `<rtc-voice-graph>` (default true; the bench's video-call page has none, like its baseline). */
  graph?: boolean;
  /** `incoming` attribute: `off` makes a call-only page (default: the widget's, ring). */
  incoming?: 'ring' | 'off';
  /** `name` attribute: the display name callees see. */
  name?: string;
  /** `ring-timeout` attribute, seconds. */
  ringTimeout?: number;
  /** `token` attribute: a signed token for a relay that requires one. */
  token?: string;
  /** `connect` attribute: when the relay link opens (default: the widget's, intent for incoming="off"). */
  connect?: 'load' | 'intent' | 'click';
  /** `preconnect` attribute: `off` turns preconnect while ringing off (default: the widget's, on). */
  preconnect?: 'on' | 'off';
  /** `queue` attribute: `off` ends a call that finds every desk busy `busy` instead of waiting in line. */
  queue?: 'on' | 'off';
}

const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));
const page = (name: string): string => readFileSync(pagesDir + name, 'utf8');
const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function widgetPage(relay: string, q: URLSearchParams): string {
  const server = q.get('server') ?? relay;
  const policy = q.get('policy');
  const mode = q.get('mode');
  const extra = ['incoming', 'name', 'ring-timeout', 'token', 'connect', 'preconnect', 'queue']
    .filter((k) => q.get(k) !== null)
    .map((k) => ` ${k}="${attr(q.get(k)!)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>site owner's page</title>
<script src="/probe.js"></script>
<script src="${attr(relay)}/rtc-call.js"></script>
<style>body { font-family: sans-serif; margin: 8px; } rtc-video-panel { display: block; width: 480px; height: 270px; } rtc-voice-graph { display: block; width: 300px; height: 80px; }</style>
</head>
<body>
<h1>Talk to support</h1>
<rtc-call-button server="${attr(server)}" room="${attr(q.get('room') ?? 'lobby')}"${mode ? ` mode="${attr(mode)}"` : ''}${policy ? ` ice-policy="${attr(policy)}"` : ''}${extra}></rtc-call-button>
<rtc-video-panel></rtc-video-panel>
${q.get('graph') === '0' ? '' : '<rtc-voice-graph></rtc-voice-graph>\n'}</body>
</html>
`;
}

export async function startSite(relay: string): Promise<Site> {
  const socketIoUrl = `${relay}/socket.io/socket.io.js`;
  const fill = (html: string) => html.replaceAll('{{RELAY}}', relay).replaceAll('{{SOCKETIO}}', socketIoUrl);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let body: string | null = null;
    let type = 'text/html; charset=utf-8';
    if (url.pathname === '/probe.js') {
      body = page('probe.js');
      type = 'text/javascript; charset=utf-8';
    } else if (url.pathname === '/widget.html') body = widgetPage(relay, url.searchParams);
    else if (url.pathname === '/baseline.html') body = fill(page('baseline.html'));
    else if (url.pathname === '/tutorial.html') body = fill(page('tutorial.html'));
    if (body === null) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const qs = (o: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return {
    origin,
    widgetUrl: (o) =>
      `${origin}/widget.html?${qs({
        room: o.room, mode: o.mode, policy: o.policy, server: o.server, graph: o.graph === false ? '0' : undefined,
        incoming: o.incoming, name: o.name, 'ring-timeout': o.ringTimeout === undefined ? undefined : String(o.ringTimeout), token: o.token,
        connect: o.connect, preconnect: o.preconnect, queue: o.queue,
      })}`,
    baselineUrl: (o) => `${origin}/baseline.html?${qs({ room: o.room, policy: o.policy })}`,
    tutorialUrl: () => `${origin}/tutorial.html`,
    socketIoUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
