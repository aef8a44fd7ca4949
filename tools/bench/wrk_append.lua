-- wrk load: each request files new complaints over HTTP, a second load generator independent
-- of the project's own (bench_http). One event per request, or a batch of B events to one new
-- stream with expectedVersion "none": a complaint filed, then escalated B-1 times.
--
--   wrk -t2 -c16 -d15s -s tools/bench/wrk_append.lua http://127.0.0.1:8080 -- TOKEN [B] [ESTATE] [HOUSEHOLD]
--
-- Prints one line for bench scripts to read:
--   wrk connections=16 batch=1 requests=... events=... eps=... p50_ms=... p99_ms=... errors=...

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  batch = tonumber(args[2] or "1")
  estate = args[3] or "estate/e02"
  -- A household must be registered in the ledger; none is named unless one is given.
  household = args[4] or ""
  -- Unique across runs and threads: event ids are idempotency keys.
  prefix = string.format("wrk-%d-%d-%d", os.time(), math.random(1, 1000000000), id)
  counter = 0
  errors = 0
end

local function event(eid)
  return '{"eventId":"' .. eid .. '","type":"complaintFiled",' ..
      '"occurredAt":"2025-12-01T21:30:00+08:00","data":{"complaintId":"' .. eid ..
      '","estateId":"' .. estate .. '",' ..
      (household ~= "" and ('"householdId":"' .. household .. '",') or "") ..
      '"category":"water","channel":"hotline",' ..
      '"summary":"3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理"}}'
end

local function escalation(eid, complaint)
  return '{"eventId":"' .. eid .. '","type":"complaintEscalated","data":{"complaintId":"' ..
      complaint .. '","reason":"超过时限未回复，居民再次来电催办"}}'
end

function request()
  counter = counter + 1
  local name = prefix .. "-" .. counter
  local body
  if batch == 1 then
    body = event(name)
  else
    -- One complaint per stream: filed, then escalated (the rule book's stream rule).
    local events = {event(name)}
    for i = 2, batch do events[i] = escalation(name .. "-" .. i, name) end
    body = '{"expectedVersion":"none","events":[' .. table.concat(events, ",") .. ']}'
  end
  return wrk.format("POST", "/v1/streams/complaint%2F" .. name .. "/events",
                    {["Authorization"] = "Bearer " .. token,
                     ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 201 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local errs = summary.errors.status + summary.errors.connect + summary.errors.read +
               summary.errors.write + summary.errors.timeout
  local b = tonumber(threads[1]:get("batch"))
  local seconds = summary.duration / 1e6
  local ok = summary.requests - errs
  io.write(string.format(
      "wrk connections=%s batch=%d requests=%d events=%d eps=%.0f p50_ms=%.2f p99_ms=%.2f " ..
      "errors=%d\n", os.getenv("WRK_CONNECTIONS") or "?", b, summary.requests, ok * b,
      ok * b / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errs))
end
