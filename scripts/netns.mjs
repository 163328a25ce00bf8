#!/usr/bin/env node
// Runs a command inside a fresh network namespace that holds only `lo`, so browsers
// gather loopback host candidates only and every server stays on 127.0.0.1.
// Usage: node scripts/netns.mjs <command> [args...]
import { spawn } from 'node:child_process';

export function inNetns(argv, opts = {}) {
  if (process.env.RTC_CALL_NETNS === '1') {
    return spawn(argv[0], argv.slice(1), { stdio: 'inherit', ...opts });
  }
  // As root a plain --net namespace; otherwise a user namespace maps us to root in it.
  const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  return spawn(
    'unshare',
    [...userns, '--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...argv],
    { stdio: 'inherit', ...opts, env: { ...process.env, ...opts.env, RTC_CALL_NETNS: '1' } },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const child = inNetns(process.argv.slice(2));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
}
