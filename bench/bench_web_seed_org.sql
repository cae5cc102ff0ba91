INSERT INTO teams (id, name, region, created_at, updated_at)
SELECT gen_random_uuid(), 'Region ' || r, 'Region ' || r, now(), now() FROM generate_series(1, 8) r;
INSERT INTO users (id, email, full_name, role, is_active, out_of_office, time_zone, created_at, updated_at)
SELECT gen_random_uuid(), 'manager' || m || '@bench.example', 'Manager ' || m, 'manager', true, false, 'UTC', now(), now()
FROM generate_series(1, 48) m;
INSERT INTO teams (id, name, parent_id, manager_id, region, segment, created_at, updated_at)
SELECT gen_random_uuid(), 'Team ' || m, (SELECT id FROM teams WHERE name = 'Region ' || (1 + (m - 1) / 6)),
       (SELECT id FROM users WHERE email = 'manager' || m || '@bench.example'),
       'Region ' || (1 + (m - 1) / 6), (ARRAY['smb','mid_market','enterprise'])[1 + m % 3], now(), now()
FROM generate_series(1, 48) m;
INSERT INTO users (id, email, full_name, role, team_id, manager_id, segment, is_active, out_of_office, time_zone, created_at, updated_at)
SELECT gen_random_uuid(), 'rep' || r || '@bench.example', 'Rep ' || r, 'rep',
       (SELECT id FROM teams WHERE name = 'Team ' || (1 + (r - 1) / 10)),
       (SELECT id FROM users WHERE email = 'manager' || (1 + (r - 1) / 10) || '@bench.example'),
       (ARRAY['smb','mid_market','enterprise'])[1 + r % 3], true, false, 'UTC', now(), now()
FROM generate_series(1, 480) r;
INSERT INTO accounts (id, name, segment, industry, country, created_at, updated_at)
SELECT gen_random_uuid(), 'Account ' || a, (ARRAY['smb','mid_market','enterprise'])[1 + a % 3],
       (ARRAY['Software','Retail','Finance','Health','Energy'])[1 + a % 5], 'US', now(), now()
FROM generate_series(1, 50000) a;
