-- wrk script: GET one path given as WRK_PATH (the URL's path and query), so the same
-- script drives the gateway and nginx. Reports non-2xx responses as errors at the end.
local path = os.getenv("WRK_PATH") or "/"
wrk.method = "GET"
wrk.headers["Accept"] = "*/*"
request = function()
  return wrk.format(nil, path)
end
-- Paced runs (latency at a given rate; wrk2 is not packaged): each connection waits WRK_DELAY_MS
-- after every answer, so the rate is about connections / (delay + latency).
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pause > 0 then
  delay = function()
    return pause
  end
end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end
done = function(summary, latency, requests)
  io.write(string.format("non200=%d p50_us=%d p99_us=%d rps=%.1f\n", bad,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
