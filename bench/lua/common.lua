-- bench/lua/common.lua: what every wrk script of bench/ shares.
-- report(summary, latency): one line "WRKJSON {...}" that bench/driver.py reads:
-- request count, duration, socket errors, non-2xx/3xx responses ("status") and
-- latency percentiles in microseconds.
local M = {}

function M.report(summary, latency)
   local e = summary.errors
   local p = function(q) return latency:percentile(q) end
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
      '"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      p(50), p(90), p(99), p(99.9), latency.max, latency.mean))
end

-- A JSON string literal of s (ASCII input: quotes and backslashes only).
function M.jstr(s)
   return '"' .. s:gsub('[\\"]', '\\%0') .. '"'
end

-- setup = common.setup: numbers wrk's threads 0, 1, ...; each thread sees its number
-- as the global tid (nil when a script has no setup).
local threads = 0
function M.setup(thread)
   thread:set("tid", threads)
   threads = threads + 1
end

-- A request that POSTs the JSON text body to path (default: the URL's path).
local json_headers = { ["Content-Type"] = "application/json" }
function M.post_json(body, path)
   return wrk.format("POST", path or wrk.path, json_headers, body)
end

return M
