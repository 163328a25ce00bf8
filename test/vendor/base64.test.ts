/** src/vendor/engine.io-parser-5.2.3-base64.ts decodes every input like upstream's base64-arraybuffer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decode as upstream, encode } from '../../node_modules/engine.io-parser/build/esm/contrib/base64-arraybuffer.js';
import { decode } from '../../src/vendor/engine.io-parser-5.2.3-base64.js';

test('the same bytes as upstream for every length 0–64 (all three paddings) and random payloads up to 64 KiB', () => {
  const inputs = [...Array.from({ length: 65 }, (_, n) => randomBytes(n)), randomBytes(1000), randomBytes(65536), Buffer.from([0, 255, 128, 1])];
  for (const bytes of inputs) {
    const b64 = encode(bytes as unknown as ArrayBuffer);
    assert.equal(b64, bytes.toString('base64'), 'the fixture is standard base64');
    assert.deepEqual(new Uint8Array(decode(b64)), new Uint8Array(upstream(b64)), `length ${bytes.length}`);
  }
});
