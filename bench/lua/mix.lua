-- bench/lua/mix.lua -- PER_THREAD JWT: the cheap requests in turn (GET /api/health,
-- GET /api/init with the JWT, POST /api/login with {} -> 400), each thread stopping
-- after PER_THREAD responses.  Used to look for memory growth, not for speed.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local limit, jwt, n, i
local reqs = {}

function init(args)
   limit, jwt = tonumber(args[1]), args[2]
   n, i = 0, 0
   reqs[1] = wrk.format("GET", "/api/health")
   reqs[2] = wrk.format("GET", "/api/init", { Authorization = "Bearer " .. jwt })
   reqs[3] = wrk.format("POST", "/api/login",
                        { ["Content-Type"] = "application/json" }, "{}")
end

function request()
   i = i + 1
   return reqs[(i % 3) + 1]
end

function response(status, headers, body)
   n = n + 1
   if n >= limit then
      wrk.thread:stop()
   end
end

done = common.report
