/**
 * engine.io-client 6.6.8's `parse` (its URI parser), returning only the fields Socket.IO reads: a drop-in for
 * the `./contrib/parseuri.js` that engine.io-client's socket.js and index.js import (socket.io-client's url.js
 * reaches it through that index), used by the script-tag bundle (rollup.config.mjs aliases the import for
 * dist/rtc-call.js; the ESM build keeps the real package).
 *
 * Derived from: npm `engine.io-client` 6.6.8, build/esm/contrib/parseuri.js (MIT License, Copyright (c)
 * 2014-present Guillermo Rauch and Socket.IO contributors; its regex is Steven Levithan's parseUri, MIT;
 * https://github.com/socketio/socket.io, packages/engine.io-client). queryKey is upstream's code.
 *
 * Kept: the fields engine.io-client 6.6.8 and socket.io-client 4.8.4 read from a parse result (build/esm):
 * engine.io-client socket.js reads host, protocol, port, query; socket.io-client url.js reads protocol, port,
 * path, host (and adds id and href itself), its index.js reads source, path, query, queryKey.
 * Left out: authority, userInfo, user, password, relative, directory, file, anchor, pathNames and ipv6uri,
 * which nothing reads, and the 8000-character limit (the widget passes `new URL(server).origin`).
 * Why: upstream's ~330-character regex splits the path into directory and file with a lookahead at every
 * character and finds IPv6 hosts by rewriting `:` between the first `[` and `]`; without those the parser is
 * ~340 bytes min+gzip smaller, of the bundle's 30 KB budget (the saving is in rollup.config.mjs).
 * The platform's `URL` is not used on purpose: it normalizes what this must hand back verbatim (it lowercases
 * the host, drops :80/:443, resolves `..` in the path, which is the Socket.IO namespace, turns '' into '/')
 * and throws on the scheme-less `host:port` strings engine.io-client's `host` option passes.
 *
 * On purpose, unlike upstream: a `[` or `]` anywhere in the string (e.g. `?a[0]=1`) sets off upstream's IPv6
 * handling, which then cuts the first and last character off the host (`example.com` → `xample.co`) and
 * rewrites `:` between them; here only a bracketed host (`http://[::1]:3000/`) is IPv6, and a bracket
 * elsewhere is ordinary text, so that URL keeps its host. Elsewhere the same as upstream on the fields kept
 * for URLs (http/https/ws/wss with or without user info, IPv6 host, port, path, query, fragment) and
 * scheme-less `host:port/path`; on input that is not a URL (a non-digit port, `@` or `:` in user info) both
 * return something, not necessarily the same. No lookbehind in the regex: Safari before 16.4 rejects the
 * whole script on one.
 *
 * Tested by test/vendor/parseuri.test.ts: a differential test against upstream's parse on every field kept
 * (a corpus and seeded fast-check URLs), the bracket case above, and a scan of both libraries' build/esm for
 * the fields they read, which fails when a new one is read. When engine.io-client moves on: diff its
 * build/esm/contrib/parseuri.js against 6.6.8's, port the change, rename this file (and the alias) and run
 * that test.
 */

/** The part of upstream's result (declared `any` there) that Socket.IO reads. */
export interface ParsedUri {
  source: string;
  protocol: string;
  host: string;
  port: string;
  path: string;
  query: string;
  queryKey: Record<string, string>;
}

const re = /^(?:(https?|wss?):\/\/)?(?:[^:@/?#]*(?::[^:@/?#]*)?@)?(?:\[([^\]/?#]*)]|([^:/?#]*))(?::(\d*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?/;

export function parse(str: string): ParsedUri {
  // Every group is optional or may match '', so the regex always matches.
  const [source, protocol = '', ipv6, name, port = '', path, query = ''] = re.exec(str) as unknown as string[];
  const queryKey: Record<string, string> = {};
  query.replace(/(?:^|&)([^&=]*)=?([^&]*)/g, (_, k: string, v: string) => (k && (queryKey[k] = v), ''));
  return { source, protocol, host: ipv6 ?? name, port, path, query, queryKey };
}
