-- bench/lua/login.lua -- PREFIX COUNT PASSWORD: POST {username, password} to the
-- URL's path, the usernames PREFIX0 .. PREFIX<COUNT-1> in turn (each wrk thread
-- starts at its own place), so concurrent logins seldom touch the same row.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

setup = common.setup

local prefix, count, password, i

function init(args)
   prefix, count, password = args[1], tonumber(args[2]), args[3]
   i = (tid or 0) * 7
end

function request()
   local body = '{"username":' .. common.jstr(prefix .. (i % count)) ..
      ',"password":' .. common.jstr(password) .. '}'
   i = i + 1
   return common.post_json(body)
end

done = common.report
