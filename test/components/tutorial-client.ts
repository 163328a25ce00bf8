/**
 * The seed tutorial's client, transcribed (raw RTCPeerConnection + socket.io-client, no room,
 * `ready` on start, answers any offer, bare candidate strings, offer/answer carry only sdp),
 * plus a log of what it received: the other end of a real call in the element tests.
 */
import { io, type Socket } from 'socket.io-client';

interface RelayedData {
  type: string;
  sdp?: string;
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** The tutorial's client, transcribed (plus a log of what it received). */
export class TutorialClient {
  readonly socket: Socket;
  readonly received: string[] = [];
  pc: RTCPeerConnection | null = null;
  localStream: MediaStream | null = null;
  clientId: string | null = null;
  remoteStream: MediaStream | null = null;

  /** Without `room`, the relay's default room, as the tutorial's client. */
  constructor(url: string, room?: string) {
    this.socket = io(url, { forceNew: true, ...(room ? { auth: { room } } : {}) });
    this.socket.on('client-id', (data: { id: string }) => (this.clientId = data.id));
    this.socket.on('message', (data: RelayedData) => void this.handleSignalingMessage(data));
  }

  async handleSignalingMessage(data: RelayedData): Promise<void> {
    this.received.push(data.type);
    switch (data.type) {
      case 'offer':
        return this.handleOffer(data);
      case 'answer':
        await this.pc?.setRemoteDescription(new RTCSessionDescription({ type: 'answer', sdp: data.sdp ?? '' }));
        return;
      case 'candidate':
        await this.pc?.addIceCandidate({ candidate: data.candidate ?? '', sdpMid: data.sdpMid ?? null, sdpMLineIndex: data.sdpMLineIndex ?? null });
        return;
      case 'ready':
        return this.makeCall();
      case 'bye':
        return this.hangup();
    }
  }

  async startCall(constraints: MediaStreamConstraints): Promise<void> {
    this.localStream = await navigator.mediaDevices.getUserMedia(constraints);
    this.socket.emit('message', { type: 'ready', clientId: this.clientId });
  }

  createPeerConnection(): void {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.onicecandidate = (e) => {
      if (e.candidate) this.socket.emit('message', { type: 'candidate', candidate: e.candidate.candidate, clientId: this.clientId });
    };
    pc.ontrack = (e) => (this.remoteStream = e.streams[0] ?? null);
    this.localStream?.getTracks().forEach((track) => pc.addTrack(track, this.localStream as MediaStream));
  }

  async makeCall(): Promise<void> {
    // The tutorial's createPeerConnection throws here before its user clicked (localStream is
    // undefined), so no offer goes out: mirror that without an unhandled rejection.
    if (!this.localStream) return;
    this.createPeerConnection();
    const offer = await this.pc!.createOffer();
    this.socket.emit('message', { type: 'offer', sdp: offer.sdp, clientId: this.clientId });
    await this.pc!.setLocalDescription(offer);
  }

  async handleOffer(offer: RelayedData): Promise<void> {
    this.createPeerConnection();
    await this.pc!.setRemoteDescription(new RTCSessionDescription({ type: 'offer', sdp: offer.sdp ?? '' }));
    const answer = await this.pc!.createAnswer();
    this.socket.emit('message', { type: 'answer', sdp: answer.sdp, clientId: this.clientId });
    await this.pc!.setLocalDescription(answer);
  }

  hangup(): void {
    this.pc?.close();
    this.pc = null;
    this.localStream?.getTracks().forEach((t) => t.stop());
  }

  close(): void {
    this.hangup();
    this.socket.disconnect();
  }
}
