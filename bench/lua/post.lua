-- bench/lua/post.lua -- BODY: POST the JSON BODY to the URL's path, over and over.
-- The request is built once per thread (wrk's static request: no Lua per request).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

function init(args)
   wrk.method = "POST"
   wrk.body = args[1] or "{}"
   wrk.headers["Content-Type"] = "application/json"
end

done = common.report
