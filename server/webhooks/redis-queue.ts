/**
 * The webhook queue in Redis, shared by every node (see queue.ts for the model). Keys (one
 * hash tag, so one cluster slot): `due`, a sorted set of job keys by due time; `tries`, failed
 * attempts per job; `ev:<id>`, each event's JSON; `seen:<id>`, an event id already queued.
 * Claiming is one script: the due jobs' scores move to now + lease, so of several nodes polling
 * at once exactly one gets each job; a node killed mid-delivery (kill -9) leaves its jobs to
 * come due again when the lease runs out. Events survive the relay, not a Redis without
 * persistence that restarts (run Redis with AOF for that).
 */
import type { createClient } from 'redis';
import type { WebhookEvent } from './events.js';
import { jobKey, SEEN_MS, splitKey, type Job, type JobQueue } from './queue.js';

type RedisClient = ReturnType<typeof createClient>;

/** KEYS: seen, event, due. ARGV: seen ms, event JSON, event ttl ms, due, job keys... */
const ADD = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
for i = 5, #ARGV do redis.call('ZADD', KEYS[3], ARGV[4], ARGV[i]) end
return 1`;

/** KEYS: due, tries. ARGV: now, lease ms, max. Returns [job, attempts, job, attempts, ...]. */
const CLAIM = `
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or '0'
end
return out`;

/** KEYS: due, tries, event. ARGV: job key, event id, endpoints. Drops the event once none of its jobs is left. */
const DONE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
for i = 0, tonumber(ARGV[3]) - 1 do
  if redis.call('ZSCORE', KEYS[1], ARGV[2] .. '#' .. i) then return 0 end
end
redis.call('DEL', KEYS[3])
return 1`;

interface Stored {
  ev: WebhookEvent;
  queuedAt: number;
  urls: number;
}

export class RedisQueue implements JobQueue {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** How long an undelivered event is kept (the retry window, plus a margin). */
    private readonly keepMs: number,
  ) {}

  private k(name: string): string {
    return `${this.prefix}:wh:{q}:${name}`;
  }

  async add(ev: WebhookEvent, urls: number, due: number): Promise<boolean> {
    const stored: Stored = { ev, queuedAt: Date.now(), urls };
    const jobs = Array.from({ length: urls }, (_, i) => jobKey(ev.id, i));
    const r = await this.redis.eval(ADD, {
      keys: [this.k(`seen:${ev.id}`), this.k(`ev:${ev.id}`), this.k('due')],
      arguments: [String(SEEN_MS), JSON.stringify(stored), String(this.keepMs), String(due), ...jobs],
    });
    return Number(r) === 1;
  }

  async claim(now: number, max: number, leaseMs: number): Promise<Job[]> {
    const flat = (await this.redis.eval(CLAIM, { keys: [this.k('due'), this.k('tries')], arguments: [String(now), String(leaseMs), String(max)] })) as string[];
    const out: Job[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const key = flat[i]!;
      const [id, url] = splitKey(key);
      const raw = await this.redis.get(this.k(`ev:${id}`));
      if (!raw) {
        // Its event expired (older than the retry window): nothing left to send.
        await this.redis.zRem(this.k('due'), key);
        continue;
      }
      const s = JSON.parse(raw) as Stored;
      out.push({ key, event: s.ev, url, attempts: Number(flat[i + 1]), queuedAt: s.queuedAt });
    }
    return out;
  }

  async freeze(ev: WebhookEvent): Promise<void> {
    const key = this.k(`ev:${ev.id}`);
    const raw = await this.redis.get(key);
    if (!raw) return;
    const s = JSON.parse(raw) as Stored;
    await this.redis.set(key, JSON.stringify({ ...s, ev }), { KEEPTTL: true });
  }

  async done(job: Job): Promise<void> {
    const raw = await this.redis.get(this.k(`ev:${job.event.id}`));
    const urls = raw ? (JSON.parse(raw) as Stored).urls : 1;
    await this.redis.eval(DONE, { keys: [this.k('due'), this.k('tries'), this.k(`ev:${job.event.id}`)], arguments: [job.key, job.event.id, String(urls)] });
  }

  async retry(job: Job, at: number): Promise<void> {
    await this.redis.multi().zAdd(this.k('due'), { score: at, value: job.key }).hIncrBy(this.k('tries'), job.key, 1).exec();
  }

  close(): void {}
}
