/**
 * A protocol-2 member of a room, written straight on socket.io-client and RTCPeerConnection (no
 * widget code): the other end of the ringing tests. It places call requests, accepts, declines
 * and cancels them, and once the relay binds it into a call it does the media side too (the
 * caller offers, the callee answers), so a test can take a call on the widget and see it connect.
 */
import { io, type Socket } from 'socket.io-client';
import type { BoundPayload, CallKind, ErrorPayload, PresencePayload, RelayedMessage } from '../../src/protocol/index.js';

export interface MemberOptions {
  /** The display name the relay stamps on our call requests. */
  name?: string;
  /** false: a call-only member that is never rung (default true). */
  incoming?: boolean;
}

let made = 0;

export class Member {
  readonly socket: Socket;
  id: string | null = null;
  readonly messages: RelayedMessage[] = [];
  readonly errors: ErrorPayload[] = [];
  readonly presence: PresencePayload[] = [];
  readonly rang: Array<{ call: string; count: number }> = [];
  bound: BoundPayload | null = null;
  /** Call requests we placed (their ids). */
  readonly placed = new Set<string>();
  pc: RTCPeerConnection | null = null;
  remoteStream: MediaStream | null = null;
  #local: MediaStream | null = null;
  /** Media steps run one after the other (a candidate must not overtake its offer); failures are recorded. */
  #chain: Promise<void> = Promise.resolve();
  readonly failures: string[] = [];

  constructor(url: string, room: string, o: MemberOptions = {}) {
    const auth = { room, protocol: 2, ...(o.name !== undefined ? { name: o.name } : {}), ...(o.incoming === false ? { incoming: false } : {}) };
    this.socket = io(url, { forceNew: true, transports: ['websocket'], auth });
    this.socket.on('client-id', (p: { id: string; presence?: PresencePayload }) => {
      this.id = p.id;
      if (p.presence) this.presence.push(p.presence);
    });
    this.socket.on('message', (m: RelayedMessage) => {
      this.messages.push(m);
      this.#then(() => this.#media(m));
    });
    this.socket.on('error', (e: ErrorPayload) => this.errors.push(e));
    this.socket.on('presence', (p: PresencePayload) => this.presence.push(p));
    this.socket.on('ringing', (p: { call: string; count: number }) => this.rang.push(p));
    this.socket.on('bound', (b: BoundPayload) => {
      this.bound = b;
      if (this.placed.has(b.call)) this.#then(() => this.#offer());
    });
  }

  /** Resolves once the relay gave us our id. */
  async joined(): Promise<this> {
    if (!this.id) await new Promise<void>((r) => this.socket.once('client-id', () => r()));
    return this;
  }

  /** The call requests that rang us (the relay's `ready` with a call id). */
  get rings(): RelayedMessage[] {
    return this.messages.filter((m) => m.type === 'ready' && m.call);
  }

  /** Places a call request to the room (or to `to`); returns its id. */
  call(kind: CallKind = 'video', to?: string): string {
    const call = `m${Date.now().toString(36)}${++made}`;
    this.placed.add(call);
    this.socket.emit('message', { type: 'ready', call, kind, ...(to ? { to } : {}) });
    return call;
  }

  accept(call: string): void {
    this.socket.emit('message', { type: 'accept', call });
  }

  decline(call: string): void {
    this.socket.emit('message', { type: 'decline', call });
  }

  cancel(call: string, reason: 'hang-up' | 'no-answer' = 'hang-up'): void {
    this.socket.emit('message', { type: 'cancel', call, reason });
  }

  bye(): void {
    this.socket.emit('message', { type: 'bye' });
    this.#stop();
  }

  close(): void {
    this.#stop();
    this.socket.disconnect();
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((e: unknown) => void this.failures.push(String(e)));
  }

  #stop(): void {
    this.pc?.close();
    this.pc = null;
    this.#local?.getTracks().forEach((t) => t.stop());
    this.#local = null;
  }

  async #peer(): Promise<RTCPeerConnection> {
    if (this.pc) return this.pc;
    const pc = (this.pc = new RTCPeerConnection({ iceServers: [] }));
    pc.onicecandidate = (e) => {
      if (e.candidate) this.socket.emit('message', { type: 'candidate', ...e.candidate.toJSON() });
    };
    pc.ontrack = (e) => (this.remoteStream = e.streams[0] ?? null);
    this.#local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const t of this.#local.getTracks()) pc.addTrack(t, this.#local);
    return pc;
  }

  /** We placed the call and the relay bound it: we offer. */
  async #offer(): Promise<void> {
    const pc = await this.#peer();
    await pc.setLocalDescription(await pc.createOffer());
    this.socket.emit('message', { type: 'offer', sdp: pc.localDescription!.sdp });
  }

  async #media(m: RelayedMessage): Promise<void> {
    if (m.type === 'offer') {
      const pc = await this.#peer();
      await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp ?? '' });
      await pc.setLocalDescription(await pc.createAnswer());
      this.socket.emit('message', { type: 'answer', sdp: pc.localDescription!.sdp });
    } else if (m.type === 'answer') await this.pc?.setRemoteDescription({ type: 'answer', sdp: m.sdp ?? '' });
    else if (m.type === 'candidate' && m.candidate) await this.pc?.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid ?? null, sdpMLineIndex: m.sdpMLineIndex ?? 0 });
    else if (m.type === 'bye') this.#stop();
  }
}
