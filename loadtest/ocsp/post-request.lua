-- wrk script: POST one fixed, pre-encoded OCSP request (no nonce, so the responder can answer
-- from its pre-signed cache). The request file is named by the REQUEST environment variable.
local path = os.getenv("REQUEST") or "request.der"
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/ocsp-request"

-- Errors: wrk counts every status above 399 in summary.errors.status (workers do not share Lua
-- state, so a counter kept in response() would not reach done()).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("non-200: %d socket errors: %d\n", e.status, e.connect + e.read + e.write + e.timeout))
end
