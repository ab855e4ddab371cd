-- wrk script: unique registrations for POST /v1/tranches/t2/submissions, and the
-- acknowledgement latency percentiles (including p99.9) at the end.
--   wrk -t2 -c1000 -d20s -s bench/registrations.lua http://127.0.0.1:8080
local counter = 0
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("prefix", "w" .. thread_number)
end

function request()
  counter = counter + 1
  local body = '{"participant":"person-' .. prefix .. '-' .. counter .. '"}'
  return wrk.format("POST", "/v1/tranches/t2/submissions", {
    ["Authorization"] = "Bearer dev-portal-token",
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max %.2f ms\n", latency.max / 1000))
end
