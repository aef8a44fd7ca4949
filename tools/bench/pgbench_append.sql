-- pgbench: one durable insert transaction per request into the event table, the baseline for
-- wrk's appends (tools/bench/wrk_append.lua): a complaint filed, and for batches (:batch rows in
-- one transaction) then escalated, as wrk sends them.
--   pgbench -n -f tools/bench/pgbench_append.sql -D batch=1 ...
WITH n AS (SELECT nextval('pgbench_ids') AS id)
INSERT INTO events (stream, version, event_id, type, occurred_at, actor_id, payload)
SELECT 'complaint/pgb-' || n.id, g,
       CASE WHEN g = 1 THEN 'pgb-' || n.id ELSE 'pgb-' || n.id || '-' || g END,
       CASE WHEN g = 1 THEN 'complaintFiled' ELSE 'complaintEscalated' END,
       '2025-12-01T21:30:00+08:00', 'person/pgbench',
       CASE WHEN g = 1 THEN
         jsonb_build_object('complaintId', 'pgb-' || n.id, 'estateId', 'estate/e02',
                            'category', 'water', 'channel', 'hotline',
                            'summary', '3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理')
       ELSE
         jsonb_build_object('complaintId', 'pgb-' || n.id,
                            'reason', '超过时限未回复，居民再次来电催办')
       END
FROM n, generate_series(1, :batch) AS g;
