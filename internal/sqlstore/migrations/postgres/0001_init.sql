-- 0001: the first schema, the same as SQLite's (see ../sqlite/0001_init.sql
-- for the reasons of each table and index).
--
-- Differences from SQLite:
--   - IDs and keys are COLLATE "C": lists are ordered by ID byte-wise, and
--     markers compared byte-wise, whatever the database's collation.
--   - Integers are BIGINT, as SQLite's INTEGER, so that any int64 of a
--     list filter compares without an overflow; times are Unix milliseconds.
--   - enabled is a real BOOLEAN.
--   - No WITHOUT ROWID and no planner hints: PostgreSQL collects its own
--     statistics (autovacuum's ANALYZE).

-- Each write transaction starts with SELECT ... FOR UPDATE of its
-- project's row, which queues the writers of one project, whatever replica
-- they run in.
CREATE TABLE projects (
    pk            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT    COLLATE "C" NOT NULL UNIQUE,
    session_count BIGINT  NOT NULL DEFAULT 0,
    filter_count  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE filters (
    project_pk  BIGINT NOT NULL REFERENCES projects (pk),
    id          TEXT   COLLATE "C" NOT NULL,
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (project_pk, id)
);

CREATE INDEX filters_name ON filters (project_pk, name, id);
CREATE INDEX filters_description ON filters (project_pk, description, id);

CREATE TABLE filter_rules (
    project_pk             BIGINT NOT NULL,
    id                     TEXT   COLLATE "C" NOT NULL,
    filter_id              TEXT   COLLATE "C" NOT NULL,
    direction              TEXT   NOT NULL,
    description            TEXT   NOT NULL,
    source_cidr            TEXT   NOT NULL,
    destination_cidr       TEXT   NOT NULL,
    source_port_range      TEXT   NOT NULL,
    destination_port_range TEXT   NOT NULL,
    ethertype              TEXT   NOT NULL,
    protocol               TEXT   NOT NULL, -- in the client's letter case
    action                 TEXT   NOT NULL,
    priority               BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    PRIMARY KEY (project_pk, id),
    CONSTRAINT filter_rules_priority_key UNIQUE (project_pk, filter_id, direction, priority),
    FOREIGN KEY (project_pk, filter_id) REFERENCES filters (project_pk, id) ON DELETE CASCADE
);

CREATE INDEX filter_rules_priority ON filter_rules (project_pk, priority, id);
CREATE INDEX filter_rules_description ON filter_rules (project_pk, description, id);

CREATE TABLE sessions (
    project_pk         BIGINT  NOT NULL REFERENCES projects (pk),
    id                 TEXT    COLLATE "C" NOT NULL,
    name               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    filter_id          TEXT    COLLATE "C" NOT NULL,
    sources            TEXT    NOT NULL,
    target_id          TEXT    COLLATE "C" NOT NULL,
    target_key         TEXT    COLLATE "C" NOT NULL,
    target_type        TEXT    NOT NULL,
    virtual_network_id BIGINT  NOT NULL,
    packet_length      BIGINT  NOT NULL,
    priority           BIGINT  NOT NULL,
    enabled            BOOLEAN NOT NULL,
    type               TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    PRIMARY KEY (project_pk, id),
    FOREIGN KEY (project_pk, filter_id) REFERENCES filters (project_pk, id)
);

CREATE INDEX sessions_name ON sessions (project_pk, name, id);
CREATE INDEX sessions_description ON sessions (project_pk, description, id);
CREATE INDEX sessions_filter ON sessions (project_pk, filter_id, id);
CREATE INDEX sessions_target ON sessions (project_pk, target_key, id);
CREATE INDEX sessions_priority ON sessions (project_pk, priority, id);
CREATE INDEX sessions_enabled ON sessions (project_pk, enabled, id);
CREATE INDEX sessions_virtual_network ON sessions (project_pk, virtual_network_id, id);
CREATE INDEX sessions_packet_length ON sessions (project_pk, packet_length, id);

CREATE TABLE session_sources (
    project_pk BIGINT NOT NULL,
    session_id TEXT   COLLATE "C" NOT NULL,
    source_key TEXT   COLLATE "C" NOT NULL,
    position   BIGINT NOT NULL,
    priority   BIGINT NOT NULL,
    PRIMARY KEY (project_pk, session_id, source_key),
    CONSTRAINT session_sources_priority_key UNIQUE (project_pk, source_key, priority),
    FOREIGN KEY (project_pk, session_id) REFERENCES sessions (project_pk, id) ON DELETE CASCADE
);
