#!/usr/bin/env node
// Makes sure the Debian packages the tests need are installed: installs them when
// missing and running as root (CI, a fresh dev machine), otherwise fails with the
// exact command to run. Never skips: a missing browser or server is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** binary to look for -> Debian package that provides it */
export const NEEDED = {
  '/usr/bin/chromium': 'chromium',
  '/usr/bin/firefox-esr': 'firefox-esr',
  '/usr/bin/turnserver': 'coturn',
  '/usr/bin/redis-server': 'redis-server',
  '/usr/bin/unshare': 'util-linux',
  ip: 'iproute2',
  // Loss and blackouts in the fault tests (no netem in this kernel: ENVIRONMENT.md).
  '/usr/sbin/nft': 'nftables',
};

const has = (bin) =>
  bin.startsWith('/') ? existsSync(bin) : spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

export function ensureSystemDeps(wanted = Object.keys(NEEDED)) {
  const missing = [...new Set(wanted.filter((b) => !has(b)).map((b) => NEEDED[b]))];
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`rtc-call tests need Debian packages that are missing: ${missing.join(', ')}.\nInstall them with:\n  sudo sh -c '${cmd}'`);
    process.exit(1);
  }
  console.log(`installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`], { stdio: 'inherit', env });
  const still = wanted.filter((b) => !has(b));
  if (still.length) {
    console.error(`still missing after install: ${still.join(', ')}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemDeps();
