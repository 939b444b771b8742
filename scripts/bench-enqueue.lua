-- wrk script: POST /v1/analyses with a distinct question each time (no fresh result
-- to reuse, nothing in flight to join), so every request is one durable write and
-- one enqueue. Each wrk thread numbers its own requests.
-- Globals: wrk's thread:set and thread:get reach only those.
counter = 0
thread_no = 0
not_accepted = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- A run-unique base, so a second run against the same store is distinct too.
  math.randomseed(os.time() + thread_no)
  base = math.random(1, 1000000) * 1000000 + thread_no * 100000000000
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"query": "wireless headphones", "max_price": "%d"}', base + counter)
  return wrk.format("POST", "/v1/analyses", {["Content-Type"] = "application/json"}, body)
end

-- Counts the answers that were not 202, so a fast run of refusals is not mistaken
-- for a fast API.
function response(status, headers, body)
  if status ~= 202 then
    not_accepted = not_accepted + 1
  end
end

function done(summary, latency, requests)
  local refused = 0
  for _, t in ipairs(threads) do
    refused = refused + (t:get("not_accepted") or 0)
  end
  io.write(string.format("answers other than 202: %d\n", refused))
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
