-- One key's weighted fixed window, as weighted-rate-window.ts keeps it in memory, here in a
-- hash shared by every API process: `used` units since the window that began at `start` (ms).
-- Run as one script, so concurrent requests of several processes never both take the last unit.
--
-- KEYS[1]  the key's window
-- ARGV[1]  max units per window      ARGV[2]  window length, ms
-- ARGV[3]  units this request takes   ARGV[4]  the time, ms (tests only; else Redis' clock,
--                                              so processes on hosts with skewed clocks agree)
-- Returns {allowed (1/0), remaining, ms until the window ends, ms until a retry would pass}.
local max = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local units = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local stored = redis.call('HMGET', KEYS[1], 'used', 'start')
local used = tonumber(stored[1]) or 0
local start = tonumber(stored[2]) or now

-- Windows that ended pay off `max` units each; a key with nothing left counted starts afresh.
local ended = math.floor((now - start) / window_ms)
if ended > 0 then
  used = math.max(0, used - ended * max)
  if used > 0 then start = start + ended * window_ms else start = now end
end

-- An idle key may overdraw once (a tuning job of more trials than the limit): see the .ts twin.
local allowed = used == 0 or used + units <= max
local retry_ms = 0
if allowed then
  used = used + units
  redis.call('HSET', KEYS[1], 'used', used, 'start', start)
  -- Kept until its units are paid off, then gone: the keys stay bounded by the active callers.
  redis.call('PEXPIRE', KEYS[1], start + math.ceil(used / max) * window_ms - now)
else
  local excess = used
  if units <= max then excess = used + units - max end
  retry_ms = start + math.ceil(excess / max) * window_ms - now
end
return { allowed and 1 or 0, math.max(0, max - used), start + window_ms - now, retry_ms }
