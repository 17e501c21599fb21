-- 0003: a smaller database, as SQLite's 0003 (see ../sqlite/0003_compact.sql
-- for the reasons): session_sources keyed by (project_pk, source_key,
-- priority) alone, without position and without the foreign key to
-- sessions, which PostgreSQL would check on every deleted session by
-- reading the whole table without the key by session; and target_key
-- replaced by an index on lower(target_id).
ALTER TABLE session_sources DROP CONSTRAINT session_sources_pkey;
ALTER TABLE session_sources DROP CONSTRAINT session_sources_project_pk_session_id_fkey;
ALTER TABLE session_sources DROP CONSTRAINT session_sources_priority_key;
ALTER TABLE session_sources DROP COLUMN position;
ALTER TABLE session_sources ADD PRIMARY KEY (project_pk, source_key, priority);

DROP INDEX sessions_target;
ALTER TABLE sessions DROP COLUMN target_key;
CREATE INDEX sessions_target ON sessions (project_pk, lower(target_id), id);
