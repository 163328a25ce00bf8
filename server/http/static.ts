/**
 * Serves the demo page (demo/) and the widget bundle (dist/) at `/`, so
 * `<script src="https://relay.example/rtc-call.js">` works from any allowed site.
 * The bundle is built separately (`npm run build:widget`); until it exists the
 * relay answers its URL with a 404 that says how to build it, and keeps running.
 * The demo is off unless asked for in production (options.ts). Both get security headers
 * (@fastify/helmet): nosniff, a Referrer-Policy, and for the demo a Content-Security-Policy;
 * the bundle keeps `Cross-Origin-Resource-Policy: cross-origin`, as other sites include it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { setCorsHeaders, type AllowedOrigins } from './cors.js';
import { PLAIN_HEADERS } from './security-headers.js';

export interface StaticDirs {
  /** The demo page (index.html at `/`). */
  demo: string;
  /** The built widget (`rtc-call.js` and friends). */
  dist: string;
}

/** Finds this package's root from here, both as server/*.ts (tsx) and as build/server/*.js. */
function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rtc-call') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    if (dirname(dir) === dir) return process.cwd();
  }
}

export const defaultStaticDirs = (): StaticDirs => {
  const root = packageRoot();
  return { demo: join(root, 'demo'), dist: join(root, 'dist') };
};

/** URLs that are the widget bundle (so a 404 there means "not built", not "no such page"). */
const BUNDLE_PATH = /^\/rtc-call[\w.-]*\.(?:m?js|map|d\.ts)$/;

export interface StaticFilesOptions {
  /** Default: this package's demo/ and dist/. */
  dirs?: StaticDirs;
  allowedOrigins: AllowedOrigins;
  /** Serve the demo page (default true; the relay's `demo` option). */
  demo?: boolean;
}

/**
 * The demo page's Content-Security-Policy: its own scripts (the bundle, and its inline scripts
 * by hash, so no other inline script runs), the relay's socket and /ice-servers ('self', which
 * covers ws: and wss: on the same host), camera and microphone streams, inline styles (Lit's
 * styles and the page's own), and nothing else: no plugins, no framing by other sites.
 */
export function demoCsp(html: string): string {
  const hashes = [...html.matchAll(/<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    ["script-src 'self'", ...hashes].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** Not encapsulated: its not-found handler is the app's. */
export const staticFiles = fp<StaticFilesOptions>(
  async (app, o) => {
    const dirs = o.dirs ?? defaultStaticDirs();
    const demo = o.demo !== false;
    const roots = (demo ? [dirs.demo, dirs.dist] : [dirs.dist]).filter((d, i, all) => all.indexOf(d) === i);
    const demoPage = join(dirs.demo, 'index.html');
    if (!existsSync(join(dirs.dist, 'rtc-call.js')))
      app.log.warn(`the widget bundle is not built (${join(dirs.dist, 'rtc-call.js')} is missing): /rtc-call.js answers 404 until \`npm run build:widget\` runs`);

    await app.register(async (scope) => {
      await scope.register(helmet, {
        // The demo's policy is made per response (demoCsp); a policy on a script file means nothing.
        contentSecurityPolicy: false,
        // Other sites' pages include the bundle: same-origin (helmet's default) would block them.
        crossOriginResourcePolicy: { policy: 'cross-origin' },
        // HSTS is the TLS proxy's to set, for the names it serves.
        strictTransportSecurity: false,
      });
      // Module scripts (`<script type="module">`) and `crossorigin` scripts need CORS.
      scope.addHook('onRequest', async (req, reply) => {
        setCorsHeaders(req, reply, o.allowedOrigins);
      });
      if (demo) {
        // Read at every request (a small file), so the policy's script hashes always match the page served.
        const page = (file: string) => async (_req: unknown, reply: FastifyReply) => {
          let html: string;
          try {
            html = await readFile(file, 'utf8');
          } catch {
            return reply.code(404).send({ error: 'Not Found', message: `no demo page: ${file} is missing` });
          }
          return reply.header('content-security-policy', demoCsp(html)).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
        };
        scope.get('/', page(demoPage));
        scope.get('/index.html', page(demoPage));
        // The demo's other pages (the support line's "Call us" and desk pages) get the same policy.
        const others = existsSync(dirs.demo) ? readdirSync(dirs.demo).filter((f) => /^[\w-]+\.html$/.test(f) && f !== 'index.html') : [];
        for (const f of others) scope.get(`/${f}`, page(join(dirs.demo, f)));
      } else {
        const off = async (_req: unknown, reply: FastifyReply) =>
          reply.code(404).send({ error: 'Not Found', message: 'the demo page is off (NODE_ENV=production): set DEMO=on to serve it' });
        scope.get('/', off);
        scope.get('/index.html', off);
      }
      // Looked up at request time, in order: a bundle built after start is served without a restart.
      await scope.register(fastifyStatic, { root: roots, prefix: '/', wildcard: true, index: false, cacheControl: true, maxAge: 0 });
    });

    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      reply.headers(PLAIN_HEADERS);
      if (BUNDLE_PATH.test(path) && !existsSync(join(dirs.dist, path)))
        return reply.code(404).send({
          error: 'Not Found',
          message: `the widget bundle ${path} is not built yet: run \`npm run build:widget\` (or \`npm run build\`) in the relay's directory`,
        });
      return reply.code(404).send({ error: 'Not Found', message: `${req.method} ${path} not found` });
    });
  },
  { name: 'rtc-call-relay-static', fastify: '5.x' },
);
