/**
 * One socket's relay state on this node (signaling.ts), and the sender as the call rules'
 * route() reads it. Its fields are all it costs per socket: no closures are made per socket
 * (signaling.ts shares one listener per event among all sockets).
 */
import { SocketBudget } from '../limits/socket-budget.js';
import type { RelaySocket } from '../types.js';
import type { Role, SocketCall, Version } from './rules.js';

export class SocketState extends SocketBudget {
  readonly id: string;
  /** In its room (set once the join succeeds; cleared on disconnect). */
  joined = false;
  /** While non-null, deliveries wait on it (signaling.ts enqueue). */
  queue: Promise<void> | null = null;
  /** Dropped `slow-consumer`: nothing more is done for it. */
  dropped = false;

  constructor(
    readonly socket: RelaySocket,
    readonly room: string,
    burst: number,
  ) {
    super(burst);
    this.id = socket.id;
  }

  get v(): Version {
    return this.socket.data.v;
  }

  get call(): SocketCall | undefined {
    return this.socket.data.call;
  }

  get role(): Role | undefined {
    return this.socket.data.role;
  }
}
