-- wrk script for the load-shedding benchmark (loadtest/validation/shed.sh): POST one validation
-- request (JSON file named by BODY, {"certificate": ...}) to /api/v1/validations and split the
-- answers into accepted (200 VALID), shed (503 with Retry-After and a problem body) and other.
--
-- wrk's own latency figures mix the fast 503s with the accepted answers, and wrk's Lua gets no
-- per-request timing. So every request carries its own send time as "validationTime" (the client's
-- clock is the server's: same machine; "now" is also what the service uses when the field is
-- missing), the verdict echoes it, and the accepted latency is the time of arrival of the answer
-- minus that echo. The histogram has 100 us buckets.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } gpki_timespec;
  int clock_gettime(int clk_id, gpki_timespec *tp);
]]
local CLOCK_REALTIME = 0
local ts = ffi.new("gpki_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_REALTIME, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local path = os.getenv("BODY") or "body.json"
local f = assert(io.open(path, "rb"))
local template = f:read("*a"):gsub("%s*}%s*$", "")
f:close()

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local t = now_us()
  local sec = math.floor(t / 1000000)
  local stamp = os.date("!%Y-%m-%dT%H:%M:%S", sec) .. string.format(".%06dZ", t % 1000000)
  return wrk.format(nil, nil, nil, template .. ',"validationTime":"' .. stamp .. '"}')
end

-- Per thread (each wrk thread has its own Lua state); done() adds them up through thread:get.
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  accepted = 0
  shed = 0
  shed_bad = 0 -- a 503 without Retry-After or without a problem body
  other = 0
  hist = {}
end

-- Seconds of the day (with fraction) of "...THH:MM:SS.ffffffZ" as microseconds.
local function day_us(h, m, s, frac)
  local us = tonumber((frac .. "000000"):sub(1, 6))
  return ((tonumber(h) * 60 + tonumber(m)) * 60 + tonumber(s)) * 1000000 + us
end

response = function(status, headers, body)
  if status == 200 and string.find(body, '"status":"VALID"', 1, true) then
    local h, m, s, frac = string.match(body, '"validationTime":"%d+%-%d+%-%d+T(%d+):(%d+):(%d+)%.?(%d*)Z"')
    if h == nil then
      other = other + 1
      return
    end
    local t = now_us()
    local lat = (t % 86400000000) - day_us(h, m, s, frac)
    if lat < 0 then
      lat = lat + 86400000000 -- sent before midnight UTC, answered after
    end
    local b = math.floor(lat / 100)
    hist[b] = (hist[b] or 0) + 1
    accepted = accepted + 1
  elseif status == 503 then
    shed = shed + 1
    local ra = headers["Retry-After"] or headers["retry-after"]
    local ct = headers["Content-Type"] or headers["content-type"] or ""
    if ra == nil or not string.find(ct, "application/problem+json", 1, true) then
      shed_bad = shed_bad + 1
    end
  else
    other = other + 1
  end
end

done = function(summary, latency, requests)
  local acc, sh, shb, oth = 0, 0, 0, 0
  local all = {}
  for _, t in ipairs(threads) do
    acc = acc + t:get("accepted")
    sh = sh + t:get("shed")
    shb = shb + t:get("shed_bad")
    oth = oth + t:get("other")
    for k, v in pairs(t:get("hist")) do
      all[k] = (all[k] or 0) + v
    end
  end
  local keys = {}
  for k in pairs(all) do
    table.insert(keys, k)
  end
  table.sort(keys)
  local function pct(p)
    local want, seen = math.ceil(acc * p / 100), 0
    for _, k in ipairs(keys) do
      seen = seen + all[k]
      if seen >= want then
        return (k + 1) * 100 -- upper edge of the bucket
      end
    end
    return 0
  end
  local sum = 0
  for _, k in ipairs(keys) do
    sum = sum + all[k] * (k + 0.5) * 100
  end
  local e = summary.errors
  local answered = acc + sh + oth
  local secs = summary.duration / 1e6
  io.write(string.format(
    "accepted=%d shed=%d shed_share=%.3f other=%d shed_without_retry_after_or_problem=%d socket_errors=%d timeouts=%d "
      .. "accepted_per_s=%.0f accepted_mean_us=%.0f accepted_p50_us=%d accepted_p99_us=%d accepted_max_us=%d "
      .. "all_p99_us=%d\n",
    acc, sh, answered > 0 and sh / answered or 0, oth, shb, e.connect + e.read + e.write, e.timeout,
    acc / secs, acc > 0 and sum / acc or 0, pct(50), pct(99), pct(100), latency:percentile(99)))
end
