-- bench/lua/paced.lua -- MS: the URL (with any -H headers), each connection
-- waiting MS milliseconds between its requests: a light, steady load whose
-- latency shows queueing rather than wrk's own pressure.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

local pause
function init(args)
   pause = tonumber(args[1]) or 10
end

function delay()
   return pause
end

done = common.report
