/**
 * The call registry in Redis, shared by every relay node: one hash per call (`v`, a version
 * token, and `rec`, the record as JSON) with a TTL (recordTtl), and one set per room of the
 * calls ringing there, and one sorted set per room of the calls waiting in its line (score: when
 * each joined it). A change reads the record, applies the call-rules step here, and writes
 * it back with a compare-and-set script that only succeeds if the version is still the one
 * read; otherwise it reads again. Two accepts racing on two nodes: one script runs first and
 * binds the call, the other finds the version moved, re-reads a bound call and loses.
 * Keys carry the room as a hash tag, so a call and its room's set live in one cluster slot.
 */
import { randomBytes } from 'node:crypto';
import type { createClient } from 'redis';
import type { CallRegistry } from '../calls/registry.js';
import { recordTtl, type CallRecord, type QueuedCall, type RingingCall, type StepFn } from '../calls/rules.js';
import { lineOrder } from '../calls/queue-rules.js';

type RedisClient = ReturnType<typeof createClient>;

/**
 * KEYS: record, room's ringing set, room's line. ARGV: expected version ('' = no record), new JSON ('' = delete), new
 * version, TTL ms, call id, what it is now ('1' ringing, 'q' waiting in line, '0' neither), its place in line (queuedAt).
 */
const CAS = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[3], 'rec', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if ARGV[6] == '1' then
  redis.call('SADD', KEYS[2], ARGV[5])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
else
  redis.call('SREM', KEYS[2], ARGV[5])
end
if ARGV[6] == 'q' then
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[5])
  if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
else
  redis.call('ZREM', KEYS[3], ARGV[5])
end
return 1`;

/** Attempts before an update gives up (each lost attempt means another node changed the call meanwhile). */
const ATTEMPTS = 50;
/** After a lost attempt, a random pause of up to this many ms, doubling up to 64: contenders spread out instead of colliding again. */
const BACKOFF_MS = 2;

export class RedisCallRegistry implements CallRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(room: string, id: string): string {
    return `${this.prefix}:calls:{${room}}:${id}`;
  }
  private roomKey(room: string): string {
    return `${this.prefix}:calls:{${room}}`;
  }
  private lineKey(room: string): string {
    return `${this.prefix}:calls:{${room}}:line`;
  }

  private async read(room: string, id: string): Promise<{ v: string; rec: CallRecord | undefined }> {
    const h = await this.redis.hGetAll(this.key(room, id));
    return h.v && h.rec ? { v: h.v, rec: JSON.parse(h.rec) as CallRecord } : { v: '', rec: undefined };
  }

  async get(room: string, id: string): Promise<CallRecord | undefined> {
    return (await this.read(room, id)).rec;
  }

  async update<R>(room: string, id: string, step: StepFn<R>): Promise<R> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { v, rec } = await this.read(room, id);
      const now = this.now();
      const { next, out } = step(rec, now);
      if (next === rec) return out;
      const args = [
        v,
        next === undefined ? '' : JSON.stringify(next),
        randomBytes(6).toString('base64url'),
        String(next === undefined ? 1 : recordTtl(next, now)),
        id,
        next?.state === 'ringing' ? '1' : next?.state === 'queued' ? 'q' : '0',
        String(next?.state === 'queued' ? next.queuedAt : 0),
      ];
      const ok = await this.redis.eval(CAS, { keys: [this.key(room, id), this.roomKey(room), this.lineKey(room)], arguments: args });
      if (ok === 1) return out;
      await new Promise((r) => setTimeout(r, Math.random() * BACKOFF_MS * 2 ** Math.min(attempt, 5)));
    }
    throw new Error(`call ${id} in room ${room}: changed by other nodes ${ATTEMPTS} times in a row`);
  }

  async ringingIn(room: string): Promise<RingingCall[]> {
    const ids = await this.redis.sMembers(this.roomKey(room));
    if (ids.length === 0) return [];
    const recs = await Promise.all(ids.map((id) => this.redis.hGet(this.key(room, id), 'rec')));
    const out: RingingCall[] = [];
    const stale: string[] = [];
    recs.forEach((json, i) => {
      const rec = json ? (JSON.parse(json) as CallRecord) : undefined;
      if (rec?.state === 'ringing') out.push(rec);
      else stale.push(ids[i]!);
    });
    // Expired records leave their id behind in the set.
    if (stale.length) await this.redis.sRem(this.roomKey(room), stale).catch(() => undefined);
    return out.sort((a, b) => a.opened - b.opened);
  }

  async queuedIn(room: string): Promise<QueuedCall[]> {
    const ids = await this.redis.zRange(this.lineKey(room), 0, -1);
    if (ids.length === 0) return [];
    const recs = await Promise.all(ids.map((id) => this.redis.hGet(this.key(room, id), 'rec')));
    const out: QueuedCall[] = [];
    const stale: string[] = [];
    recs.forEach((json, i) => {
      const rec = json ? (JSON.parse(json) as CallRecord) : undefined;
      if (rec?.state === 'queued') out.push(rec);
      else stale.push(ids[i]!);
    });
    if (stale.length) await this.redis.zRem(this.lineKey(room), stale).catch(() => undefined);
    return out.sort(lineOrder);
  }

  async close(): Promise<void> {
    // The connection belongs to redis.ts.
  }
}
