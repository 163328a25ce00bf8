/** A missing browser or TURN server is a failure that says how to install it, never a skip. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireBinary } from './support/deps.js';

describe('e2e dependencies', () => {
  it('a missing Debian binary throws with the apt-get command', () => {
    assert.throws(() => requireBinary('/nonexistent/turnserver', 'coturn'), (e: Error) => {
      assert.match(e.message, /\/nonexistent\/turnserver is missing/);
      assert.match(e.message, /apt-get install -y --no-install-recommends coturn/);
      return true;
    });
  });

  for (const [bin, pkg] of [['/usr/bin/chromium', 'chromium'], ['/usr/bin/firefox-esr', 'firefox-esr'], ['/usr/bin/turnserver', 'coturn']]) {
    it(`${pkg} is installed (${bin})`, () => assert.equal(requireBinary(bin!, pkg!), bin));
  }
});
