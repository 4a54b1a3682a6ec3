-- wrk script for `make bench`: one request shape, given after `--` on wrk's command line, and
-- a summary as one JSON line at the end.
--   wrk ... -s benchmarks/wrk.lua <url> -- <method> <path> <token or -> <body file or ->
-- "{{id}}" in the body becomes a new random UUID in every request (a tip's own id).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  method, path = args[1], args[2]
  headers = { ["Content-Type"] = "application/json" }
  if args[3] ~= "-" then headers["Authorization"] = "Bearer " .. args[3] end
  body = nil
  if args[4] ~= "-" then
    local file = assert(io.open(args[4], "r"))
    body = file:read("*a")
    file:close()
  end
  fresh = body ~= nil and body:find("{{id}}", 1, true) ~= nil
  -- Each thread its own sequence: the threads start within the same second.
  math.randomseed(os.time() * 1000 + number)
  fixed = wrk.format(method, path, headers, body)
end

local function uuid4()
  local b = {}
  for i = 1, 8 do b[i] = math.random(0, 0xffff) end
  b[4] = 0x4000 + b[4] % 0x1000
  b[5] = 0x8000 + b[5] % 0x4000
  return string.format("%04x%04x-%04x-%04x-%04x-%04x%04x%04x", unpack(b))
end

function request()
  if not fresh then return fixed end
  local this = body:gsub("{{id}}", uuid4())
  return wrk.format(method, path, headers, this)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
