package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"bosun/bosh"
)

// SaveInstances replaces the cached instances of one deployment. Each
// instance keeps its Full flag. An instance naming another deployment is
// refused. The deployment counts as fetched in the director's latest
// listing (see BeginInstanceListing).
func (s *Store) SaveInstances(uuid, deployment string, insts []bosh.Instance, at time.Time) error {
	if err := checkKey(uuid, deployment); err != nil {
		return fmt.Errorf("cache: save instances: %w", err)
	}
	if err := checkTime(at); err != nil {
		return fmt.Errorf("cache: save instances of %s: %w", deployment, err)
	}
	type key struct {
		group, id string
		index     int
	}
	seen := make(map[key]bool, len(insts))
	bodies := make([][]byte, len(insts))
	var buf []byte
	for i := range insts {
		in := &insts[i]
		if in.Deployment != "" && in.Deployment != deployment {
			return fmt.Errorf("cache: save instances of %s: instance %s belongs to deployment %s", deployment, in.Name, in.Deployment)
		}
		k := key{in.Group, in.ID, in.Index}
		if seen[k] {
			return fmt.Errorf("cache: save instances of %s: instance %s/%s (index %d) is listed twice", deployment, in.Group, in.ID, in.Index)
		}
		seen[k] = true
		start := len(buf)
		buf = encodeInstance(buf, in)
		bodies[i] = buf[start:len(buf):len(buf)]
	}
	const op = "save instances"
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		var snap int64
		// The snapshot counts towards the director's latest listing.
		err := tx.QueryRowContext(ctx, `
			INSERT INTO instance_snapshots (director_uuid, deployment, fetched_at, listing)
			VALUES (?1, ?2, ?3, coalesce((SELECT id FROM instance_listings WHERE director_uuid = ?1), 0))
			ON CONFLICT (director_uuid, deployment) DO UPDATE SET fetched_at = excluded.fetched_at,
				listing = excluded.listing
			RETURNING id`, uuid, deployment, at.UnixNano()).Scan(&snap)
		if err != nil {
			return s.wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM instances WHERE snapshot_id = ?`, snap); err != nil {
			return s.wrap(op, err)
		}
		ins, err := tx.PrepareContext(ctx, `
			INSERT INTO instances (snapshot_id, grp, idx, instance_id, is_full, body)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return s.wrap(op, err)
		}
		defer ins.Close()
		for i := range insts {
			in := &insts[i]
			if _, err := ins.ExecContext(ctx, snap, in.Group, in.Index, in.ID, in.Full, bodies[i]); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// Instances is the cached instance list of one deployment, ordered by
// instance group then index, and when it was fetched; ErrNotCached if it
// was never saved.
func (s *Store) Instances(uuid, deployment string) ([]bosh.Instance, time.Time, error) {
	const op = "read instances"
	var (
		insts []bosh.Instance
		at    int64
	)
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		var snap, count int64
		err := tx.QueryRowContext(ctx, `
			SELECT id, fetched_at, (SELECT count(*) FROM instances WHERE snapshot_id = id)
			FROM instance_snapshots WHERE director_uuid = ? AND deployment = ?`,
			uuid, deployment).Scan(&snap, &at, &count)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotCached
		}
		if err != nil {
			return s.wrap(op, err)
		}
		insts = make([]bosh.Instance, 0, count)
		rows, err := tx.QueryContext(ctx, `
			SELECT snapshot_id, is_full, CAST(body AS TEXT) FROM instances
			WHERE snapshot_id = ? ORDER BY grp, idx, instance_id`, snap)
		if err != nil {
			return s.wrap(op, err)
		}
		return s.scanInstances(rows, map[int64]string{snap: deployment}, func(in *bosh.Instance) error {
			insts = append(insts, *in)
			return nil
		})
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return insts, fromNanos(at), nil
}

// AllInstances is every cached instance of director uuid, ordered by
// deployment, instance group and index, with the fetched-at time of the
// oldest snapshot among them; ErrNotCached if no deployment's instances were
// ever saved. Whether the listing that cached them completed is for
// ListedInstances to say.
func (s *Store) AllInstances(uuid string) ([]bosh.Instance, time.Time, error) {
	var insts []bosh.Instance
	at, err := s.eachInstance(uuid, func(total int) { insts = make([]bosh.Instance, 0, total) },
		func(in *bosh.Instance) error {
			insts = append(insts, *in)
			return nil
		})
	if err != nil {
		return nil, time.Time{}, err
	}
	return insts, at, nil
}

// EachInstance calls fn with every cached instance of director uuid, in
// the order of AllInstances, without holding them all in memory; it
// returns the fetched-at time of the oldest snapshot. An error from fn
// stops the walk and is returned.
func (s *Store) EachInstance(uuid string, fn func(bosh.Instance) error) (time.Time, error) {
	return s.eachInstance(uuid, func(int) {}, func(in *bosh.Instance) error { return fn(*in) })
}

func (s *Store) eachInstance(uuid string, start func(total int), fn func(*bosh.Instance) error) (time.Time, error) {
	var at time.Time
	err := s.read("read instances", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		at, err = s.eachInstanceTx(ctx, tx, uuid, start, fn)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// eachInstanceTx is eachInstance within the read transaction tx.
func (s *Store) eachInstanceTx(ctx context.Context, tx *sql.Tx, uuid string, start func(total int), fn func(*bosh.Instance) error) (time.Time, error) {
	const op = "read instances"
	var oldest int64
	err := func() error {
		rows, err := tx.QueryContext(ctx, `
			SELECT id, deployment, fetched_at, (SELECT count(*) FROM instances WHERE snapshot_id = id)
			FROM instance_snapshots WHERE director_uuid = ?`, uuid)
		if err != nil {
			return s.wrap(op, err)
		}
		names := map[int64]string{}
		var total int64
		for rows.Next() {
			var (
				id, at, count int64
				name          string
			)
			if err := rows.Scan(&id, &name, &at, &count); err != nil {
				rows.Close()
				return s.wrap(op, err)
			}
			names[id] = name
			total += count
			if len(names) == 1 || at < oldest {
				oldest = at
			}
		}
		if err := rows.Err(); err != nil {
			return s.wrap(op, err)
		}
		if len(names) == 0 {
			return ErrNotCached
		}
		start(int(total))
		rows, err = tx.QueryContext(ctx, `
			SELECT i.snapshot_id, i.is_full, CAST(i.body AS TEXT)
			FROM instance_snapshots s JOIN instances i ON i.snapshot_id = s.id
			WHERE s.director_uuid = ?
			ORDER BY s.deployment, i.grp, i.idx, i.instance_id`, uuid)
		if err != nil {
			return s.wrap(op, err)
		}
		return s.scanInstances(rows, names, fn)
	}()
	if err != nil {
		return time.Time{}, err
	}
	return fromNanos(oldest), nil
}

// scanInstances decodes rows of (snapshot id, full, body) and hands each
// instance to fn. The body is read as TEXT, which SQLite hands over byte
// for byte, so each record arrives as one string that the decoded fields
// share.
func (s *Store) scanInstances(rows *sql.Rows, deployments map[int64]string, fn func(*bosh.Instance) error) error {
	const op = "read instances"
	defer rows.Close()
	for rows.Next() {
		var (
			snap int64
			full bool
			body string
			in   bosh.Instance
		)
		if err := rows.Scan(&snap, &full, &body); err != nil {
			return s.wrap(op, err)
		}
		if err := decodeInstance(body, &in); err != nil {
			return s.corrupt(fmt.Sprintf("an instance of deployment %s is unreadable: %v", deployments[snap], err), err)
		}
		in.Deployment = deployments[snap]
		in.Full = full
		if err := fn(&in); err != nil {
			return err
		}
	}
	return s.wrap(op, rows.Err())
}

// InstanceAges maps each deployment of director uuid with cached instances
// to the time its instance snapshot was fetched.
func (s *Store) InstanceAges(uuid string) (map[string]time.Time, error) {
	const op = "read instance ages"
	ages := map[string]time.Time{}
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT deployment, fetched_at FROM instance_snapshots WHERE director_uuid = ?`, uuid)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name string
				at   int64
			)
			if err := rows.Scan(&name, &at); err != nil {
				return s.wrap(op, err)
			}
			ages[name] = fromNanos(at)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return ages, nil
}
