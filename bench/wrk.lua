-- Requests for one benchmark path, configured by environment variables:
--   BENCH_PATH    the path; "{id}" becomes a random article id from 1 to BENCH_MAX_ID,
--                 "{zipf}" one drawn from a Zipf distribution (s = 1.1) over the same ids,
--                 rank 1 being the newest article
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
local zipf_id = path:find("{zipf}", 1, true) ~= nil
local cumulative = {}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  if zipf_id then
    local total = 0
    for rank = 1, max_id do
      total = total + rank ^ -1.1
      cumulative[rank] = total
    end
    for rank = 1, max_id do
      cumulative[rank] = cumulative[rank] / total
    end
  end
end

-- The rank whose cumulative probability first reaches u (binary search).
local function zipf_rank()
  local u, low, high = math.random(), 1, max_id
  while low < high do
    local mid = math.floor((low + high) / 2)
    if cumulative[mid] < u then low = mid + 1 else high = mid end
  end
  return low
end

function request()
  local p = path
  if random_id then
    p = path:gsub("{id}", tostring(math.random(1, max_id)))
  elseif zipf_id then
    p = path:gsub("{zipf}", tostring(max_id + 1 - zipf_rank()))
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
