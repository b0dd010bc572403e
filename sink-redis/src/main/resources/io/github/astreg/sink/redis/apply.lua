-- astreg: applies one merged change atomically (R1, R2, R3, R4). Loaded once, called by EVALSHA.
-- See sink-redis/README.md "Script semantics" for the contract; RedisEndpointSink builds the arguments.
--
-- Versions ("v") and instants ("x", "r", now) are fixed-width digit strings, so that comparing them
-- byte by byte orders them exactly like core's Version (observedAt, then sequence) and Instant:
--   instant = 1 sign digit + 17 digits of epoch seconds + 9 digits of nanos      (27 chars)
--   version = instant + 19 digits of sequence                                    (46 chars)
--
-- Stored field value (JSON, header first so that it is read here without decoding the event):
--   {"v":"<version>","k":<1 live|0 not live|2 removed>,"x":"<expiresAt>","r":"<registeredAt>",
--    "m":"<version of the newest endpoint removal>","rt":"<min us>,<max us>,<samples>","event":{...}}
--
-- Common ARGV: 1 op, 2 version, 3 event JSON, 4 channel ('' = do not publish)
-- op 'c' | 'e' | 'd' (contact, endpoint state, device state); KEYS[1] endpoint hash, KEYS[2] location:
--   5 node, 6 field, 7 k, 8 expiresAt, 9 registeredAt, 10 rtt us or '', 11 now, 12 now ms,
--   13 tombstone retention ms
-- op 'n' (last known node state); KEYS[1] nodes hash: 5 field (node id)
-- op 'h' (heartbeat hash of a node); KEYS[1] node key: 5 TTL ms, 6.. field/value pairs
-- Returns 1 when the change was applied (and published), 0 when the store already held a version as
-- new or newer (or, for a device state, an endpoint removal as new or newer).

local PAT = '^{"v":"(%d*)","k":(%d),"x":"(%d*)","r":"(%d*)","m":"(%d*)","rt":"([%d,]*)"'

-- byte-wise "a < b": Lua's own string order follows the server's locale
local function lt(a, b)
  if a == b then return false end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
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

local op, V, EV, CH = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = KEYS[1]

if op == 'h' then
  local cur = redis.call('HGET', key, 'v')
  if cur and not lt(cur, V) then return 0 end
  local args = { 'v', V, 'event', EV }
  for i = 6, #ARGV do args[#args + 1] = ARGV[i] end
  redis.call('HSET', key, unpack(args))
  local ttl = tonumber(ARGV[5])
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
  return 1
end

if op == 'n' then
  local field = ARGV[5]
  local cur = header(redis.call('HGET', key, field))
  if cur and not lt(cur.v, V) then return 0 end
  redis.call('HSET', key, field, encode(V, 1, '', '', '', '', EV))
  if CH ~= '' then redis.call('PUBLISH', CH, EV) end
  return 1
end

local NODE, field, K, X, R, RTT = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local NOW, NOWMS, RETMS = ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])

-- R3: strictly newer wins
local cur = header(redis.call('HGET', key, field))
if cur and not lt(cur.v, V) then return 0 end

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
elseif op == 'd' then
  local e = header(redis.call('HGET', key, 'e:' .. NODE))
  if e and e.m ~= '' and not lt(e.m, V) then return 0 end
end
redis.call('HSET', key, field, encode(V, K, X, R, m, rt, EV))
if CH ~= '' then redis.call('PUBLISH', CH, EV) end

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
              or (h.r == best.r and (lt(node, best.node) or (node == best.node and lt(uri, best.uri)))) then
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
    redis.call('SET', KEYS[2], best.node, 'PX', math.max(1, ms(best.x) - NOWMS))
  else
    redis.call('SET', KEYS[2], best.node)
  end
else
  redis.call('DEL', KEYS[2])
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
