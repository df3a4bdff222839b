package cache

import (
	"context"
	"database/sql"
	"fmt"
)

// applicationID marks a database file as bosun's cache (PRAGMA
// application_id, bytes 68-71 of the header): "BoSu".
const applicationID = 0x426f5375

// migration moves the schema from version-1 to version. The schema version
// of a file is PRAGMA user_version.
type migration struct {
	version int
	name    string
	up      func(ctx context.Context, tx *sql.Tx) error
}

// migrations is the ordered list of schema changes; index i holds version
// i+1. To change the schema, append a migration with the next version (for
// example history tables in the file that uses them, added here) and never
// edit one that has shipped: files already carrying it skip it. A migration
// that changes how instances are encoded may simply delete the cached
// snapshots; they are refetched.
var migrations = []migration{
	{version: 1, name: "director, deployment and instance snapshots", up: execSQL(schemaV1)},
	logBundlesMigration,
	migrationClusters,     // cache/clusters.go
	cckHistoryMigration,   // cache/cck_history.go
	eventsMigration,       // cache/events.go
	auditHistoryMigration, // cache/audit_history.go
	logBundlesListedMigration,
	actionHistoryMigration,    // cache/action_history.go
	instanceListingsMigration, // cache/listing.go
}

// execSQL is a migration step made of SQL statements only.
func execSQL(stmts string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, stmts)
		return err
	}
}

// schemaV1 holds the snapshots. Times are Unix nanoseconds.
const schemaV1 = `
CREATE TABLE directors (
	env              TEXT PRIMARY KEY, -- environment URL or alias, credentials stripped
	uuid             TEXT NOT NULL,
	name             TEXT NOT NULL,
	version          TEXT NOT NULL,
	user_name        TEXT NOT NULL,
	auth_type        TEXT NOT NULL,
	cpi              TEXT NOT NULL,
	stemcell_os      TEXT NOT NULL,
	stemcell_version TEXT NOT NULL,
	uaa_url          TEXT NOT NULL,
	features         TEXT NOT NULL,    -- JSON object of feature name to enabled
	fetched_at       INTEGER NOT NULL
);

CREATE TABLE deployment_snapshots (
	director_uuid TEXT PRIMARY KEY,
	fetched_at    INTEGER NOT NULL
);

CREATE TABLE deployments (
	director_uuid TEXT NOT NULL REFERENCES deployment_snapshots (director_uuid) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	releases      TEXT NOT NULL, -- JSON array of "name/version"
	stemcells     TEXT NOT NULL, -- JSON array of "name/version"
	teams         TEXT NOT NULL, -- JSON array
	locked        INTEGER NOT NULL,
	PRIMARY KEY (director_uuid, name)
) WITHOUT ROWID;

CREATE TABLE instance_snapshots (
	id            INTEGER PRIMARY KEY,
	director_uuid TEXT NOT NULL,
	deployment    TEXT NOT NULL,
	fetched_at    INTEGER NOT NULL,
	UNIQUE (director_uuid, deployment)
);

CREATE TABLE instances (
	snapshot_id INTEGER NOT NULL REFERENCES instance_snapshots (id) ON DELETE CASCADE,
	grp         TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	instance_id TEXT NOT NULL,
	is_full     INTEGER NOT NULL, -- came from the format=full listing
	body        BLOB NOT NULL,    -- the instance, encoded by encodeInstance
	UNIQUE (snapshot_id, grp, idx, instance_id)
);
`

// checkMigrations reports a list that is not numbered 1, 2, 3, ...
func checkMigrations(list []migration) error {
	for i, m := range list {
		if m.version != i+1 {
			return fmt.Errorf("cache: migration %q has version %d, want %d", m.name, m.version, i+1)
		}
		if m.up == nil {
			return fmt.Errorf("cache: migration %d (%s) has no step", m.version, m.name)
		}
	}
	return nil
}

// migrate brings the schema to the last version in list, in one EXCLUSIVE
// transaction that first reads the file's state: concurrent bosun
// processes wait for each other (under busy_timeout), apply each migration
// once, and a failed migration leaves the file at its previous version.
func (s *Store) migrate(ctx context.Context, list []migration) error {
	if err := checkMigrations(list); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(s.path, "_txlock=exclusive", "_pragma=foreign_keys(1)"))
	if err != nil {
		return fmt.Errorf("cache: open %s: %w", s.path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("begin migration", err)
	}
	defer tx.Rollback()
	st, err := readState(ctx, tx)
	if err != nil {
		return s.wrap("read schema", err)
	}
	if reason := st.classify(len(list)); reason != "" {
		return newCorrupt(s.path, reason, nil)
	}
	if st.userVersion == len(list) {
		return nil
	}
	for _, m := range list[st.userVersion:] {
		if err := m.up(ctx, tx); err != nil {
			return s.wrap(fmt.Sprintf("migration %d (%s)", m.version, m.name), err)
		}
	}
	// PRAGMA arguments cannot be bound; both values are integers bosun owns.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", len(list), applicationID)); err != nil {
		return s.wrap("record schema version", err)
	}
	return s.wrap("commit migration", tx.Commit())
}
