package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"bosun/bosh"
)

// RememberDirector records which director envURL (a URL or an alias) leads
// to, as of at. Credentials embedded in envURL or the UAA URL are dropped.
func (s *Store) RememberDirector(envURL string, info bosh.Info, at time.Time) error {
	env := withoutUserinfo(strings.TrimSpace(envURL))
	switch {
	case env == "":
		return errors.New("cache: remember director: empty environment")
	case info.UUID == "":
		return fmt.Errorf("cache: remember director %s: the director's UUID is empty", env)
	}
	if err := checkTime(at); err != nil {
		return fmt.Errorf("cache: remember director %s: %w", env, err)
	}
	features := info.Features
	if features == nil {
		features = map[string]bool{}
	}
	fj, err := json.Marshal(features)
	if err != nil {
		return fmt.Errorf("cache: remember director %s: %w", env, err)
	}
	op := "remember director " + env
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO directors (env, uuid, name, version, user_name, auth_type, cpi,
				stemcell_os, stemcell_version, uaa_url, features, fetched_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (env) DO UPDATE SET
				uuid = excluded.uuid, name = excluded.name, version = excluded.version,
				user_name = excluded.user_name, auth_type = excluded.auth_type, cpi = excluded.cpi,
				stemcell_os = excluded.stemcell_os, stemcell_version = excluded.stemcell_version,
				uaa_url = excluded.uaa_url, features = excluded.features, fetched_at = excluded.fetched_at`,
			env, info.UUID, info.Name, info.Version, info.User, info.AuthType, info.CPI,
			info.StemcellOS, info.StemcellVersion, withoutUserinfo(info.UAAURL), string(fj), at.UnixNano())
		return s.wrap(op, err)
	})
}

// DirectorFor is the director last seen behind envURL and when, or
// ErrNotCached.
func (s *Store) DirectorFor(envURL string) (bosh.Info, time.Time, error) {
	env := withoutUserinfo(strings.TrimSpace(envURL))
	var (
		info bosh.Info
		fj   string
		at   int64
	)
	err := s.rdb.QueryRowContext(context.Background(), `
		SELECT uuid, name, version, user_name, auth_type, cpi, stemcell_os,
			stemcell_version, uaa_url, features, fetched_at
		FROM directors WHERE env = ?`, env).Scan(
		&info.UUID, &info.Name, &info.Version, &info.User, &info.AuthType, &info.CPI,
		&info.StemcellOS, &info.StemcellVersion, &info.UAAURL, &fj, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return bosh.Info{}, time.Time{}, ErrNotCached
	}
	if err != nil {
		return bosh.Info{}, time.Time{}, s.wrap("read director "+env, err)
	}
	if err := json.Unmarshal([]byte(fj), &info.Features); err != nil {
		return bosh.Info{}, time.Time{}, s.corrupt("director "+env+" has unreadable features: "+err.Error(), err)
	}
	if len(info.Features) == 0 {
		info.Features = nil
	}
	return info, fromNanos(at), nil
}

// withoutUserinfo drops "user:password@" from a URL or host:port, so a
// credential typed into an environment never reaches the cache.
func withoutUserinfo(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if u, err := url.Parse(s); err == nil && u.User != nil {
			u.User = nil
			return u.String()
		}
		rest := s[i+3:]
		if at := strings.LastIndex(hostPart(rest), "@"); at >= 0 {
			return s[:i+3] + rest[at+1:]
		}
		return s
	}
	if at := strings.LastIndex(hostPart(s), "@"); at >= 0 {
		return s[at+1:]
	}
	return s
}

// hostPart is s up to its first '/', '?' or '#'.
func hostPart(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// checkTime refuses a fetched-at time that cannot be stored.
func checkTime(at time.Time) error {
	if at.IsZero() || at.Year() < 1970 || at.Year() > 2200 {
		return fmt.Errorf("fetched-at time %v is not a real time", at)
	}
	return nil
}

func fromNanos(n int64) time.Time { return time.Unix(0, n) }
