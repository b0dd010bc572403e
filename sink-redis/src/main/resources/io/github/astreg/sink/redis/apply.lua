-- astreg: applies merged changes atomically (R1, R2, R3, R4). Loaded once, called by EVALSHA.
-- See sink-redis/README.md "Script semantics" for the contract; RedisEndpointSink builds the arguments.
-- One call applies one or more changes, each on its own keys and each atomically (the whole call is
-- atomic too); in Redis Cluster all the keys of one call are in one slot.
--
-- Versions ("v") and instants ("x", "r", now) are fixed-width digit strings, so that comparing them
-- orders them exactly like core's Version (observedAt, then sequence) and Instant:
--   instant = 1 sign digit + 17 digits of epoch seconds + 9 digits of nanos      (27 chars)
--   version = instant + 19 digits of sequence                                    (46 chars)
--
-- Stored field value (JSON, header first so that it is read here without decoding the event):
--   {"v":"<version>","k":<1 live|0 not live|2 removed>,"x":"<expiresAt>","r":"<registeredAt>",
--    "m":"<version of the newest endpoint removal>","rt":"<min us>,<max us>,<samples>","event":{...}}
--
-- KEYS: two per change, in order: endpoint changes the endpoint hash and the location key; node
-- changes their key twice.
-- ARGV: 1 channel ('' = do not publish), 2 now, 3 now ms, 4 tombstone retention ms, 5 '1' to skip
-- publishing when this server has no subscriber (standalone only: in Cluster or after a Sentinel
-- failover the subscriber may sit on another server); then 9 per change:
--   'c' | 'e' | 'd' (contact, endpoint state, device state):
--        op, version, event JSON, node, field, k, expiresAt, registeredAt, rtt us or ''
--   'n' (last known node state in the nodes hash): op, version, event JSON, node, '', '', '', '', ''
--   'h' (heartbeat hash of a node): op, version, event JSON, TTL ms, status, heartbeatAt,
--        collector or '', startedAt or '', ''
-- Returns one number per change: 1 applied (and published), 0 when the store already held a version
-- as new or newer (or, for a device state, an endpoint removal as new or newer).

local PAT = '^{"v":"(%d*)","k":(%d),"x":"(%d*)","r":"(%d*)","m":"(%d*)","rt":"([%d,]*)"'

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

-- "a < b" for two version or instant strings of equal length, 13 digits at a time (exact in a double)
local function lt(a, b)
  if a == b then return false end
  for i = 1, #a, 13 do
    local x, y = tonumber(string.sub(a, i, i + 12)), tonumber(string.sub(b, i, i + 12))
    if x ~= y then return x < y end
  end
  return false
end

local function header(val)
  if not val then return nil end
  local v, k, x, r, m, rt = string.match(val, PAT)
  if not v then return nil end
  return { v = v, k = tonumber(k), x = x, r = r, m = m, rt = rt }
end

local function encode(v, k, x, r, m, rt, ev)
  return '{"v":"' .. v .. '","k":' .. k .. ',"x":"' .. x .. '","r":"' .. r .. '","m":"' .. m
    .. '","rt":"' .. rt .. '","event":' .. ev .. '}'
end

-- instant string -> epoch milliseconds (0 before 1970: such instants only ever mean "long ago")
local function ms(t)
  if string.sub(t, 1, 1) ~= '1' then return 0 end
  return tonumber(string.sub(t, 2, 18)) * 1000 + math.floor(tonumber(string.sub(t, 19, 27)) / 1000000)
end

local CH, NOW, NOWMS, RETMS = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
-- PUBLISH costs even without subscribers: skip it when nobody listens (pattern subscribers count)
if CH ~= '' and ARGV[5] == '1' then
  local subs = redis.call('PUBSUB', 'NUMSUB', CH)
  if tonumber(subs[2]) == 0 and tonumber(redis.call('PUBSUB', 'NUMPAT')) == 0 then CH = '' end
end

local function apply(key, lockey, op, V, EV, A4, A5, A6, A7, A8, A9)
  if op == 'h' then
    local cur = redis.call('HGET', key, 'v')
    if cur and not lt(cur, V) then return 0 end
    redis.call('HSET', key, 'v', V, 'event', EV, 'status', A5, 'heartbeatAt', A6)
    if A7 ~= '' then redis.call('HSET', key, 'collector', A7) end
    if A8 ~= '' then redis.call('HSET', key, 'startedAt', A8) end
    local ttl = tonumber(A4)
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
    return 1
  end

  if op == 'n' then
    local field = A4
    local cur = header(redis.call('HGET', key, field))
    if cur and not lt(cur.v, V) then return 0 end
    redis.call('HSET', key, field, encode(V, 1, '', '', '', '', EV))
    if CH ~= '' then redis.call('PUBLISH', CH, EV) end
    return 1
  end

  local NODE, field, K, X, R, RTT = A4, A5, A6, A7, A8, A9

  -- R3: strictly newer wins (a device state also loses to an endpoint removal as new or newer)
  local cur, removal
  if op == 'd' then
    local both = redis.call('HMGET', key, field, 'e:' .. NODE)
    cur, removal = header(both[1]), header(both[2])
  else
    cur = header(redis.call('HGET', key, field))
  end
  if cur and not lt(cur.v, V) then return 0 end
  if removal and removal.m ~= '' and not lt(removal.m, V) then return 0 end

  local m, rt = '', ''
  if op == 'c' then
    -- R8 as far as a store can: min/max over the samples it saw since the registration began
    if K ~= '2' and RTT ~= '' then
      local s = tonumber(RTT)
      local mn, mx, n = s, s, 1
      if cur and cur.k ~= 2 and cur.rt ~= '' then
        local a, b, c = string.match(cur.rt, '^(%d+),(%d+),(%d+)$')
        if a then
          mn = math.min(tonumber(a), s)
          mx = math.max(tonumber(b), s)
          n = tonumber(c) + 1
        end
      end
      rt = string.format('%d,%d,%d', mn, mx, n)
    end
  elseif op == 'e' then
    if cur then m = cur.m end
    if K == '2' then
      -- an endpoint removal also removes the node's older device state, and keeps older ones out
      m = V
      local dfield = 'd:' .. NODE
      local d = header(redis.call('HGET', key, dfield))
      if d and lt(d.v, V) then redis.call('HDEL', key, dfield) end
    end
  end
  redis.call('HSET', key, field, encode(V, K, X, R, m, rt, EV))
  if CH ~= '' then redis.call('PUBLISH', CH, EV) end

  if op ~= 'c' and K ~= '2' then
    -- an endpoint or device state never expires, so neither does the hash (it already did not when
    -- this field existed and was no removal); contacts are unchanged, so is the location (whose
    -- key expires by itself with its contact)
    if not cur or cur.k == 2 then redis.call('PERSIST', key) end
    return 1
  end
  if op == 'c' and cur and cur.k == tonumber(K) and cur.x == X and cur.r == R then
    -- same liveness, expiry and registration (an RTT or user agent refresh): neither the location
    -- nor the key's lifetime can change
    return 1
  end

  -- R2 location (node staleness is applied by readers), tombstone purge, key TTL
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
        -- R2 / R4: live status, not expired; newest registration, then smallest node, then uri
        if kind == 'c' and h.k == 1 and (h.x == '' or lt(NOW, h.x)) then
          local node, uri = string.match(f, '^c:([^:]*):(.*)$')
          if node then
            if best == nil or lt(best.r, h.r)
                or (h.r == best.r and (blt(node, best.node) or (node == best.node and blt(uri, best.uri)))) then
              best = { node = node, uri = uri, r = h.r, x = h.x }
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
  return 1
end

local results = {}
local n = (#ARGV - 5) / 9
for j = 0, n - 1 do
  local a = 6 + j * 9
  results[j + 1] = apply(KEYS[2 * j + 1], KEYS[2 * j + 2], ARGV[a], ARGV[a + 1], ARGV[a + 2],
    ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8])
end
return results
