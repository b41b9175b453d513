-- wrk script: POST one fixed, pre-encoded OCSP request (no nonce, so the responder can answer
-- from its pre-signed cache). The request file is named by the REQUEST environment variable.
local path = os.getenv("REQUEST") or "request.der"
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/ocsp-request"

local bad = 0
response = function(status, headers, resp)
  if status ~= 200 then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("non-200: %d\n", bad))
end
