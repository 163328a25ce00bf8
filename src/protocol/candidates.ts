/** ICE candidates between the wire and RTCPeerConnection (both written without the DOM lib). */
import type { CandidateInit, SignalMessage } from './messages.js';

/**
 * A relayed candidate message as RTCIceCandidateInit. The tutorial's client sends the bare
 * `candidate` string; Chromium rejects a candidate with neither sdpMid nor sdpMLineIndex, and
 * with BUNDLE every m-line shares one transport, so the first m-line is right.
 */
export function toCandidateInit(m: CandidateInit & { type?: string }): CandidateInit {
  const c: CandidateInit = { candidate: m.candidate ?? '' };
  if (m.sdpMid != null) c.sdpMid = m.sdpMid;
  if (m.sdpMLineIndex != null) c.sdpMLineIndex = m.sdpMLineIndex;
  if (c.sdpMid == null && c.sdpMLineIndex == null) c.sdpMLineIndex = 0;
  if (m.usernameFragment != null) c.usernameFragment = m.usernameFragment;
  return c;
}

/** The wire form of a locally gathered candidate: every field it has, so no side has to guess. */
export function candidateMessage(c: CandidateInit): SignalMessage {
  const m: SignalMessage = { type: 'candidate', candidate: c.candidate ?? '' };
  if (c.sdpMid != null) m.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex != null) m.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment != null) m.usernameFragment = c.usernameFragment;
  return m;
}
