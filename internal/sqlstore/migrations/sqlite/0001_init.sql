-- 0001: the first schema.
--
-- Times are Unix milliseconds (UTC). Every table is keyed by the project
-- first, so that every statement of a request touches one project's rows,
-- and the tables that are read by key are WITHOUT ROWID: the primary key is
-- the clustered key and no second index on it is needed (compact at a
-- million sessions).

-- One row per project that ever stored something. Each write transaction
-- starts by locking its project's row (SQLite: BEGIN IMMEDIATE; PostgreSQL:
-- SELECT ... FOR UPDATE), so the checks of a request and its writes happen
-- in a serialised order per project. The counters make quota checks O(1).
-- pk is a short stand-in for the 32-character project ID in every other
-- table and index.
CREATE TABLE projects (
    pk            INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    session_count INTEGER NOT NULL DEFAULT 0,
    filter_count  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE filters (
    project_pk  INTEGER NOT NULL REFERENCES projects (pk),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_pk, id)
) WITHOUT ROWID;

CREATE INDEX filters_name ON filters (project_pk, name, id);
CREATE INDEX filters_description ON filters (project_pk, description, id);

-- Rules go with their filter. The unique key is rule X4 (one priority per
-- filter and direction); it also serves the foreign key and loading the
-- rules of a filter in (direction, priority) order.
CREATE TABLE filter_rules (
    project_pk             INTEGER NOT NULL,
    id                     TEXT    NOT NULL,
    filter_id              TEXT    NOT NULL,
    direction              TEXT    NOT NULL,
    description            TEXT    NOT NULL,
    source_cidr            TEXT    NOT NULL,
    destination_cidr       TEXT    NOT NULL,
    source_port_range      TEXT    NOT NULL,
    destination_port_range TEXT    NOT NULL,
    ethertype              TEXT    NOT NULL,
    protocol               TEXT    NOT NULL, -- in the client's letter case
    action                 TEXT    NOT NULL,
    priority               INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    PRIMARY KEY (project_pk, id),
    UNIQUE (project_pk, filter_id, direction, priority),
    FOREIGN KEY (project_pk, filter_id) REFERENCES filters (project_pk, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX filter_rules_priority ON filter_rules (project_pk, priority, id);
CREATE INDEX filter_rules_description ON filter_rules (project_pk, description, id);

-- sources holds the session's sources as a JSON array of strings in
-- association order, as sent, so a session is read from one row;
-- session_sources holds the same IDs for the rules. target_key is the
-- lower-case target ID: sources and targets are compared case-insensitively.
-- A filter in use cannot be deleted (no cascade).
CREATE TABLE sessions (
    project_pk         INTEGER NOT NULL REFERENCES projects (pk),
    id                 TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    filter_id          TEXT    NOT NULL,
    sources            TEXT    NOT NULL,
    target_id          TEXT    NOT NULL,
    target_key         TEXT    NOT NULL,
    target_type        TEXT    NOT NULL,
    virtual_network_id INTEGER NOT NULL,
    packet_length      INTEGER NOT NULL,
    priority           INTEGER NOT NULL,
    enabled            BOOLEAN NOT NULL,
    type               TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (project_pk, id),
    FOREIGN KEY (project_pk, filter_id) REFERENCES filters (project_pk, id)
) WITHOUT ROWID;

-- One index per list filter that can be selective, each ending in id so a
-- filtered page is read in keyset order. type and target_type have two
-- values each and are filtered on the primary key range.
CREATE INDEX sessions_name ON sessions (project_pk, name, id);
CREATE INDEX sessions_description ON sessions (project_pk, description, id);
CREATE INDEX sessions_filter ON sessions (project_pk, filter_id, id);
CREATE INDEX sessions_target ON sessions (project_pk, target_key, id);
CREATE INDEX sessions_priority ON sessions (project_pk, priority, id);
CREATE INDEX sessions_enabled ON sessions (project_pk, enabled, id);
CREATE INDEX sessions_virtual_network ON sessions (project_pk, virtual_network_id, id);
CREATE INDEX sessions_packet_length ON sessions (project_pk, packet_length, id);

-- The sources of each session, keyed by lower-case source ID, for the rules
-- that span sessions: the unique key makes two sessions sharing a source
-- with one priority impossible (rule S11) and serves counting the sessions
-- of a source (S10) and finding sources that would become targets (S9).
-- priority is the session's, kept equal on every priority change.
CREATE TABLE session_sources (
    project_pk INTEGER NOT NULL,
    session_id TEXT    NOT NULL,
    source_key TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    priority   INTEGER NOT NULL,
    PRIMARY KEY (project_pk, session_id, source_key),
    UNIQUE (project_pk, source_key, priority),
    FOREIGN KEY (project_pk, session_id) REFERENCES sessions (project_pk, id) ON DELETE CASCADE
) WITHOUT ROWID;
