-- wrk script for bench/load.py: every request as the next of the bench's users (their
-- access tokens, one per line, in WRK_TOKENS), GET WRK_PATH; at the end one JSON line
-- with the counts and latency percentiles (microseconds) for the bench to parse.
local tokens = {}
local path = os.getenv("WRK_PATH") or "/"
local counter = 0

function init(args)
  local file = os.getenv("WRK_TOKENS")
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then tokens[#tokens + 1] = line end
    end
  end
  counter = math.random(math.max(#tokens, 1))
end

function request()
  if #tokens == 0 then
    return wrk.format("GET", path)
  end
  counter = counter % #tokens + 1
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[counter] })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,' ..
    '"non2xx":%d,"socket_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status, e.connect + e.read + e.write, e.timeout))
end
