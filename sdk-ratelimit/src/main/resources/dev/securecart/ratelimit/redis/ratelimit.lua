-- SecureCart rate limiter: one script call decides a batch of requests atomically, in order.
-- Mirrors dev.securecart.ratelimit.internal.Gcra and SlidingWindow (same integer and
-- floating-point expressions), so that the in-process and the Redis limiter agree exactly.
--
-- KEYS: the state keys the batch touches, each once.
-- ARGV: nonce, now (microseconds, or '' to read Redis TIME), ttl floor (ms), algorithm
--       (1 GCRA, 2 token bucket, 3 sliding window), L (limits), then L pairs (t, b) in
--       microseconds / permits, then G (groups), then per group: count (identical requests, decided
--       one after the other), min permits, max permits, and L key indexes into KEYS (one per limit).
-- Returns: nonce, now, then per group: grants (the first requests of the group that were granted;
--          the rest were rejected), permits per grant, reported limit, remaining and reset after
--          (us) after the first grant, then for the rejected ones: reported limit, remaining,
--          reset after (us), retry after (us). Within a group, grant i leaves i * permits fewer
--          remaining and (GCRA, token bucket) i * permits * t more reset time than the first.
local nonce = ARGV[1]
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local ttlFloor = tonumber(ARGV[3])
local algo = tonumber(ARGV[4])
local L = tonumber(ARGV[5])
local T, B = {}, {}
local p = 6
for j = 1, L do
  T[j] = tonumber(ARGV[p])
  B[j] = tonumber(ARGV[p + 1])
  p = p + 2
end
local R = tonumber(ARGV[p])
p = p + 1

local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
local state, limitOf, dirty = {}, {}, {}

-- Loading normalises a state to now: refill for the token bucket, roll for the sliding window.
-- A state from the future (the Redis host's clock stepped back) is taken as of now, and written
-- back so: it neither resets counts (more admissions) nor holds a key back by the step.
-- A value in another algorithm's format (the limiter's algorithm changed, or nodes of a rolling
-- deploy disagree) counts as no state: the patterns are anchored, so no format parses as another.
local function load(k, j)
  local s = state[k]
  if s ~= nil then return s end
  local raw = redis.call('GET', KEYS[k])
  local t, b = T[j], B[j]
  if algo == 1 then
    local stored = tonumber(raw) or 0
    s = min(stored, now + b * t)
    if s < stored then dirty[k] = true end
  elseif algo == 2 then
    local tok, ts
    if raw then tok, ts = string.match(raw, '^(%d+) (%d+)$') end
    if tok then
      s = {tonumber(tok), tonumber(ts)}
      if s[2] > now then
        s[2] = now
        dirty[k] = true
      end
      local r = floor((now - s[2]) / t)
      if r > 0 then
        s[1] = min(b, s[1] + r)
        if s[1] == b then s[2] = now else s[2] = s[2] + r * t end
      end
    else
      s = {b, now}
    end
  else
    local w = b * t
    local idx = floor(now / w)
    local i, c, q
    if raw then i, c, q = string.match(raw, '^(%d+) (%d+) (%d+)$') end
    if i then
      i, c, q = tonumber(i), tonumber(c), tonumber(q)
      if i > idx then
        -- Everything counted there happened after the start of the window now current.
        s = {idx, c + q, 0}
        dirty[k] = true
      elseif i == idx then s = {idx, c, q}
      elseif i == idx - 1 then s = {idx, 0, c}
      else s = {idx, 0, 0} end
    else
      s = {idx, 0, 0}
    end
  end
  state[k] = s
  limitOf[k] = j
  return s
end

local function available(s, j)
  local t, b = T[j], B[j]
  if algo == 1 then
    return max(0, floor((b * t - (max(s, now) - now)) / t))
  elseif algo == 2 then
    return s[1]
  else
    local w = b * t
    local f = now - s[1] * w
    return max(0, b - floor(s[3] * ((w - f) / w) + s[2]))
  end
end

local function apply(s, j, n)
  if algo == 1 then
    return max(s, now) + n * T[j]
  elseif algo == 2 then
    return {s[1] - n, s[2]}
  else
    return {s[1], s[2] + n, s[3]}
  end
end

local function resetAfter(s, j)
  local t, b = T[j], B[j]
  if algo == 1 then
    return max(s, now) - now
  elseif algo == 2 then
    return max(0, (b - s[1]) * t - (now - s[2]))
  else
    local w = b * t
    local f = now - s[1] * w
    if s[2] > 0 then return (w - f) + w end
    if s[3] > 0 then return w - f end
    return 0
  end
end

local function retryAfter(s, j, n)
  local t, b = T[j], B[j]
  if algo == 1 then
    return max(0, max(s, now) + n * t - now - b * t)
  elseif algo == 2 then
    return max(0, (n - s[1]) * t - (now - s[2]))
  else
    local w = b * t
    local f = now - s[1] * w
    local cur, prev = s[2], s[3]
    if cur + n <= b and prev > 0 then
      return max(1, floor(w - (b - n + 1 - cur) * w / prev) + 1 - f)
    end
    local g = 0
    if cur > b - n then
      g = max(0, floor(w - (b - n + 1) * w / cur) + 1)
    end
    return (w - f) + g
  end
end

local out = {nonce, now}
local keysOf = {}
for r = 1, R do
  local count, least, most = tonumber(ARGV[p]), tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
  p = p + 3
  for j = 1, L do
    keysOf[j] = tonumber(ARGV[p])
    p = p + 1
  end
  local grants, perGrant, grantLimit, grantRemaining, grantReset = 0, 0, 0, 0, 0
  local rejected = false
  for c = 1, count do
    local grant = most
    for j = 1, L do
      local a = available(load(keysOf[j], j), j)
      if a < grant then grant = a end
    end
    if grant < least then
      rejected = true
      break
    end
    local best, bestRemaining = 1, nil
    for j = 1, L do
      local k = keysOf[j]
      local s = apply(state[k], j, grant)
      state[k] = s
      dirty[k] = true
      local remaining = available(s, j)
      if bestRemaining == nil or remaining < bestRemaining then
        best, bestRemaining = j, remaining
      end
    end
    if grants == 0 then
      perGrant, grantLimit, grantRemaining = grant, best - 1, bestRemaining
      grantReset = resetAfter(state[keysOf[best]], best)
    end
    grants = grants + 1
  end
  out[#out + 1] = grants
  out[#out + 1] = perGrant
  out[#out + 1] = grantLimit
  out[#out + 1] = grantRemaining
  out[#out + 1] = grantReset
  if rejected then
    local worst, worstRetry = 1, -1
    for j = 1, L do
      local s = state[keysOf[j]]
      if available(s, j) < least then
        local retry = retryAfter(s, j, least)
        if retry > worstRetry then worst, worstRetry = j, retry end
      end
    end
    local s = state[keysOf[worst]]
    out[#out + 1] = worst - 1
    out[#out + 1] = available(s, worst)
    out[#out + 1] = resetAfter(s, worst)
    out[#out + 1] = worstRetry
  else
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
end

for k, _ in pairs(dirty) do
  local j = limitOf[k]
  local s = state[k]
  local value
  if algo == 1 then
    value = string.format('%d', s)
  elseif algo == 2 then
    value = string.format('%d %d', s[1], s[2])
  else
    value = string.format('%d %d %d', s[1], s[2], s[3])
  end
  redis.call('SET', KEYS[k], value, 'PX', floor(resetAfter(s, j) / 1000) + 1 + ttlFloor)
end
return out
