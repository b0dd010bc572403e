-- astreg: applies merged changes atomically (R1, R2, R3, R4). Loaded once, called by EVALSHA.
-- See sink-redis/README.md "Script semantics" for the contract; RedisEndpointSink builds the arguments.
-- One call applies one or more changes, each on its own keys and each atomically (the whole call is
-- atomic too); in Redis Cluster all the keys of one call are in one slot.
--
-- Versions ("v") and instants ("x", "r", now) are fixed-width digit strings, so that comparing them
-- orders them exactly like core's Version (observedAt, then sequence) and Instant:
--   instant = 1 sign digit + 17 digits of epoch seconds + 9 digits of nanos      (27 chars)
--   version = instant + 19 digits of sequence                                    (46 chars)
-- Lua's "<" on strings follows the server's collation locale (strcoll), and every locale orders
-- strings of ASCII digits of equal length like their bytes, so "<" is exact for these.
--
-- Stored field value (JSON, header first so that it is read here without decoding the event):
--   {"v":"<version>","k":<1 live|0 not live|2 removed>,"x":"<expiresAt>","r":"<registeredAt>",
--    "m":"<version of the newest endpoint removal>","rt":"<min us>,<max us>,<samples>","event":{...}}
-- The sink sends that value whole (with "m" empty), because every byte of a string made in Lua
-- costs: Redis hashes all of it. So the common paths only cut short substrings out of values:
--   characters 7..52 are the version, 59 is "k", 53..N ("k", "x" and "r") say whether the location
--   may have changed, and the event JSON follows '","event":'.
--
-- Writer stamps (the last-writer fast path, see sink-redis/README.md "Script semantics"): one
-- string key per node (per node and slot in Cluster) names the sink that last wrote that node's
-- fields, as '<writer id>:<generation>'. Every call that writes a node's fields reads its stamp
-- once. When it holds the caller's token, nobody else wrote that node's fields since the caller
-- claimed it, so a change the caller sends as 'C' or 'D' (it knows the stored field is its own
-- last write, and the change is newer) is written without reading the stored value. Otherwise every
-- change is guarded (R3, as below) and the call claims the stamp with the generation the caller
-- gave for that (each claim of a caller is a generation it never used before), so that the stamp's
-- previous holder guards its own next writes.
--
-- KEYS: per change, in order: the endpoint hash and the location key (only the hash for 'C' and
-- 'D'); node changes their key twice; then the S stamp keys.
-- ARGV: 1 channel ('' = do not publish), 2 now, 3 now ms, 4 tombstone retention ms, 5 '1' to skip
-- publishing when this server has no subscriber (standalone only: in Cluster or after a Sentinel
-- failover the subscriber may sit on another server), 6 the nodes the sink holds stale (R5) as
-- ',<node>,<node>,' ('' = none; node ids have no commas), 7 the writer id ('' when S is 0), 8 S, then
-- per stamp two generations: the caller's token is '<writer id>:<first>', its claim '<writer
-- id>:<second>'; then per change:
--   's' (not a change: the following changes write the fields of stamp i's node): op, i
--   'c' | 'e' | 'd' (contact, endpoint state, device state): op, field, value, N
--   'C' | 'D' (a contact or device state the caller may write unguarded): op, field, value
-- (whatever enters Lua costs: Redis hashes every byte of it, so these carry only what the fast
-- path needs; N and the location key are derived when the stamp turns out not to be the caller's)
--   'n' (last known node state in the nodes hash): op, node, value, N
--   'h' (heartbeat hash of a node): op, version, event JSON, TTL ms, status, heartbeatAt,
--        collector or '', startedAt or ''
--   'l' (the location again, after a node turned stale or fresh): op, node, 's' (turned stale) or
--        'f' (turned fresh)
-- Returns one number per change: 1 applied (and published), 0 when the store already held a version
-- as new or newer (or, for a device state, an endpoint removal as new or newer); 'l' returns 1 when it
-- recomputed the location, 0 when the turn could not change it; then one number per stamp: 1 when it
-- held the caller's token, 0 when the call claimed it.

local PAT = '^{"v":"(%d*)","k":(%d),"x":"(%d*)","r":"(%d*)","m":"(%d*)","rt":"([%d,]*)"'
local MPAT = '"m":"(%d*)"'
local QUOTE, REMOVED = string.byte('"'), string.byte('2')

-- byte-wise "a < b" for names (node ids, URIs): Lua's own string order follows the server's locale
local function blt(a, b)
  if a == b then return false end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- the whole header of a stored value (slow paths only)
local function header(val)
  if not val then return nil end
  local v, k, x, r, m, rt = string.match(val, PAT)
  if not v then return nil end
  return { v = v, k = tonumber(k), x = x, r = r, m = m, rt = rt }
end

-- the version of a stored value ('{"v":"', 46 digits, '"'), nil when there is none or the value is
-- not one this script wrote (such a value is overwritten)
local function version(val)
  if not val or string.byte(val, 53) ~= QUOTE then return nil end
  return string.sub(val, 7, 52)
end

-- the event JSON inside a value (only cut out when somebody listens); n, where to start looking
local function event(val, n)
  local at = string.find(val, '","event":', n or 53, true)
  return string.sub(val, at + 10, -2)
end

-- N of a value the sink sent: where its "r" ends
local function headerEnd(val)
  return string.find(val, ',"m":"', 53, true) - 1
end

-- the location key of an endpoint hash key ('<prefix>ep:{name}' -> '<prefix>loc:{name}'; a prefix
-- has no braces), in the endpoint's slot like the hash
local function loc(key)
  local i = string.find(key, '{', 1, true)
  return string.sub(key, 1, i - 4) .. 'loc:' .. string.sub(key, i)
end

-- instant string -> epoch milliseconds (0 before 1970: such instants only ever mean "long ago";
-- capped at year ~33700, "for ever": beyond it the sums below would no longer be integers Redis takes
-- as PX or PEXPIRE, and one far-off expiry would fail every call that carries it)
local MAXSEC = 1000000000000
local function ms(t)
  if string.sub(t, 1, 1) ~= '1' then return 0 end
  local s = tonumber(string.sub(t, 2, 18))
  if s >= MAXSEC then return MAXSEC * 1000 end
  return s * 1000 + math.floor(tonumber(string.sub(t, 19, 27)) / 1000000)
end

local CH, NOW, NOWMS, RETMS, STALE = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[6]
-- a stamp outlives any pause between batches; one that expired is claimed again (costs one guarded
-- write per field, never correctness)
local STAMP_TTL_MS = 86400000
local W, S = ARGV[7], tonumber(ARGV[8])
local NCH = #KEYS - S
local MINE = {}
for i = 1, S do
  MINE[i] = redis.call('GET', KEYS[NCH + i]) == W .. ':' .. ARGV[7 + 2 * i]
end
-- PUBLISH costs even without subscribers: skip it when nobody listens (pattern subscribers count)
if CH ~= '' and ARGV[5] == '1' then
  local subs = redis.call('PUBSUB', 'NUMSUB', CH)
  if tonumber(subs[2]) == 0 and tonumber(redis.call('PUBSUB', 'NUMPAT')) == 0 then CH = '' end
end

-- R2 location, contacts of fresh nodes first (R5, as far as the sink knows), tombstone purge, key TTL
local function relocate(key, lockey)
  local all = redis.call('HGETALL', key)
  local best = nil
  local forever = false
  local deadline = 0
  local kept = 0
  local purgeBefore = NOWMS - RETMS
  for i = 1, #all, 2 do
    local f = all[i]
    local h = header(all[i + 1])
    if h then
      local kind = string.sub(f, 1, 1)
      if h.k == 2 then
        local at = ms(string.sub(h.v, 1, 27))
        if at < purgeBefore then
          redis.call('HDEL', key, f)
        else
          kept = kept + 1
          if at + RETMS > deadline then deadline = at + RETMS end
        end
      else
        kept = kept + 1
        if kind == 'c' and h.x ~= '' then
          local until_ms = ms(h.x) + RETMS
          if until_ms > deadline then deadline = until_ms end
        else
          forever = true
        end
        -- R2 / R4 / R5: live status, not expired; a fresh node before a stale one, then the newest
        -- registration, then the smallest node, then uri
        if kind == 'c' and h.k == 1 and (h.x == '' or NOW < h.x) then
          local node, uri = string.match(f, '^c:([^:]*):(.*)$')
          if node then
            local st = STALE ~= '' and string.find(STALE, ',' .. node .. ',', 1, true) ~= nil
            if best == nil or (best.st and not st) or (best.st == st and (best.r < h.r
                or (h.r == best.r and (blt(node, best.node) or (node == best.node and blt(uri, best.uri)))))) then
              best = { node = node, uri = uri, r = h.r, x = h.x, st = st }
            end
          end
        end
      end
    else
      forever = true -- a field this script did not write: never expire the key under it
    end
  end

  if best then
    if best.x ~= '' then
      redis.call('SET', lockey, best.node, 'PX', math.max(1, ms(best.x) - NOWMS))
    else
      redis.call('SET', lockey, best.node)
    end
  else
    redis.call('DEL', lockey)
  end

  if kept == 0 then
    redis.call('DEL', key)
  elseif forever then
    redis.call('PERSIST', key)
  else
    local ttl = deadline - NOWMS
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
  end
end

-- an endpoint state ('e') of the endpoint hash KEY
local function endpointState(key, lockey, field, val, n)
  local V = string.sub(val, 7, 52)
  local cur = redis.call('HGET', key, field)
  local cv = version(cur)
  if cv and not (cv < V) then return 0 end
  -- "m" carries the version of the newest endpoint removal of this node
  local m = ''
  local h = cv and header(cur)
  if h then m = h.m end
  local removal = string.byte(val, 59) == REMOVED
  if removal then
    -- an endpoint removal also removes the node's older device state, and keeps older ones out
    m = V
    local dfield = 'd' .. string.sub(field, 2)
    local d = version(redis.call('HGET', key, dfield))
    if d and d < V then redis.call('HDEL', key, dfield) end
  end
  if m ~= '' then val = string.sub(val, 1, n + 6) .. m .. string.sub(val, n + 7) end
  redis.call('HSET', key, field, val)
  if CH ~= '' then redis.call('PUBLISH', CH, event(val, n)) end
  if removal then
    relocate(key, lockey) -- the key's lifetime may end with the state
  elseif not cv or string.byte(cur, 59) == REMOVED then
    -- an endpoint state never expires, so neither does the hash (it already did not when this
    -- field existed and was no removal)
    redis.call('PERSIST', key)
  end
  return 1
end

local function heartbeat(key, V, EV, TTL, status, at, collector, startedAt)
  local cur = redis.call('HGET', key, 'v')
  if cur and not (cur < V) then return 0 end
  redis.call('HSET', key, 'v', V, 'event', EV, 'status', status, 'heartbeatAt', at)
  if collector ~= '' then redis.call('HSET', key, 'collector', collector) end
  if startedAt ~= '' then redis.call('HSET', key, 'startedAt', startedAt) end
  local ttl = tonumber(TTL)
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
  return 1
end

-- Contacts and device states, nearly every change, are applied inline: a function call per change
-- is measurable here.
local results = {}
local a, k, j, st = 9 + 2 * S, 1, 1, 0
while a <= #ARGV do
  local op, key = ARGV[a], KEYS[k]
  -- arguments and keys this change takes; for contacts and device states their field and value,
  -- and, unless written fast, N and the location key
  local na, nk = 4, 2
  local field, val, n, lockey
  local fast = false
  if op == 'C' or op == 'D' then
    field, val, na, nk = ARGV[a + 1], ARGV[a + 2], 3, 1
    if MINE[st] then
      fast = true
    else
      n, lockey = headerEnd(val), loc(key)
      if op == 'C' then op = 'c' else op = 'd' end
    end
  elseif op == 'c' or op == 'd' then
    field, val, n, lockey = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), KEYS[k + 1]
  end

  if fast then
    -- the stored field is this caller's own last write and the change is newer: no read (R3 holds)
    local applied = 1
    if redis.call('HSET', key, field, val) == 1 then
      -- the field was gone (the key expired, or a removal took the device state): as when a guarded
      -- write finds no stored value
      if op == 'C' then
        relocate(key, loc(key))
      else
        local m = string.match(redis.call('HGET', key, 'e' .. string.sub(field, 2)) or '', MPAT)
        if m and #m == 46 and not (m < string.sub(val, 7, 52)) then
          redis.call('HDEL', key, field)
          applied = 0
        else
          redis.call('PERSIST', key)
        end
      end
    end
    if applied == 1 and CH ~= '' then redis.call('PUBLISH', CH, event(val)) end
    results[j] = applied
  elseif op == 's' then
    st = tonumber(ARGV[a + 1])
    na, nk = 2, 0
    j = j - 1 -- not a change
  elseif op == 'c' or op == 'd' then
    local V = string.sub(val, 7, 52)
    -- R3: strictly newer wins (a device state also loses to an endpoint removal as new or newer)
    local cur, removal
    if op == 'd' then
      local both = redis.call('HMGET', key, field, 'e' .. string.sub(field, 2))
      cur, removal = both[1], both[2]
    else
      cur = redis.call('HGET', key, field)
    end
    local cv = cur and string.byte(cur, 53) == QUOTE and string.sub(cur, 7, 52)
    local m = removal and string.match(removal, MPAT)
    if (cv and not (cv < V)) or (m and #m == 46 and not (m < V)) then
      results[j] = 0
    else
      redis.call('HSET', key, field, val)
      if CH ~= '' then redis.call('PUBLISH', CH, event(val, n)) end
      if op == 'd' then
        -- a device state never expires, so neither does the hash (it already did not when this
        -- field existed); contacts are unchanged, so is the location
        if not cv then redis.call('PERSIST', key) end
      elseif not (cv and string.byte(val, 59) ~= REMOVED and string.find(cur, string.sub(val, 53, n), 53, true) == 53) then
        -- unless liveness, expiry and registration are unchanged (an RTT or user agent refresh),
        -- the location and the key's lifetime may have changed; a tombstone's lifetime follows its
        -- version, so a newer removal always relocates
        relocate(key, lockey)
      end
      results[j] = 1
    end
  elseif op == 'e' then
    results[j] = endpointState(key, KEYS[k + 1], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]))
  elseif op == 'n' then
    local V, nval, nn = string.sub(ARGV[a + 2], 7, 52), ARGV[a + 2], tonumber(ARGV[a + 3])
    local cv = version(redis.call('HGET', key, ARGV[a + 1]))
    if cv and not (cv < V) then
      results[j] = 0
    else
      redis.call('HSET', key, ARGV[a + 1], nval)
      if CH ~= '' then redis.call('PUBLISH', CH, event(nval, nn)) end
      results[j] = 1
    end
  elseif op == 'l' then
    -- a node turning stale only matters when the location names it (its contacts lose rank), a node
    -- turning fresh only when it does not (its contacts gain rank); otherwise the best contact stays
    local node, turned = ARGV[a + 1], ARGV[a + 2]
    if (turned == 's') == (redis.call('GET', KEYS[k + 1]) == node) then
      relocate(key, KEYS[k + 1])
      results[j] = 1
    else
      results[j] = 0
    end
    na = 3
  else
    results[j] = heartbeat(key, ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5],
      ARGV[a + 6], ARGV[a + 7])
    na = 8
  end
  a, k, j = a + na, k + nk, j + 1
end
for i = 1, S do
  if MINE[i] then
    results[j] = 1
  else
    redis.call('SET', KEYS[NCH + i], W .. ':' .. ARGV[8 + 2 * i], 'PX', STAMP_TTL_MS)
    results[j] = 0
  end
  j = j + 1
end
return results
