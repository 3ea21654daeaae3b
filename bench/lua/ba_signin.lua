-- bench/lua/ba_signin.lua -- PREFIX COUNT PASSWORD: better-auth's sign-in: POST
-- {email, password} to the URL's path, the emails PREFIX0@example.org ..
-- PREFIX<COUNT-1>@example.org in turn (each wrk thread starts at its own place), as
-- login.lua does for signet.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

setup = common.setup

local prefix, count, password, i

function init(args)
   prefix, count, password = args[1], tonumber(args[2]), args[3]
   i = (tid or 0) * 7
end

function request()
   local body = '{"email":' .. common.jstr(prefix .. (i % count) .. "@example.org") ..
      ',"password":' .. common.jstr(password) .. '}'
   i = i + 1
   return common.post_json(body)
end

done = common.report
