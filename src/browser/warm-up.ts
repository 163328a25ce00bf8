/**
 * The first RTCPeerConnection of a page starts the browser's WebRTC threads and lists its
 * codecs: in Chromium tens of ms of main thread, which would otherwise fall between the click
 * and the first media (bench/call-setup.ts --trace). A throwaway connection that only creates
 * an offer (no description set: no candidates, no network) pays that while the page is idle.
 */
export function warmUp(): void {
  setTimeout(() => {
    try {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio');
      pc.addTransceiver('video');
      void pc.createOffer().catch(() => undefined).finally(() => pc.close());
    } catch {
      // No WebRTC here: the click reports it.
    }
  });
}
