-- 0002: SQLite's planner hints. PostgreSQL keeps its own statistics, so
-- there is nothing to do; the migration exists so that a schema version
-- means the same on both databases.
SELECT 1;
