// The PostgreSQL store's schema: the same versioned migrations as the SQLite store (the same
// identifiers, in the same order, each the same change in PostgreSQL's types), recorded in
// `dcl_migrations`. They run in one transaction under an advisory lock, so replicas starting
// together migrate once; a database that records a migration this dcl does not know was written
// by a newer dcl and is refused rather than misread.

import DCLFleet

enum PostgresSchema {
    /// The advisory lock every migrating replica takes (an arbitrary constant: "dcl-fleet").
    static let migrationLock: Int64 = 0x64_636c_666c_6565

    static let migrations: [(name: String, sql: [String])] = {
        let names = SQLiteFleetStore.migrationNames
        return [
            (names[0], [
                """
                CREATE TABLE runs (
                  id BIGSERIAL PRIMARY KEY,
                  created_at DOUBLE PRECISION NOT NULL,
                  finished BOOLEAN NOT NULL DEFAULT FALSE)
                """,
                """
                CREATE TABLE rounds (
                  id BIGSERIAL PRIMARY KEY,
                  run_id BIGINT NOT NULL REFERENCES runs(id),
                  number BIGINT NOT NULL,
                  opened_at DOUBLE PRECISION NOT NULL,
                  deadline DOUBLE PRECISION NOT NULL,
                  closed BOOLEAN NOT NULL DEFAULT FALSE,
                  UNIQUE (run_id, number))
                """,
                """
                CREATE TABLE objects (
                  sha256 BYTEA PRIMARY KEY CHECK (length(sha256) = 32),
                  size BIGINT NOT NULL CHECK (size >= 0),
                  bytes BYTEA NOT NULL)
                """,
                """
                CREATE TABLE tasks (
                  id BIGSERIAL PRIMARY KEY,
                  run_id BIGINT NOT NULL REFERENCES runs(id),
                  round_id BIGINT NOT NULL REFERENCES rounds(id),
                  seq INTEGER NOT NULL,
                  device INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  spec BYTEA NOT NULL,
                  state TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'dropped')),
                  lease_expiry DOUBLE PRECISION,
                  drop_reason TEXT,
                  UNIQUE (round_id, seq))
                """,
                "CREATE INDEX tasks_by_device ON tasks (run_id, device, state)",
                """
                CREATE TABLE task_blobs (
                  task_id BIGINT NOT NULL REFERENCES tasks(id),
                  position INTEGER NOT NULL,
                  sha256 BYTEA NOT NULL REFERENCES objects(sha256),
                  PRIMARY KEY (task_id, position))
                """,
                "CREATE INDEX task_blobs_by_hash ON task_blobs (sha256)",
                """
                CREATE TABLE results (
                  task_id BIGINT PRIMARY KEY REFERENCES tasks(id),
                  spec BYTEA NOT NULL,
                  failure TEXT,
                  received_at DOUBLE PRECISION NOT NULL)
                """,
                """
                CREATE TABLE result_blobs (
                  task_id BIGINT NOT NULL REFERENCES results(task_id),
                  position INTEGER NOT NULL,
                  sha256 BYTEA NOT NULL REFERENCES objects(sha256),
                  PRIMARY KEY (task_id, position))
                """,
                """
                CREATE TABLE devices (
                  run_id BIGINT NOT NULL REFERENCES runs(id),
                  device INTEGER NOT NULL,
                  token_hash BYTEA NOT NULL CHECK (length(token_hash) = 32),
                  registered_at DOUBLE PRECISION NOT NULL,
                  last_seen DOUBLE PRECISION NOT NULL,
                  PRIMARY KEY (run_id, device))
                """,
            ]),
            (names[1], [
                "ALTER TABLE runs ADD COLUMN key BYTEA CHECK (key IS NULL OR length(key) = 32)",
                "CREATE INDEX runs_by_key ON runs (key, finished)",
            ]),
            (names[2], [
                "CREATE INDEX tasks_by_state ON tasks (run_id, state, device)",
                "CREATE INDEX tasks_by_round_state ON tasks (round_id, state)",
            ]),
            // SQLite moved objects' bytes into files; replicas on several machines share no
            // folder, so here they move into chunks of `chunkBytes` rows: a value is sent in one
            // protocol message and held whole on both ends, and a weight file may be hundreds of
            // MiB. `objects.bytes` stays (empty) for the objects written since.
            (names[3], [
                "ALTER TABLE objects ADD COLUMN outside BOOLEAN NOT NULL DEFAULT FALSE",
                """
                CREATE TABLE object_chunks (
                  sha256 BYTEA NOT NULL REFERENCES objects(sha256),
                  position INTEGER NOT NULL,
                  bytes BYTEA NOT NULL,
                  PRIMARY KEY (sha256, position))
                """,
            ]),
            // Sample pools (SamplePool.swift). `pool_users.embedding` holds the pool's retrieval
            // index when one is published (PostgresFleetStore+PoolRetrieval.swift): a plain array
            // here, so the schema needs no extension; the `cube` GiST index over it is built on
            // demand where the extension is installed.
            (names[4], [
                """
                CREATE TABLE pools (
                  id BIGSERIAL PRIMARY KEY,
                  name TEXT NOT NULL UNIQUE,
                  kind TEXT NOT NULL,
                  source TEXT NOT NULL,
                  has_rating BOOLEAN NOT NULL,
                  has_label BOOLEAN NOT NULL,
                  has_time BOOLEAN NOT NULL,
                  has_genres BOOLEAN NOT NULL,
                  samples BIGINT NOT NULL CHECK (samples >= 0),
                  users BIGINT NOT NULL CHECK (users >= 0),
                  items BIGINT NOT NULL CHECK (items >= 0),
                  created_at DOUBLE PRECISION NOT NULL)
                """,
                """
                CREATE TABLE pool_samples (
                  pool_id BIGINT NOT NULL REFERENCES pools(id),
                  seq BIGINT NOT NULL,
                  user_index INTEGER NOT NULL,
                  item_index INTEGER NOT NULL,
                  rating REAL,
                  label REAL,
                  time BIGINT,
                  PRIMARY KEY (pool_id, seq))
                """,
                """
                CREATE TABLE pool_users (
                  pool_id BIGINT NOT NULL REFERENCES pools(id),
                  user_index INTEGER NOT NULL,
                  user_id BIGINT NOT NULL,
                  embedding DOUBLE PRECISION[],
                  PRIMARY KEY (pool_id, user_index))
                """,
                """
                CREATE TABLE pool_items (
                  pool_id BIGINT NOT NULL REFERENCES pools(id),
                  item_index INTEGER NOT NULL,
                  item_id BIGINT NOT NULL,
                  genres TEXT,
                  PRIMARY KEY (pool_id, item_index))
                """,
            ]),
        ]
    }()

    /// The size of an object's chunks.
    static let chunkBytes = 1 << 20
}
