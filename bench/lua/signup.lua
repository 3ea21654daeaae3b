-- bench/lua/signup.lua -- TAG PASSWORD: POST /api/signup_request with a new
-- username and email every time (s<TAG>t<thread>n<i>, @example.org), so no
-- pending signup, throttle key or email index entry is ever shared.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")

setup = common.setup

local tag, password, i

function init(args)
   tag, password = args[1], args[2]
   i = 0
end

function request()
   local name = "s" .. tag .. "t" .. (tid or 0) .. "n" .. i
   i = i + 1
   return common.post_json('{"username":' .. common.jstr(name) ..
      ',"password":' .. common.jstr(password) ..
      ',"email":' .. common.jstr(name .. "@example.org") .. '}')
end

done = common.report
