/**
 * The status line's `{name}`: a caller's name is untrusted text, inserted as it is. Names like
 * "$`" or "$&" are String.replace replacement patterns and must not be expanded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusText, texts, addLanguage } from '../../src/components/messages.js';
import { de } from '../../src/lang/de.js';
import type { CallSnapshot } from '../../src/browser/instance.js';
import { NO_MEDIA } from '../../src/core/snapshot.js';

const ringing = (name: string): CallSnapshot =>
  ({
    ...NO_MEDIA,
    state: 'ringing',
    reason: null,
    kind: null,
    localStream: null,
    remoteStream: null,
    audioBlocked: false,
    selfId: 'me',
    peerId: null,
    relayConnected: true,
    incoming: { call: 'c1', kind: 'video', name },
    missed: [],
    presence: 'offline',
    available: 0,
    busy: 0,
    role: null,
  }) as CallSnapshot;

const PATTERNS = ['$`', "$'", '$&', '$$', '$1', '$<name>', '{name}'];

test('statusText shows a name with replacement patterns literally (English)', () => {
  for (const name of PATTERNS) assert.equal(statusText(ringing(name)), `Incoming video call from ${name}`, name);
});

test('statusText shows it literally through a language pack and a page override', () => {
  addLanguage('de', de);
  for (const name of PATTERNS) {
    assert.equal(statusText(ringing(name), texts('de')), `Eingehender Videoanruf von ${name}`, name);
    assert.equal(statusText(ringing(name), texts('en', { ringing: '{name} ruft an' })), `${name} ruft an`, name);
  }
});
