package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
)

// Names the cache knows, for shell completion and for telling an unknown
// name from one that merely has no data: read-only, never a director
// request. env is the environment (URL or alias) the names are wanted
// for; "" or an environment the cache never saw means every director.

// directorScope is the SQL condition and argument that keep a query to
// env's director.
func (s *Store) directorScope(ctx context.Context, tx *sql.Tx, env string) (string, []any) {
	var uuid string
	if env != "" {
		_ = tx.QueryRowContext(ctx, `SELECT uuid FROM directors WHERE env = ?`, withoutUserinfo(strings.TrimSpace(env))).Scan(&uuid)
	}
	if uuid == "" {
		return "1 = 1", nil
	}
	return "director_uuid = ?", []any{uuid}
}

// strings runs a query of one text column and returns its distinct,
// non-empty values in the order the query gives.
func (s *Store) stringsOf(ctx context.Context, tx *sql.Tx, op, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.wrap(op, err)
		}
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, s.wrap(op, rows.Err())
}

// KnownDeployments are the cached deployment names, sorted.
func (s *Store) KnownDeployments(env string) ([]string, error) {
	const op = "read known deployments"
	var out []string
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		where, args := s.directorScope(ctx, tx, env)
		var err error
		out, err = s.stringsOf(ctx, tx, op, `SELECT name FROM deployments WHERE `+where+` ORDER BY name`, args...)
		return err
	})
	return out, err
}

// KnownInstances are the cached instances of deployment as GROUP/UUID and
// GROUP/INDEX, sorted by group and index.
func (s *Store) KnownInstances(env, deployment string) ([]string, error) {
	const op = "read known instances"
	var out []string
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		where, args := s.directorScope(ctx, tx, env)
		rows, err := tx.QueryContext(ctx, `
			SELECT i.grp, i.idx, i.instance_id FROM instance_snapshots s JOIN instances i ON i.snapshot_id = s.id
			WHERE s.deployment = ? AND s.`+where+` ORDER BY i.grp, i.idx, i.instance_id`, append([]any{deployment}, args...)...)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		var byID, byIndex []string
		for rows.Next() {
			var grp, id string
			var idx int
			if err := rows.Scan(&grp, &idx, &id); err != nil {
				return s.wrap(op, err)
			}
			byIndex = append(byIndex, grp+"/"+strconv.Itoa(idx))
			if id != "" {
				byID = append(byID, grp+"/"+id)
			}
		}
		out = append(byIndex, byID...)
		return s.wrap(op, rows.Err())
	})
	return out, err
}

// KnownClusters are the cached PKS cluster names, then their uuids, then
// the cluster names seen in stored Kubernetes events.
func (s *Store) KnownClusters(env string) ([]string, error) {
	const op = "read known clusters"
	var out []string
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		where, args := s.directorScope(ctx, tx, env)
		names, err := s.stringsOf(ctx, tx, op, `SELECT name FROM clusters WHERE `+where+` ORDER BY name`, args...)
		if err != nil {
			return err
		}
		uuids, err := s.stringsOf(ctx, tx, op, `SELECT uuid FROM clusters WHERE `+where+` ORDER BY uuid`, args...)
		if err != nil {
			return err
		}
		seen, err := s.stringsOf(ctx, tx, op, `SELECT DISTINCT cluster FROM k8s_events ORDER BY cluster`)
		if err != nil {
			return err
		}
		out = append(append(names, uuids...), seen...)
		return nil
	})
	return dedupe(out), err
}

// KnownTaskIDs are the director tasks bosun's history names, newest first.
func (s *Store) KnownTaskIDs(env string) ([]string, error) {
	const op = "read known tasks"
	var out []string
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		where, args := s.directorScope(ctx, tx, env)
		lists, err := s.stringsOf(ctx, tx, op, `SELECT task_ids FROM action_history WHERE `+where+` ORDER BY at DESC LIMIT 200`, args...)
		if err != nil {
			return err
		}
		for _, l := range lists {
			var ids []int64
			if json.Unmarshal([]byte(l), &ids) == nil {
				for _, id := range ids {
					out = append(out, strconv.FormatInt(id, 10))
				}
			}
		}
		cck, err := s.stringsOf(ctx, tx, op, `SELECT CAST(task_id AS TEXT) FROM cck_history WHERE task_id > 0 AND `+where+` ORDER BY at DESC LIMIT 200`, args...)
		out = append(out, cck...)
		return err
	})
	return dedupe(out), err
}

func dedupe(l []string) []string {
	seen := map[string]bool{}
	out := l[:0]
	for _, v := range l {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
