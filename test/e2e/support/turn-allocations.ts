/**
 * What coturn holds, read from outside it: every TURN allocation is a UDP socket coturn binds
 * on its relay address (127.0.0.1, a port of its relay range), and that socket is closed when
 * the allocation goes (a Refresh with lifetime 0, or its lifetime running out). So the UDP
 * sockets of coturn's process other than its listening port are its allocations, and a page's
 * relay candidates name theirs (the candidate's address is the relayed address).
 */
import { execFileSync } from 'node:child_process';
import type { Coturn } from './coturn.js';

/** The relayed ports coturn holds now (its UDP sockets other than the listening port). */
export function heldRelayPorts(coturn: Coturn): number[] {
  const out = execFileSync('ss', ['-uanpH'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${coturn.pid},`)) continue;
    const local = /\s(\S+):(\d+)\s+\S+:(\d+|\*)\s/.exec(line);
    const port = Number(local?.[2]);
    if (port && port !== coturn.port) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** The ports of `ports` that coturn still holds. */
export const stillHeld = (coturn: Coturn, ports: number[]): number[] => {
  const held = new Set(heldRelayPorts(coturn));
  return ports.filter((p) => held.has(p));
};
