import { existsSync } from 'node:fs';

/**
 * Fails (never skips) when a Debian binary the e2e suite drives is missing, with the
 * command that installs it. `npm test` installs them first (scripts/system-deps.mjs).
 */
export function requireBinary(path: string, debianPackage: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the e2e suite needs Debian's ${debianPackage}. Install it with\n` +
        `  apt-get update && apt-get install -y --no-install-recommends ${debianPackage}\n` +
        '(or run `npm test`, which installs it when run as root).',
    );
  }
  return path;
}
