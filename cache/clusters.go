package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bosun/pks"
)

// Cached PKS clusters, keyed by the director the clusters' deployments
// live on, so the clusters screen and `bosun clusters` still name clusters
// when the PKS API cannot be reached. A cluster holds no secret; the
// kubeconfig credentials are never cached.

// migrationClusters adds the cluster snapshots.
var migrationClusters = migration{version: 3, name: "PKS cluster snapshots", up: execSQL(schemaClusters)}

const schemaClusters = `
CREATE TABLE cluster_snapshots (
	director_uuid TEXT PRIMARY KEY,
	api_url       TEXT NOT NULL, -- the PKS API they came from, credentials stripped
	fetched_at    INTEGER NOT NULL
);

CREATE TABLE clusters (
	director_uuid TEXT NOT NULL REFERENCES cluster_snapshots (director_uuid) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	uuid          TEXT NOT NULL,
	body          TEXT NOT NULL, -- the cluster as the PKS API gave it (JSON)
	PRIMARY KEY (director_uuid, name)
) WITHOUT ROWID;
`

// SaveClusters replaces the cached clusters of director uuid.
func (s *Store) SaveClusters(uuid, apiURL string, clusters []pks.Cluster, at time.Time) error {
	const op = "save clusters"
	if err := checkUUID(uuid); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	if err := checkTime(at); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	bodies := make([][]byte, len(clusters))
	seen := make(map[string]bool, len(clusters))
	for i, c := range clusters {
		if c.Name == "" {
			return fmt.Errorf("cache: %s: cluster %d has no name", op, i)
		}
		if seen[c.Name] {
			return fmt.Errorf("cache: %s: cluster %q is listed twice", op, c.Name)
		}
		seen[c.Name] = true
		var err error
		if bodies[i], err = json.Marshal(c); err != nil {
			return fmt.Errorf("cache: %s: %w", op, err)
		}
	}
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO cluster_snapshots (director_uuid, api_url, fetched_at) VALUES (?, ?, ?)
			ON CONFLICT (director_uuid) DO UPDATE SET api_url = excluded.api_url, fetched_at = excluded.fetched_at`,
			uuid, withoutUserinfo(apiURL), at.UnixNano()); err != nil {
			return s.wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM clusters WHERE director_uuid = ?`, uuid); err != nil {
			return s.wrap(op, err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO clusters (director_uuid, name, uuid, body) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return s.wrap(op, err)
		}
		defer ins.Close()
		for i, c := range clusters {
			if _, err := ins.ExecContext(ctx, uuid, c.Name, c.UUID, string(bodies[i])); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// Clusters is the cached cluster list of director uuid, sorted by name,
// with the PKS API it came from and when; ErrNotCached if never saved.
func (s *Store) Clusters(uuid string) ([]pks.Cluster, string, time.Time, error) {
	const op = "read clusters"
	var (
		out []pks.Cluster
		api string
		at  int64
	)
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT api_url, fetched_at FROM cluster_snapshots WHERE director_uuid = ?`, uuid).Scan(&api, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotCached
		}
		if err != nil {
			return s.wrap(op, err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, body FROM clusters WHERE director_uuid = ? ORDER BY name`, uuid)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		out = []pks.Cluster{}
		for rows.Next() {
			var name, body string
			if err := rows.Scan(&name, &body); err != nil {
				return s.wrap(op, err)
			}
			var c pks.Cluster
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				return s.corrupt(fmt.Sprintf("cluster %q is unreadable: %v", name, err), err)
			}
			out = append(out, c)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, "", time.Time{}, err
	}
	return out, api, fromNanos(at), nil
}
