package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"bosun/bosh"
)

// logBundlesMigration adds the index of downloaded log bundles.
var logBundlesMigration = migration{version: 2, name: "index of downloaded log bundles", up: execSQL(schemaLogBundles)}

const schemaLogBundles = `
CREATE TABLE log_bundles (
	id            INTEGER PRIMARY KEY,
	director_uuid TEXT NOT NULL,
	deployment    TEXT NOT NULL,
	instance      TEXT NOT NULL, -- "group/0", "group", or "" for the whole deployment
	log_type      TEXT NOT NULL, -- "job", "agent,job", ...
	fetched_at    INTEGER NOT NULL,
	bytes         INTEGER NOT NULL,
	sha256        TEXT NOT NULL,
	path          TEXT NOT NULL UNIQUE,
	task_id       INTEGER NOT NULL,
	files         TEXT NOT NULL  -- JSON array of {path, size}
);
CREATE INDEX log_bundles_by_time ON log_bundles (fetched_at);
`

// logBundlesListedMigration marks which bundles have their files listed:
// downloads no longer list them (that reads the whole bundle), the first
// look inside does. Bundles indexed before were listed.
var logBundlesListedMigration = migration{version: 7, name: "log bundles listed on demand",
	up: execSQL(`ALTER TABLE log_bundles ADD COLUMN listed INTEGER NOT NULL DEFAULT 1`)}

// States of an indexed bundle's file, checked on every listing.
const (
	BundlePresent = "present"
	BundleMissing = "missing" // the file was deleted or moved
	BundleChanged = "changed" // the file's size is not what was downloaded
)

// LogBundle is one entry of the bundle index.
type LogBundle struct {
	ID         int64     `json:"id"`
	Director   string    `json:"director_uuid"`
	Deployment string    `json:"deployment"`
	Instance   string    `json:"instance"`
	Type       string    `json:"type"`
	FetchedAt  time.Time `json:"fetched_at"`
	Bytes      int64     `json:"bytes"`
	SHA256     string    `json:"sha256"`
	Path       string    `json:"path"`
	TaskID     int       `json:"task_id"`
	Files      *int      `json:"files"` // nil: not listed yet
	State      string    `json:"state"`
}

// ErrNoBundle is returned for an id the index does not hold.
var ErrNoBundle = errors.New("cache: no such log bundle")

// ErrNotListed is returned for the files of a bundle not listed yet.
var ErrNotListed = errors.New("cache: the bundle's files are not listed yet")

// AddLogBundle records a bundle downloaded from director uuid, with its
// file list when b has one (b.Files nil: not listed yet), and returns its
// id. The path is stored absolute; a bundle
// already indexed at that path is replaced.
func (s *Store) AddLogBundle(uuid string, b bosh.Bundle) (int64, error) {
	if err := checkUUID(uuid); err != nil {
		return 0, fmt.Errorf("cache: index log bundle: %w", err)
	}
	if b.Path == "" || b.SHA256 == "" || b.Deployment == "" {
		return 0, errors.New("cache: index log bundle: path, sha256 and deployment are required")
	}
	if err := checkTime(b.FetchedAt); err != nil {
		return 0, fmt.Errorf("cache: index log bundle: %w", err)
	}
	abs, err := filepath.Abs(b.Path)
	if err != nil {
		return 0, fmt.Errorf("cache: index log bundle: %w", err)
	}
	listed := b.Files != nil
	files := b.Files
	if files == nil {
		files = []bosh.BundleFile{}
	}
	list, err := json.Marshal(files)
	if err != nil {
		return 0, fmt.Errorf("cache: index log bundle: %w", err)
	}
	const op = "index log bundle"
	var id int64
	err = s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO log_bundles (director_uuid, deployment, instance, log_type, fetched_at, bytes, sha256, path, task_id, files, listed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (path) DO UPDATE SET director_uuid = excluded.director_uuid, deployment = excluded.deployment,
				instance = excluded.instance, log_type = excluded.log_type, fetched_at = excluded.fetched_at,
				bytes = excluded.bytes, sha256 = excluded.sha256, task_id = excluded.task_id, files = excluded.files,
				listed = excluded.listed
			RETURNING id`,
			uuid, b.Deployment, b.Instance, b.Type, b.FetchedAt.UnixNano(), b.Bytes, b.SHA256, abs, b.TaskID, string(list), listed).Scan(&id)
		return s.wrap(op, err)
	})
	return id, err
}

// LogBundles lists the index, newest first, each with the state of its
// file on disk now.
func (s *Store) LogBundles() ([]LogBundle, error) {
	const op = "list log bundles"
	var out []LogBundle
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT id, director_uuid, deployment, instance, log_type, fetched_at, bytes, sha256, path, task_id,
				CASE WHEN listed THEN json_array_length(files) END
			FROM log_bundles ORDER BY fetched_at DESC, id DESC`)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var b LogBundle
			var at int64
			var files sql.NullInt64
			if err := rows.Scan(&b.ID, &b.Director, &b.Deployment, &b.Instance, &b.Type, &at, &b.Bytes, &b.SHA256, &b.Path, &b.TaskID, &files); err != nil {
				return s.wrap(op, err)
			}
			if files.Valid {
				n := int(files.Int64)
				b.Files = &n
			}
			b.FetchedAt = fromNanos(at)
			out = append(out, b)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].State = bundleState(out[i].Path, out[i].Bytes)
	}
	return out, nil
}

// bundleState compares the file at path with what was downloaded.
func bundleState(path string, size int64) string {
	st, err := os.Stat(path)
	switch {
	case err != nil || !st.Mode().IsRegular():
		return BundleMissing
	case st.Size() != size:
		return BundleChanged
	}
	return BundlePresent
}

// LogBundleFiles is the file list recorded for bundle id, ErrNotListed
// when it was not listed yet.
func (s *Store) LogBundleFiles(id int64) ([]bosh.BundleFile, error) {
	const op = "read log bundle files"
	var raw string
	var listed bool
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT files, listed FROM log_bundles WHERE id = ?`, id).Scan(&raw, &listed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoBundle
		}
		return s.wrap(op, err)
	})
	if err != nil {
		return nil, err
	}
	if !listed {
		return nil, ErrNotListed
	}
	var files []bosh.BundleFile
	if err := json.Unmarshal([]byte(raw), &files); err != nil {
		return nil, s.wrap(op, err)
	}
	return files, nil
}

// SetLogBundleFiles records the file list of bundle id, read from its
// file.
func (s *Store) SetLogBundleFiles(id int64, files []bosh.BundleFile) error {
	const op = "record log bundle files"
	if files == nil {
		files = []bosh.BundleFile{}
	}
	list, err := json.Marshal(files)
	if err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE log_bundles SET files = ?, listed = 1 WHERE id = ?`, string(list), id)
		if err != nil {
			return s.wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoBundle
		}
		return nil
	})
}

// ForgetLogBundle removes bundle id from the index; the file is left alone.
func (s *Store) ForgetLogBundle(id int64) error {
	const op = "forget log bundle"
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM log_bundles WHERE id = ?`, id)
		if err != nil {
			return s.wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoBundle
		}
		return nil
	})
}
