-- bench/lua/login_paced.lua -- PREFIX COUNT PASSWORD MS: login.lua, each
-- connection waiting MS milliseconds between its logins: a steady rate of them.
dofile(os.getenv("BENCH_LUA") .. "/login.lua")

local login_init, pause = init

function init(args)
   pause = tonumber(args[4]) or 10
   login_init(args)
end

function delay()
   return pause
end
