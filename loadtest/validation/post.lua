-- wrk script: POST one validation request (JSON, file named by BODY) to /api/v1/validations and count
-- answers that are not 200 or not VALID. With DELAY_MS set, each connection waits that long between
-- requests (a fixed-rate latency run: 4 connections x 4 ms ~ 1,000 requests/s).
local path = os.getenv("BODY") or "body.json"
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()
local pause = tonumber(os.getenv("DELAY_MS") or "0")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

if pause > 0 then
  delay = function()
    return pause
  end
end

-- Each wrk thread has its own Lua state: count answers that are not VALID per thread (a global,
-- so the main state can read it with thread:get) and add them up in done().
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  bad = 0
end
response = function(status, headers, resp)
  if status ~= 200 or not string.find(resp, '"status":"VALID"', 1, true) then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  local n = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, t in ipairs(threads) do
    n = n + t:get("bad")
  end
  io.write(string.format("notvalid=%d mean_us=%.0f p50_us=%d p99_us=%d rps=%.1f\n", n, latency.mean,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
