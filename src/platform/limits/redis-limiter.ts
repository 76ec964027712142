/** @module Rate limits shared by every replica: GCRA over several policies in one atomic Redis script. */
import type { Redis } from 'ioredis';
import type { RateOutcome, RatePolicy } from './gcra.js';
import type { Limiter } from './memory-limiter.js';

/**
 * KEYS: one bucket key per policy. ARGV: for each policy its interval (ms) and burst. Time comes from Redis
 * (`TIME`), so replicas with skewed clocks share one timeline. The request is admitted only if every policy
 * admits it, and only then are the arrival times written (with an expiry once the bucket would be full again),
 * the same rule as `gcraStep` in gcra.ts. Returns [allowed, remaining₁, resetMs₁, …, retryAfterMs].
 */
export const gcraScript = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local count = #KEYS
local tats = {}
local allowed = 1
local retry = 0
for i = 1, count do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = now
  local stored = redis.call('GET', KEYS[i])
  if stored then
    tat = tonumber(stored)
    if tat < now then tat = now end
  end
  tats[i] = tat
  local allowAt = tat + interval - burst * interval
  if now < allowAt then
    allowed = 0
    if allowAt - now > retry then retry = allowAt - now end
  end
end
local out = { allowed }
for i = 1, count do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tats[i]
  if allowed == 1 then
    tat = tat + interval
    redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  end
  local remaining = math.floor((now - tat + burst * interval) / interval + 1e-9)
  if remaining < 0 then remaining = 0 end
  out[#out + 1] = remaining
  out[#out + 1] = math.ceil(tat - now)
end
if allowed == 1 then retry = 0 end
out[#out + 1] = math.ceil(retry)
return out
`;

type GcraCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

/**
 * A limiter over Redis: one round trip (EVALSHA, falling back to EVAL once per connection) per request.
 * Keys are `<prefix>rl:<policy>:<id>`. Rejects when Redis fails; the caller decides to fail open or closed.
 * @example
 * const limiter = createRedisLimiter(connectRedis({ url, timeoutMs: 200 }), 'trellis:');
 */
export function createRedisLimiter(client: Redis, prefix: string): Limiter {
  client.defineCommand('trellisGcra', { lua: gcraScript });
  const gcra = (client as unknown as { trellisGcra: GcraCommand }).trellisGcra.bind(client);
  const keyPrefix = `${prefix}rl:`;

  return {
    async check(policies, ids) {
      if (client.status === 'wait') client.connect().catch(() => {});
      const count = policies.length;
      const args: (string | number)[] = new Array(count * 3);
      for (let index = 0; index < count; index++) {
        const policy = policies[index] as RatePolicy;
        args[index] = `${keyPrefix}${policy.name}:${ids[index] as string}`;
        args[count + 2 * index] = policy.intervalMs;
        args[count + 2 * index + 1] = policy.burst;
      }
      const reply = await gcra(count, ...args);
      const remaining = new Array<number>(count);
      const resetMs = new Array<number>(count);
      for (let index = 0; index < count; index++) {
        remaining[index] = Number(reply[1 + 2 * index]);
        resetMs[index] = Number(reply[2 + 2 * index]);
      }
      const outcome: RateOutcome = { allowed: Number(reply[0]) === 1, remaining, resetMs, retryAfterMs: Number(reply[1 + 2 * count]) };
      return outcome;
    },
    async close() {
      client.disconnect();
    },
  };
}
