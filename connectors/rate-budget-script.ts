/**
 * The Redis side of the rate budget: Lua scripts that run atomically on the server, so every
 * process sharing an account sees one log and one clock.
 *
 * Every script uses `redis.call('TIME')`, never a caller's clock: processes on hosts with skewed
 * clocks would otherwise disagree about which entries are still in the window. Times are
 * integer microseconds; Lua formats numbers with `%.14g` when it hands them to Redis, which
 * would round a 16-digit timestamp, so scores cross into Redis as strings built with `%d`.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export type RedisLike = Redis | Cluster;

const PRELUDE = `
-- Redis < 5 refuses writes after TIME unless effects are replicated; 5+ does it by default.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_s = string.format('%d', now)
local function current_limit(configured)
  local adopted = redis.call('GET', KEYS[2])
  if adopted then return tonumber(adopted) end
  return configured
end
-- Reserve in per-mille so the arithmetic is integral: floor(20 * 20 / 1000) = 0, not 0.9999.
local function effective(limit, reserve_permille)
  local n = limit - math.floor(limit * reserve_permille / 1000)
  if n < 1 then n = 1 end
  return n
end
local function trim(window_us)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - window_us))
  return redis.call('ZCARD', KEYS[1])
end
local function keep_alive(window_us)
  redis.call('PEXPIRE', KEYS[1], math.ceil(window_us / 1000) + 1000)
end
`;

/**
 * KEYS: log zset, adopted-limit string.
 * ARGV: configured limit, window µs (padding included), reserve ‰, unique member.
 * Returns {1, now µs, count after, effective limit} or {0, wait µs, count, effective limit}.
 * An entry at score s is in the window while now - s < window, i.e. windows are half-open.
 */
export const ACQUIRE_LUA = `${PRELUDE}
local window = tonumber(ARGV[2])
local n = effective(current_limit(tonumber(ARGV[1])), tonumber(ARGV[3]))
local count = trim(window)
if count < n then
  redis.call('ZADD', KEYS[1], now_s, ARGV[4])
  keep_alive(window)
  return {1, now, count + 1, n}
end
-- The (count - n)-th oldest entry is the one whose departure brings the count below n.
local entry = redis.call('ZRANGE', KEYS[1], count - n, count - n, 'WITHSCORES')
return {0, tonumber(entry[2]) + window - now, count, n}
`;

/**
 * KEYS: log zset, adopted-limit string.
 * ARGV: configured limit, window µs, vendor limit or '', vendor remaining or '', adopted-limit
 * TTL ms, member token.
 * Returns {phantom entries added, limit now in force}.
 */
export const OBSERVE_LUA = `${PRELUDE}
local configured = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = current_limit(configured)
if ARGV[3] ~= '' then
  limit = tonumber(ARGV[3])
  if limit == configured then
    redis.call('DEL', KEYS[2])
  else
    redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5])
  end
end
local added = 0
if ARGV[4] ~= '' then
  local used_by_vendor = limit - tonumber(ARGV[4])
  local count = trim(window)
  -- The vendor counts requests we never logged (another app, a header from a wider window):
  -- stand-ins dated now hold that capacity back for a full window, which errs on the safe side.
  for i = 1, used_by_vendor - count do
    redis.call('ZADD', KEYS[1], now_s, 'phantom:' .. now_s .. ':' .. i .. ':' .. ARGV[6])
    added = added + 1
  end
  if added > 0 then keep_alive(window) end
end
return {added, limit}
`;

/**
 * KEYS: log zset, adopted-limit string. ARGV: configured limit, window µs, reserve ‰.
 * Returns {entries in window, limit in force, effective limit, now µs}.
 */
export const INSPECT_LUA = `${PRELUDE}
local limit = current_limit(tonumber(ARGV[1]))
local count = trim(tonumber(ARGV[2]))
return {count, limit, effective(limit, tonumber(ARGV[3])), now}
`;

const shas = new Map<string, string>();

function sha1(source: string): string {
  let sha = shas.get(source);
  if (sha === undefined) {
    sha = createHash('sha1').update(source).digest('hex');
    shas.set(source, sha);
  }
  return sha;
}

/**
 * EVALSHA, falling back to EVAL once when the server has not cached the script (restart,
 * failover, SCRIPT FLUSH). EVAL caches it again for the next call.
 */
export async function runScript(
  redis: RedisLike,
  source: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<readonly number[]> {
  let reply: unknown;
  try {
    reply = await redis.evalsha(sha1(source), keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    reply = await redis.eval(source, keys.length, ...keys, ...args);
  }
  if (!Array.isArray(reply) || !reply.every((v): v is number => typeof v === 'number')) {
    throw new Error(`rate budget script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply;
}
