-- pgbench: one durable insert per transaction into the event table, the baseline for wrk's
-- single-event appends (tools/bench/wrk_append.lua). :batch rows per transaction for batches.
--   pgbench -n -f tools/bench/pgbench_append.sql -D batch=1 ...
WITH n AS (SELECT nextval('pgbench_ids') AS id)
INSERT INTO events (stream, version, event_id, type, occurred_at, actor_id, payload)
SELECT 'complaint/pgb-' || n.id, g, 'pgb-' || n.id || '-' || g, 'complaintFiled',
       '2025-12-01T21:30:00+08:00', 'person/pgbench',
       jsonb_build_object('complaintId', 'complaint/pgb-' || n.id, 'estateId', 'estate/e02',
                          'householdId', 'household/e02-3-201', 'category', 'water',
                          'channel', 'hotline',
                          'summary', '3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理')
FROM n, generate_series(1, :batch) AS g;
