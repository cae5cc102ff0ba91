CREATE TEMP TABLE rep_ids AS SELECT row_number() OVER (ORDER BY email) AS n, id FROM users WHERE role = 'rep';
CREATE TEMP TABLE account_ids AS SELECT row_number() OVER (ORDER BY name) AS n, id FROM accounts;
CREATE TEMP TABLE stage_ids AS
  SELECT row_number() OVER (ORDER BY position) AS n, id, category, probability_bp, forecast_category
  FROM stages WHERE pipeline_id = (SELECT id FROM pipelines WHERE is_default);
INSERT INTO opportunities (id, name, account_id, owner_id, pipeline_id, stage_id, status, amount_minor,
    currency, probability_bp, forecast_category, forecast_category_overridden, type, opened_on,
    expected_close_on, closed_on, version, created_at, updated_at)
SELECT gen_random_uuid(), 'Deal ' || g, a.id, r.id, (SELECT id FROM pipelines WHERE is_default), s.id,
       s.category, (500000 + (hashint % 9500000))::bigint, 'USD', s.probability_bp, s.forecast_category,
       false, 'new_business', opened,
       opened + 30 + (hashint % 120),
       CASE WHEN s.category = 'open' THEN NULL ELSE LEAST(opened + 20 + (hashint % 150), DATE '2026-10-31') END,
       1, now(), now()
FROM (
  SELECT g, abs(hashtext(g::text)) AS hashint,
         DATE '2026-10-31' - (abs(hashtext('d' || g::text)) % 1460) AS opened
  FROM generate_series(1, %(n)s) g
) d
JOIN rep_ids r ON r.n = 1 + d.hashint % 480
JOIN account_ids a ON a.n = 1 + (d.hashint / 480) % 50000
JOIN stage_ids s ON s.n = CASE
    WHEN d.opened < DATE '2026-06-01' THEN (CASE WHEN d.hashint % 10 < 4 THEN 6 ELSE 7 END)
    ELSE 1 + d.hashint % 7 END;
ANALYZE;
