-- 0003: a smaller database (about a fifth less at a million sessions),
-- with the same rules and the same indexes for every list filter.
--
-- session_sources becomes one B-tree. Its primary key (project_pk,
-- source_key, priority) is rule S11 (sessions sharing a source have
-- different priorities), serves counting the sessions of a source (S10)
-- and finding the sessions of a source (S9), and, as a session's priority is
-- that of its rows, it also keeps a session from holding one source twice.
-- The second unique key, keyed by session, is gone: the store finds a
-- session's rows from sessions.sources and sessions.priority. So is the
-- foreign key to sessions, which would make SQLite search the whole table
-- for the rows of each deleted session without that key; the store deletes
-- a session's rows itself, in the same transaction. position is gone too:
-- sessions.sources holds the order.
CREATE TABLE session_sources_0003 (
    project_pk INTEGER NOT NULL,
    source_key TEXT    NOT NULL,
    priority   INTEGER NOT NULL,
    session_id TEXT    NOT NULL,
    PRIMARY KEY (project_pk, source_key, priority)
) WITHOUT ROWID;
INSERT INTO session_sources_0003 (project_pk, source_key, priority, session_id)
    SELECT project_pk, source_key, priority, session_id FROM session_sources
    ORDER BY project_pk, source_key, priority;
DROP TABLE session_sources;
ALTER TABLE session_sources_0003 RENAME TO session_sources;

-- target_key was a copy of lower(target_id) for its index; an index on the
-- expression serves the same queries, which name lower(target_id).
DROP INDEX sessions_target;
ALTER TABLE sessions DROP COLUMN target_key;
CREATE INDEX sessions_target ON sessions (project_pk, lower(target_id), id);

-- The planner hints of 0002 for the indexes made here (dropping an index
-- drops its statistics).
DELETE FROM sqlite_stat1 WHERE tbl = 'session_sources' OR idx = 'sessions_target';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('sessions',        'sessions_target',                    '1000000 100000 10 1'),
    ('session_sources', 'sqlite_autoindex_session_sources_1', '2000000 200000 2 1');
ANALYZE sqlite_schema;
