/**
 * Real network faults inside the test's own network namespace (scripts/netns.mjs): veth
 * interfaces with private addresses (a network change), and nftables rules for random loss
 * and blackouts. There is no netem in this kernel (ENVIRONMENT.md); latency comes from
 * delay-proxy.ts. Every command refuses to run outside the namespace: these must never touch
 * the machine's own network.
 */
import { execFileSync } from 'node:child_process';
import { requireBinary } from './deps.js';

const TABLE = 'rtcfault';

function inNamespace(): void {
  if (process.env.RTC_CALL_NETNS !== '1') {
    throw new Error('network faults run only inside the test namespace: node scripts/netns.mjs node --import tsx --test FILE');
  }
}

const run = (bin: string, args: string[]): string => {
  inNamespace();
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
};

export const ip = (...args: string[]): string => run('ip', args);

/** nft from Debian's nftables (ENVIRONMENT.md); missing, it fails with the install command. */
export const nft = (...args: string[]): string => run(requireBinary('/usr/sbin/nft', 'nftables'), args);

/** A veth pair, both ends up, no address yet (addresses come and go: see moveAddress). */
export function vethPair(a: string, b: string): void {
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  ip('link', 'set', a, 'up');
  ip('link', 'set', b, 'up');
}

export const addAddress = (dev: string, cidr: string): string => ip('addr', 'add', cidr, 'dev', dev);
export const delAddress = (dev: string, cidr: string): string => ip('addr', 'del', cidr, 'dev', dev);
export const linkDown = (dev: string): string => ip('link', 'set', dev, 'down');
export const deleteLink = (dev: string): void => void run('sh', ['-c', `ip link del ${dev} 2>/dev/null || true`]);

/** One output chain, flushed and refilled by each fault; loopback traffic passes it once per packet. */
function chain(): void {
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; }');
  nft('flush', 'chain', 'inet', TABLE, 'out');
}

/**
 * Drops `percent` % of UDP packets at random; with `fromPort`, only those sent from that port
 * (one hop of a path: on loopback a relayed packet passes the output hook at every hop).
 */
export function udpLoss(percent: number, fromPort?: number): void {
  chain();
  const only = fromPort ? ['udp', 'sport', String(fromPort)] : [];
  nft('add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp', ...only, 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop');
}

/** Drops every packet (a tunnel, a lift): media, TURN, the relay's socket, all of it. */
export function blackout(): void {
  chain();
  nft('add', 'rule', 'inet', TABLE, 'out', 'drop');
}

/** Drops every packet from or to `address` (an interface that still has its address but passes nothing). */
export function deadAddress(address: string): void {
  chain();
  nft('add', 'rule', 'inet', TABLE, 'out', 'ip', 'saddr', address, 'drop');
  nft('add', 'rule', 'inet', TABLE, 'out', 'ip', 'daddr', address, 'drop');
}

/** Removes every fault rule (the link is back). */
export function clearFaults(): void {
  inNamespace();
  try {
    nft('delete', 'table', 'inet', TABLE);
  } catch {
    // no table: nothing to clear
  }
}

/**
 * Two networks for a network change: veth pairs `rtcwifi` and `rtccell` (each with its peer end),
 * only the Wi-Fi one holding an address (10.77.0.1) at first. `move()` puts 10.88.0.1 on the
 * cellular one and takes the Wi-Fi address away; `die()` puts it there and makes the Wi-Fi
 * address pass nothing (a dead network that keeps its address). Made fresh by each call.
 */
export const NETWORKS = { wifi: '10.77.0.1', cell: '10.88.0.1' } as const;

export function twoNetworks(): { move(): void; die(): void; remove(): void } {
  const remove = (): void => {
    clearFaults();
    deleteLink('rtcwifi');
    deleteLink('rtccell');
  };
  remove();
  vethPair('rtcwifi', 'rtcwifi-peer');
  vethPair('rtccell', 'rtccell-peer');
  addAddress('rtcwifi', `${NETWORKS.wifi}/24`);
  return {
    move: () => (addAddress('rtccell', `${NETWORKS.cell}/24`), void delAddress('rtcwifi', `${NETWORKS.wifi}/24`)),
    die: () => (addAddress('rtccell', `${NETWORKS.cell}/24`), deadAddress(NETWORKS.wifi)),
    remove,
  };
}
