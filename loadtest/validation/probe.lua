-- wrk script: a latency probe next to a load (loadtest/validation/shed.sh). Sends GET (or, with
-- PROBE_BODY set, POST of that file's bytes with PROBE_TYPE as Content-Type) of PROBE_PATH at a
-- slow pace (PROBE_DELAY_MS after each answer) and measures each answer itself. Run it with as many
-- connections as threads (-tN -cN): one connection per wrk thread makes the request and its answer
-- pair up in that thread's Lua state. (wrk's own latency figures did not match its throughput on one
-- connection in our runs, so they are not used.)
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } gpki_probe_timespec;
  int clock_gettime(int clk_id, gpki_probe_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("gpki_probe_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local path = os.getenv("PROBE_PATH") or "/repository"
local pause = tonumber(os.getenv("PROBE_DELAY_MS") or "50")
local body = nil
local body_file = os.getenv("PROBE_BODY")
if body_file ~= nil and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("PROBE_TYPE") or "application/octet-stream"
end

delay = function()
  return pause
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  sent = 0
  samples = {}
  n = 0
  non200 = 0
end
request = function()
  sent = now_us()
  return wrk.format(nil, path, nil, body)
end
response = function(status, headers, resp)
  n = n + 1
  samples[n] = now_us() - sent
  if status ~= 200 then
    non200 = non200 + 1
  end
end

done = function(summary, latency, requests)
  local all, bad = {}, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    for _, v in ipairs(t:get("samples")) do
      table.insert(all, v)
    end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then
      return 0
    end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  local e = summary.errors
  io.write(string.format("probes=%d non200=%d socket_errors=%d timeouts=%d p50_us=%d p99_us=%d max_us=%d\n",
    #all, bad, e.connect + e.read + e.write, e.timeout, pct(50), pct(99), pct(100)))
end
