package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"bosun/bosh"
)

// A listing of every instance of a director fetches deployment after
// deployment, and may stop halfway: killed, interrupted, or some
// deployments failing to fetch. So that such a listing does not read as
// complete offline, it is recorded: BeginInstanceListing records the
// deployments it expects before the first is fetched, SaveInstances marks
// each deployment it saves as fetched in the director's latest listing,
// and ListedInstances and EachListedInstance read the instances with what
// the listing got (a Listing).

// instanceListingsMigration adds the record of instance listings.
var instanceListingsMigration = migration{version: 9, name: "instance listings and their completeness", up: execSQL(schemaInstanceListings)}

// schemaInstanceListings: the latest listing of each director. id grows by
// one with every listing begun; started_at is Unix nanoseconds; expected
// is a JSON array of deployment names. instance_snapshots.listing is the
// id of the director's latest listing when the snapshot was saved (0:
// none).
const schemaInstanceListings = `
CREATE TABLE instance_listings (
	director_uuid TEXT PRIMARY KEY,
	id INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	expected TEXT NOT NULL
);
ALTER TABLE instance_snapshots ADD COLUMN listing INTEGER NOT NULL DEFAULT 0;
`

// Listing says how complete the cached instances of a director are.
type Listing struct {
	// Begun: a listing was begun (BeginInstanceListing) and the figures
	// are about it. Otherwise they compare the cached deployment list with
	// the deployments that have instances cached; and with no deployment
	// list cached either, nothing is known and Complete is false.
	Begun     bool      `json:"begun"`
	Complete  bool      `json:"complete"`   // every expected deployment was fetched
	Expected  int       `json:"expected"`   // deployments the listing expected
	Fetched   int       `json:"fetched"`    // of those, how many it fetched
	Missing   []string  `json:"missing"`    // the expected deployments it did not fetch, sorted; never nil
	FetchedAt time.Time `json:"fetched_at"` // when the listing began (not Begun: the oldest snapshot among those fetched)
}

// BeginInstanceListing records that a listing of every instance of director
// uuid begins at at, expecting the deployments named. Call it before the
// first deployment is fetched: until SaveInstances has saved each of them,
// the cached instances read as incomplete, also when the process is killed
// halfway. Snapshots saved before (by earlier listings) do not count
// towards this one; instances of a deployment fetched since count, whoever
// saved them.
func (s *Store) BeginInstanceListing(uuid string, expected []string, at time.Time) error {
	const op = "begin instance listing"
	if err := checkUUID(uuid); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	if err := checkTime(at); err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	names := slices.Clone(expected)
	slices.Sort(names)
	if slices.Contains(names, "") {
		return fmt.Errorf("cache: %s: an expected deployment has no name", op)
	}
	names = slices.Compact(names)
	if names == nil {
		names = []string{}
	}
	ej, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("cache: %s: %w", op, err)
	}
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO instance_listings (director_uuid, id, started_at, expected) VALUES (?, 1, ?, ?)
			ON CONFLICT (director_uuid) DO UPDATE SET id = id + 1, started_at = excluded.started_at,
				expected = excluded.expected`, uuid, at.UnixNano(), string(ej))
		return s.wrap(op, err)
	})
}

// ListedInstances is AllInstances with the completeness of the
// director's latest listing, read at once. Instances of a deployment the
// listing did not fetch, if any are cached, come from an earlier listing
// (InstanceAges says when). ErrNotCached when no listing was begun and no
// instance is cached.
func (s *Store) ListedInstances(uuid string) ([]bosh.Instance, Listing, error) {
	var insts []bosh.Instance
	l, err := s.eachListed(uuid, func(total int) { insts = make([]bosh.Instance, 0, total) },
		func(in *bosh.Instance, _ map[string]time.Time) error {
			insts = append(insts, *in)
			return nil
		})
	if err != nil {
		return nil, Listing{}, err
	}
	return insts, l, nil
}

// EachListedInstance is EachInstance with the completeness of the
// director's latest listing, as ListedInstances.
func (s *Store) EachListedInstance(uuid string, fn func(bosh.Instance) error) (Listing, error) {
	return s.eachListed(uuid, func(int) {}, func(in *bosh.Instance, _ map[string]time.Time) error { return fn(*in) })
}

// EachListedInstanceAt is EachListedInstance with when each instance's
// deployment was fetched.
func (s *Store) EachListedInstanceAt(uuid string, fn func(bosh.Instance, time.Time) error) (Listing, error) {
	return s.eachListed(uuid, func(int) {}, func(in *bosh.Instance, at map[string]time.Time) error { return fn(*in, at[in.Deployment]) })
}

// SnapshotTimes is when each deployment of director uuid with cached
// instances was fetched.
func (s *Store) SnapshotTimes(uuid string) (map[string]time.Time, error) {
	var at map[string]time.Time
	err := s.read("read instance listing", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		at, err = s.snapshotTimes(ctx, tx, uuid)
		return err
	})
	return at, err
}

func (s *Store) eachListed(uuid string, start func(total int), fn func(*bosh.Instance, map[string]time.Time) error) (Listing, error) {
	const op = "read instances"
	var l Listing
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		if l, err = s.readListing(ctx, tx, uuid); err != nil {
			return err
		}
		at, err := s.snapshotTimes(ctx, tx, uuid)
		if err != nil {
			return err
		}
		_, err = s.eachInstanceTx(ctx, tx, uuid, start, func(in *bosh.Instance) error { return fn(in, at) })
		if errors.Is(err, ErrNotCached) && l.Begun {
			start(0)
			return nil // a listing that has fetched nothing yet
		}
		return err
	})
	if err != nil {
		return Listing{}, err
	}
	return l, nil
}

// readListing reads the completeness of director uuid's cached instances.
func (s *Store) readListing(ctx context.Context, tx *sql.Tx, uuid string) (Listing, error) {
	const op = "read instance listing"
	var (
		l        Listing
		id, at   int64
		ej       string
		expected []string
		known    bool
	)
	fetched := map[string]bool{}
	collect := func(query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var at int64
			if err := rows.Scan(&name, &at); err != nil {
				return s.wrap(op, err)
			}
			fetched[name] = true
			if !l.Begun && slices.Contains(expected, name) && (l.FetchedAt.IsZero() || fromNanos(at).Before(l.FetchedAt)) {
				l.FetchedAt = fromNanos(at)
			}
		}
		return s.wrap(op, rows.Err())
	}
	err := tx.QueryRowContext(ctx, `SELECT id, started_at, expected FROM instance_listings WHERE director_uuid = ?`, uuid).Scan(&id, &at, &ej)
	switch {
	case err == nil:
		l.Begun, known, l.FetchedAt = true, true, fromNanos(at)
		if err := json.Unmarshal([]byte(ej), &expected); err != nil {
			return Listing{}, s.corrupt("the instance listing of director "+uuid+" is unreadable: "+err.Error(), err)
		}
		if err := collect(`SELECT deployment, fetched_at FROM instance_snapshots WHERE director_uuid = ? AND listing = ?`, uuid, id); err != nil {
			return Listing{}, err
		}
	case errors.Is(err, sql.ErrNoRows):
		// No listing begun: the cached deployment list, if any, is what
		// was expected.
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM deployment_snapshots WHERE director_uuid = ?`, uuid).Scan(new(int))
		switch {
		case err == nil:
			known = true
		case !errors.Is(err, sql.ErrNoRows):
			return Listing{}, s.wrap(op, err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT name FROM deployments WHERE director_uuid = ? ORDER BY name`, uuid)
		if err != nil {
			return Listing{}, s.wrap(op, err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return Listing{}, s.wrap(op, err)
			}
			expected = append(expected, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Listing{}, s.wrap(op, err)
		}
		if err := collect(`SELECT deployment, fetched_at FROM instance_snapshots WHERE director_uuid = ?`, uuid); err != nil {
			return Listing{}, err
		}
	default:
		return Listing{}, s.wrap(op, err)
	}
	l.Missing = []string{}
	for _, name := range expected {
		if fetched[name] {
			l.Fetched++
		} else {
			l.Missing = append(l.Missing, name)
		}
	}
	l.Expected = len(expected)
	l.Complete = known && len(l.Missing) == 0
	return l, nil
}

// snapshotTimes is when each deployment's cached instances were fetched.
func (s *Store) snapshotTimes(ctx context.Context, tx *sql.Tx, uuid string) (map[string]time.Time, error) {
	const op = "read instance listing"
	rows, err := tx.QueryContext(ctx, `SELECT deployment, fetched_at FROM instance_snapshots WHERE director_uuid = ?`, uuid)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	at := map[string]time.Time{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, s.wrap(op, err)
		}
		at[name] = fromNanos(n)
	}
	return at, s.wrap(op, rows.Err())
}
