package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bosun/bosh"
)

// SaveDeployments replaces the cached deployment list of director uuid.
// Deployments missing from deps disappear, with their cached instances.
func (s *Store) SaveDeployments(uuid string, deps []bosh.Deployment, at time.Time) error {
	if err := checkUUID(uuid); err != nil {
		return fmt.Errorf("cache: save deployments: %w", err)
	}
	if err := checkTime(at); err != nil {
		return fmt.Errorf("cache: save deployments: %w", err)
	}
	type row struct{ releases, stemcells, teams []byte }
	rows := make([]row, len(deps))
	seen := make(map[string]bool, len(deps))
	for i, d := range deps {
		if d.Name == "" {
			return fmt.Errorf("cache: save deployments: deployment %d has no name", i)
		}
		if seen[d.Name] {
			return fmt.Errorf("cache: save deployments: deployment %q is listed twice", d.Name)
		}
		seen[d.Name] = true
		var err error
		r := &rows[i]
		if r.releases, err = json.Marshal(d.Releases); err == nil {
			if r.stemcells, err = json.Marshal(d.Stemcells); err == nil {
				r.teams, err = json.Marshal(d.Teams)
			}
		}
		if err != nil {
			return fmt.Errorf("cache: save deployments: %w", err)
		}
	}
	const op = "save deployments"
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO deployment_snapshots (director_uuid, fetched_at) VALUES (?, ?)
			ON CONFLICT (director_uuid) DO UPDATE SET fetched_at = excluded.fetched_at`,
			uuid, at.UnixNano()); err != nil {
			return s.wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE director_uuid = ?`, uuid); err != nil {
			return s.wrap(op, err)
		}
		ins, err := tx.PrepareContext(ctx, `
			INSERT INTO deployments (director_uuid, name, releases, stemcells, teams, locked)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return s.wrap(op, err)
		}
		defer ins.Close()
		for i, d := range deps {
			r := rows[i]
			if _, err := ins.ExecContext(ctx, uuid, d.Name, string(r.releases), string(r.stemcells), string(r.teams), d.Locked); err != nil {
				return s.wrap(op, err)
			}
		}
		// Instance snapshots cascade with their snapshot rows.
		_, err = tx.ExecContext(ctx, `
			DELETE FROM instance_snapshots WHERE director_uuid = ?1
			AND deployment NOT IN (SELECT name FROM deployments WHERE director_uuid = ?1)`, uuid)
		return s.wrap(op, err)
	})
}

// Deployments is the cached deployment list of director uuid, sorted by
// name, and when it was fetched; ErrNotCached if it was never saved.
func (s *Store) Deployments(uuid string) ([]bosh.Deployment, time.Time, error) {
	const op = "read deployments"
	var (
		deps []bosh.Deployment
		at   int64
	)
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT fetched_at FROM deployment_snapshots WHERE director_uuid = ?`, uuid).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotCached
		}
		if err != nil {
			return s.wrap(op, err)
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT name, releases, stemcells, teams, locked FROM deployments
			WHERE director_uuid = ? ORDER BY name`, uuid)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		deps = []bosh.Deployment{}
		for rows.Next() {
			var (
				d                          bosh.Deployment
				releases, stemcells, teams []byte
			)
			if err := rows.Scan(&d.Name, &releases, &stemcells, &teams, &d.Locked); err != nil {
				return s.wrap(op, err)
			}
			for _, f := range []struct {
				raw []byte
				dst *[]string
			}{{releases, &d.Releases}, {stemcells, &d.Stemcells}, {teams, &d.Teams}} {
				if err := json.Unmarshal(f.raw, f.dst); err != nil {
					return s.corrupt(fmt.Sprintf("deployment %q is unreadable: %v", d.Name, err), err)
				}
			}
			deps = append(deps, d)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return deps, fromNanos(at), nil
}

// checkUUID refuses an empty director UUID.
func checkUUID(uuid string) error {
	if uuid == "" {
		return errors.New("empty director UUID")
	}
	return nil
}

// checkKey refuses an empty director UUID or deployment name.
func checkKey(uuid, deployment string) error {
	if deployment == "" {
		return errors.New("empty deployment name")
	}
	return checkUUID(uuid)
}
