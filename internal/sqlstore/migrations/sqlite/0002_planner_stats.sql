-- 0002: hints for SQLite's query planner.
--
-- Without statistics SQLite assumes that an equality on the first column of
-- an index selects about 10 rows. Every index here starts with project_pk,
-- which in truth selects a whole project, so the planner would walk a
-- project's primary key range and filter it, instead of using the index of
-- a list filter or of a rule check. These rows, in the documented format of
-- sqlite_stat1 ("rows, then rows per distinct value of the first 1, 2, ...
-- columns"), describe a large database: 10 projects, 100,000 sessions and
-- 1,000 filters each. ANALYZE replaces them with measured values.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('projects',        'sqlite_autoindex_projects_1',        '10 1'),
    ('filters',         'sqlite_autoindex_filters_1',         '10000 1000 1'),
    ('filters',         'filters_name',                       '10000 1000 10 1'),
    ('filters',         'filters_description',                '10000 1000 100 1'),
    ('filter_rules',    'sqlite_autoindex_filter_rules_1',    '100000 10000 1'),
    ('filter_rules',    'sqlite_autoindex_filter_rules_2',    '100000 10000 10 5 1'),
    ('filter_rules',    'filter_rules_priority',              '100000 10000 1000 1'),
    ('filter_rules',    'filter_rules_description',           '100000 10000 1000 1'),
    ('sessions',        'sqlite_autoindex_sessions_1',        '1000000 100000 1'),
    ('sessions',        'sessions_name',                      '1000000 100000 10 1'),
    ('sessions',        'sessions_description',               '1000000 100000 100 1'),
    ('sessions',        'sessions_filter',                    '1000000 100000 100 1'),
    ('sessions',        'sessions_target',                    '1000000 100000 10 1'),
    ('sessions',        'sessions_priority',                  '1000000 100000 100 1'),
    ('sessions',        'sessions_enabled',                   '1000000 100000 50000 1'),
    ('sessions',        'sessions_virtual_network',           '1000000 100000 1000 1'),
    ('sessions',        'sessions_packet_length',             '1000000 100000 1000 1'),
    ('session_sources', 'sqlite_autoindex_session_sources_1', '2000000 200000 2 1'),
    ('session_sources', 'sqlite_autoindex_session_sources_2', '2000000 200000 2 1');
-- Makes the connection that ran this migration load the rows; other
-- connections load them when they read the schema.
ANALYZE sqlite_schema;
