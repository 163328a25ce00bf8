/**
 * Where a server's heap goes, by object type: reads a V8 heap snapshot (node:v8
 * writeHeapSnapshot) and counts nodes and their self sizes per type and constructor name,
 * so two snapshots (a relay and a bare Socket.IO server holding the same idle sockets) can be
 * compared per socket. Used by bench/relay-load.ts; runs in the orchestrator, never in the
 * server under test.
 */
import { readFileSync } from 'node:fs';

export interface CensusRow {
  /** `type:name`, e.g. `object:Socket`, `closure:onMessage`, `string`, `hidden:system / Context`. */
  key: string;
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Types whose names say nothing per instance (every string has its own text): counted under the type alone. */
const BY_TYPE_ONLY = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'array']);

/** Counts per type:name in the snapshot at `file`. */
export function census(file: string): Map<string, CensusRow> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const T = fields.indexOf('type');
  const N = fields.indexOf('name');
  const S = fields.indexOf('self_size');
  const out = new Map<string, CensusRow>();
  const { nodes, strings } = snap;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + T]!]!;
    const key = BY_TYPE_ONLY.has(type) ? type : `${type}:${strings[nodes[i + N]!]!.slice(0, 60)}`;
    let row = out.get(key);
    if (!row) out.set(key, (row = { key, count: 0, bytes: 0 }));
    row.count++;
    row.bytes += nodes[i + S]!;
  }
  return out;
}

export interface CensusDiffRow {
  key: string;
  /** Objects per socket, after minus before. */
  perSocket: number;
  /** Bytes per socket, after minus before. */
  bytesPerSocket: number;
}

/** What `sockets` idle sockets added between two censuses, biggest first. */
export function perSocket(before: Map<string, CensusRow>, after: Map<string, CensusRow>, sockets: number, top = 25): CensusDiffRow[] {
  const rows: CensusDiffRow[] = [];
  for (const [key, a] of after) {
    const b = before.get(key);
    const bytes = a.bytes - (b?.bytes ?? 0);
    const count = a.count - (b?.count ?? 0);
    if (bytes <= 0) continue;
    rows.push({ key, perSocket: Math.round((count / sockets) * 100) / 100, bytesPerSocket: Math.round((bytes / sockets) * 10) / 10 });
  }
  return rows.sort((x, y) => y.bytesPerSocket - x.bytesPerSocket).slice(0, top);
}
