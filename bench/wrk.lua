-- Requests for one benchmark path, configured by environment variables:
--   BENCH_PATH    the path; "{id}" becomes a random article id from 1 to BENCH_MAX_ID
--   BENCH_METHOD  GET (default) or POST
--   BENCH_HEADER  one extra "Name: value" header (e.g. If-None-Match)
-- At the end it prints one line, "BENCH {json}", that run.py reads: responses, their
-- status classes and socket errors, and latency percentiles in microseconds.

local path = os.getenv("BENCH_PATH") or "/"
local method = os.getenv("BENCH_METHOD") or "GET"
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1")
local extra = os.getenv("BENCH_HEADER")
local headers = {}
if extra and extra ~= "" then
  local name, value = extra:match("^([^:]+):%s*(.*)$")
  headers[name] = value
end
local random_id = path:find("{id}", 1, true) ~= nil

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  local p = path
  if random_id then
    p = path:gsub("{id}", tostring(math.random(1, max_id)))
  end
  return wrk.format(method, p, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "status_errors": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
