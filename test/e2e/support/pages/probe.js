// Test probe, loaded by every e2e/bench page BEFORE the code under test. It only
// observes: it records every RTCPeerConnection and getUserMedia stream the page makes,
// the widget's rtc-state-change events and trusted clicks, and answers questions about
// them (getStats summaries, remote <video> sizes, canvas ink) as plain JSON.
(() => {
  const P = (window.__probe = {
    pcs: [],
    streams: [],
    states: [],
    events: [],
    clicks: [],
    /** performance.now() of the first remote video frame / first remote audio packet, per pc index. */
    firstVideoFrameAt: null,
    firstAudioAt: null,
    timeline: [],
    /** Wall-clock ms (Date.now()) before which getUserMedia does not resolve (0 = no hold). */
    holdMediaUntil: 0,
  });

  // `pcs` holds the connections that negotiated (set a description): the widget also makes
  // one throwaway connection at load to warm the browser's WebRTC stack up (core/instance.ts).
  const Native = window.RTCPeerConnection;
  const counted = (pc) => { if (!P.pcs.includes(pc)) P.pcs.push(pc); };
  let made = 0;
  class ProbedPeerConnection extends Native {
    setLocalDescription(...a) { counted(this); return super.setLocalDescription(...a); }
    setRemoteDescription(...a) { counted(this); return super.setRemoteDescription(...a); }
    constructor(...args) {
      super(...args);
      const i = made++;
      this.addEventListener('track', (e) => onTrack(e));
      // A timeline for diagnosing slow setups (printed by the bench with --trace).
      P.timeline.push({ t: performance.now(), pc: i, what: 'new RTCPeerConnection' });
      for (const ev of ['signalingstatechange', 'iceconnectionstatechange', 'icegatheringstatechange', 'connectionstatechange']) {
        this.addEventListener(ev, () => {
          const v = { signalingstatechange: this.signalingState, iceconnectionstatechange: this.iceConnectionState, icegatheringstatechange: this.iceGatheringState, connectionstatechange: this.connectionState }[ev];
          P.timeline.push({ t: performance.now(), pc: i, what: `${ev.replace('statechange', '')} ${v}` });
        });
      }
      this.addEventListener('track', (e) => P.timeline.push({ t: performance.now(), pc: i, what: `track ${e.track.kind}` }));
      this.addEventListener('icecandidate', (e) => P.timeline.push({ t: performance.now(), pc: i, what: `icecandidate ${e.candidate ? e.candidate.type || 'candidate' : 'end'}` }));
    }
  }
  window.RTCPeerConnection = ProbedPeerConnection;

  // Signaling frames in and out (Socket.IO over WebSocket): event and message type only.
  const NativeWS = window.WebSocket;
  const noteFrame = (dir, d) => {
    if (typeof d !== 'string') return;
    const ev = /^\d+\["([\w-]+)"/.exec(d);
    if (!ev) return;
    const type = /"type":"(\w+)"/.exec(d);
    P.timeline.push({ t: performance.now(), what: `${dir} ${ev[1]}${type ? ' ' + type[1] : ''}` });
    if (dir === 'recv' && ev[1] === 'client-id') P.lastClientId = JSON.parse(d.slice(d.indexOf('[')))[1].id;
  };
  /** The widget's server-assigned id (its last client-id). */
  P.selfId = () => P.lastClientId ?? null;
  window.WebSocket = class ProbedWebSocket extends NativeWS {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => noteFrame('recv', e.data));
    }
    send(d) {
      noteFrame('send', d);
      return super.send(d);
    }
  };

  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    P.timeline.push({ t: performance.now(), what: 'getUserMedia start' });
    const s = await gum(constraints);
    // A test may line up both pages' "camera granted" moment (wall clock) to provoke glare.
    const hold = P.holdMediaUntil ? P.holdMediaUntil - Date.now() : 0;
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
    P.timeline.push({ t: performance.now(), what: 'getUserMedia done' });
    P.streams.push(s);
    return s;
  };

  for (const type of ['rtc-state-change', 'rtc-call-start', 'rtc-call-end', 'rtc-error', 'rtc-incoming', 'rtc-missed', 'rtc-presence']) {
    document.addEventListener(type, (e) => {
      const d = e.detail || {};
      const el = e.target && e.target.localName;
      P.events.push({ type, el, state: d.state, reason: d.reason, kind: d.kind, name: d.name, call: d.call, at: d.at, available: d.available, busy: d.busy, ...(type === 'rtc-call-end' ? { summary: { ...d } } : {}), t: performance.now() });
      if (type !== 'rtc-state-change') P.timeline.push({ t: performance.now(), what: `${type} ${JSON.stringify(d)}` });
      // Every element of the page fires the same change; count the button's only.
      if (type === 'rtc-state-change' && el === 'rtc-call-button') {
        P.states.push({ state: d.state, reason: d.reason ?? null, t: performance.now() });
        P.timeline.push({ t: performance.now(), what: `widget ${d.state}${d.reason ? ' ' + d.reason : ''}` });
      }
    }, true);
  }
  P.clicksWall = [];
  window.addEventListener('click', (e) => { if (e.isTrusted) { P.clicks.push(e.timeStamp); P.clicksWall.push(Date.now()); P.timeline.push({ t: e.timeStamp, what: 'click' }); } }, true);

  /** Resolves once the first remote video frame and audio packet are both seen (awaited by the bench, no polling). */
  let firstMediaSeen;
  P.firstMedia = new Promise((r) => { firstMediaSeen = r; });
  const firstMediaCheck = () => { if (P.firstVideoFrameAt !== null && P.firstAudioAt !== null) firstMediaSeen({ click: P.clicks[0], video: P.firstVideoFrameAt, audio: P.firstAudioAt }); };

  // First remote frame: a private, hidden sink on the remote track (the same for widget
  // and baseline pages) reports its first painted frame with requestVideoFrameCallback.
  // First remote audio: the first inbound RTP audio packet, from the receiver's stats.
  function onTrack(e) {
    const track = e.track;
    if (track.kind === 'video' && P.firstVideoFrameAt === null) {
      const v = document.createElement('video');
      v.muted = true; v.playsInline = true; v.autoplay = true;
      v.style.cssText = 'position:fixed;left:0;top:0;width:2px;height:2px;opacity:0.01;pointer-events:none';
      v.srcObject = new MediaStream([track]);
      const done = () => { if (P.firstVideoFrameAt === null) { P.firstVideoFrameAt = performance.now(); P.timeline.push({ t: P.firstVideoFrameAt, what: 'first remote video frame' }); firstMediaCheck(); } v.remove(); };
      if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(done);
      else v.addEventListener('loadeddata', done, { once: true });
      document.documentElement.appendChild(v);
      v.play().catch(() => {});
    }
    if (track.kind === 'audio' && P.firstAudioAt === null) {
      const poll = async () => {
        if (P.firstAudioAt !== null || track.readyState === 'ended') return;
        try {
          const r = await e.receiver.getStats();
          let got = false;
          r.forEach((s) => { if (s.type === 'inbound-rtp' && s.packetsReceived > 0) got = true; });
          if (got) { P.firstAudioAt = performance.now(); P.timeline.push({ t: P.firstAudioAt, what: 'first remote audio packet' }); firstMediaCheck(); return; }
        } catch {}
        // Every 10 ms: getStats works on the browser's WebRTC threads, which bring the call up.
        setTimeout(poll, 10);
      };
      poll();
    }
  }

  // Long animation frames (> 50 ms of main thread), with the scripts that took the most: the
  // --trace timelines show what blocks the page while a call comes up.
  try {
    new PerformanceObserver((list) => {
      for (const f of list.getEntries()) {
        const scripts = (f.scripts || []).filter((s) => s.duration >= 5)
          .map((s) => `${s.invoker || s.invokerType} ${Math.round(s.duration)}ms${s.sourceFunctionName ? ' ' + s.sourceFunctionName : ''}`);
        const layout = f.styleAndLayoutStart ? Math.round(f.startTime + f.duration - f.styleAndLayoutStart) : 0;
        P.timeline.push({ t: f.startTime, what: `long frame ${Math.round(f.duration)}ms (blocking ${Math.round(f.blockingDuration)}, render ${layout}) ${scripts.join('; ')}` });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}

  /** Every element in the document, shadow roots included. */
  P.deepAll = (selector, root = document) => {
    const out = [...root.querySelectorAll(selector)];
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) out.push(...P.deepAll(selector, el.shadowRoot));
    return out;
  };

  /**
   * A getStats summary of the i-th peer connection, or of the call's: the last one still open
   * (a caller that held several preconnections closed the ones that did not become the call,
   * and which of them negotiated last is a race), else the last.
   */
  P.stats = async (i) => {
    const open = P.pcs.filter((c) => c.signalingState !== 'closed');
    const pc = i === undefined ? (open[open.length - 1] ?? P.pcs[P.pcs.length - 1]) : P.pcs[i];
    if (!pc) return null;
    const r = await pc.getStats();
    const byId = new Map();
    r.forEach((s) => byId.set(s.id, s));
    const out = {
      pcs: P.pcs.length,
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
      videoFramesDecoded: 0, videoPacketsReceived: 0, frameWidth: 0,
      audioPacketsReceived: 0, audioEnergy: 0, audioLevel: 0,
      localCandidateTypes: [], pair: null,
    };
    let pairId = null;
    r.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.videoFramesDecoded += s.framesDecoded || 0;
        out.videoPacketsReceived += s.packetsReceived || 0;
        out.frameWidth = Math.max(out.frameWidth, s.frameWidth || 0);
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.audioPacketsReceived += s.packetsReceived || 0;
        out.audioEnergy += s.totalAudioEnergy || 0;
        out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0);
      }
      if (s.type === 'local-candidate' && !out.localCandidateTypes.includes(s.candidateType)) out.localCandidateTypes.push(s.candidateType);
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    // Firefox has no transport.selectedCandidatePairId: it flags the pair itself.
    if (!pairId) r.forEach((s) => { if (s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded'))) pairId = s.id; });
    const pair = pairId && byId.get(pairId);
    if (pair) {
      out.pair = {
        state: pair.state,
        local: byId.get(pair.localCandidateId)?.candidateType ?? null,
        remote: byId.get(pair.remoteCandidateId)?.candidateType ?? null,
      };
    }
    return out;
  };

  /** Tracks the page got from getUserMedia that are still live (0 = camera and mic released). */
  P.liveTracks = () => P.streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length;

  /** <video> elements (shadow roots included) currently showing a track received from a peer. */
  P.remoteVideos = () => {
    const remote = new Set(P.pcs.flatMap((pc) => pc.getReceivers().map((r) => r.track && r.track.id)));
    return P.deepAll('video')
      .filter((v) => v.srcObject && v.srcObject.getVideoTracks().some((t) => remote.has(t.id) && t.readyState === 'live'))
      .map((v) => { const b = v.getBoundingClientRect(); return { videoWidth: v.videoWidth, videoHeight: v.videoHeight, width: b.width, height: b.height, paused: v.paused }; });
  };

  /** Pixel summary of the first canvas inside `host` (copied onto a 2d canvas, so any context type works). */
  P.canvasInk = (host = 'rtc-voice-graph') => {
    const c = P.deepAll(host).flatMap((h) => (h.shadowRoot ? P.deepAll('canvas', h.shadowRoot) : []))[0];
    if (!c || !c.width || !c.height) return { width: c ? c.width : 0, height: c ? c.height : 0, inked: 0, colors: 0, sum: 0 };
    const t = document.createElement('canvas');
    t.width = c.width; t.height = c.height;
    const g = t.getContext('2d');
    g.drawImage(c, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colors = new Set();
    let inked = 0, sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) inked++;
      sum = (sum + d[i] * 3 + d[i + 1] * 5 + d[i + 2] * 7 + d[i + 3] * 11 + i) % 1000000007;
      if (colors.size < 64) colors.add((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]);
    }
    return { width: c.width, height: c.height, inked, colors: colors.size, sum };
  };

  /** Text of the widget's status line(s): aria-live regions and role=status/alert, shadow roots included. */
  P.statusText = () => P.deepAll('[aria-live], [role=status], [role=alert]').map((e) => e.textContent.trim()).filter(Boolean).join(' | ');
})();
