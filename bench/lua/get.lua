-- bench/lua/get.lua: the URL as given (with any -H headers), results as WRKJSON.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

done = common.report
