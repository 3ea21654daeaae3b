-- bench/lua/mix.lua -- JWT: the cheap requests in turn (GET /api/health, GET
-- /api/init with the JWT, POST /api/login with {} -> 400).  Used to look for
-- memory growth, not for speed.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local i = 0
local reqs = {}

function init(args)
   local jwt = args[1]
   reqs[1] = wrk.format("GET", "/api/health")
   reqs[2] = wrk.format("GET", "/api/init", { Authorization = "Bearer " .. jwt })
   reqs[3] = common.post_json("{}", "/api/login")
end

function request()
   i = i + 1
   return reqs[(i % 3) + 1]
end

done = common.report
