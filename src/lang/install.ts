/**
 * What a language pack does when its script runs after the bundle: installs itself through
 * the bundle's global (`RtcCall.addLanguage`). Imported by a module (a bundler, a test), it
 * only exports its texts.
 */
import type { LanguagePack } from '../components/messages.js';

export function install(lang: string, pack: LanguagePack): LanguagePack {
  (globalThis as { RtcCall?: { addLanguage?(l: string, p: LanguagePack): void } }).RtcCall?.addLanguage?.(lang, pack);
  return pack;
}
