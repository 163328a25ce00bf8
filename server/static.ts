/**
 * Serves the demo page (demo/) and the widget bundle (dist/) at `/`, so
 * `<script src="https://relay.example/rtc-call.js">` works from any allowed site.
 * The bundle is built separately (`npm run build:widget`); until it exists the
 * relay answers its URL with a 404 that says how to build it, and keeps running.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { setCorsHeaders, type AllowedOrigins } from './cors.js';

export interface StaticDirs {
  /** The demo page (index.html at `/`). */
  demo: string;
  /** The built widget (`rtc-call.js` and friends). */
  dist: string;
}

/** Finds this package's root from here, both as server/*.ts (tsx) and as build/server/*.js. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
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
}

/** Not encapsulated: its not-found handler is the app's. */
export const staticFiles = fp<StaticFilesOptions>(
  async (app, o) => {
    const dirs = o.dirs ?? defaultStaticDirs();
    const roots = [dirs.demo, dirs.dist].filter((d, i, all) => all.indexOf(d) === i);
    if (!existsSync(join(dirs.dist, 'rtc-call.js')))
      app.log.warn(`the widget bundle is not built (${join(dirs.dist, 'rtc-call.js')} is missing): /rtc-call.js answers 404 until \`npm run build:widget\` runs`);

    await app.register(async (scope) => {
      // Module scripts (`<script type="module">`) and `crossorigin` scripts need CORS.
      scope.addHook('onRequest', async (req, reply) => {
        setCorsHeaders(req, reply, o.allowedOrigins);
        reply.header('cross-origin-resource-policy', 'cross-origin');
      });
      // Looked up at request time, in order: a bundle built after start is served without a restart.
      await scope.register(fastifyStatic, { root: roots, prefix: '/', wildcard: true, cacheControl: true, maxAge: 0 });
    });

    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      if (BUNDLE_PATH.test(path) && !existsSync(join(dirs.dist, path)))
        return reply.code(404).send({
          error: 'Not Found',
          message: `the widget bundle ${path} is not built yet: run \`npm run build:widget\` (or \`npm run build\`) in the relay's directory`,
        });
      if (path === '/' && !existsSync(join(dirs.demo, 'index.html')))
        return reply.code(404).send({ error: 'Not Found', message: `no demo page: ${join(dirs.demo, 'index.html')} is missing` });
      return reply.code(404).send({ error: 'Not Found', message: `${req.method} ${path} not found` });
    });
  },
  { name: 'rtc-call-relay-static', fastify: '5.x' },
);
