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
-- Non-2xx answers: wrk counts every status above 399 in summary.errors.status (no response()
-- callback, which would copy each body into Lua and make wrk the bottleneck on large bodies).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("non200=%d socket_errors=%d p50_us=%d p99_us=%d rps=%.1f\n", e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
