package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotCached means the cache holds nothing for what was asked.
var ErrNotCached = errors.New("not in the cache")

// ErrDamaged matches every *CorruptError: the cache file cannot be used,
// and bosun works without the cache. Once a Store finds its file damaged,
// every write returns an error matching it, so a caller can say so once.
var ErrDamaged = errors.New("cache: the cache file is unusable")

// CorruptError says the cache file cannot be used: it is not an SQLite
// database, belongs to another program, is damaged, or was written by a
// newer bosun. bosun never deletes or overwrites such a file.
type CorruptError struct {
	Path   string
	Reason string
	Err    error // the underlying SQLite error, if any

	sidecars []string // "-wal", "-shm" files beside Path, which move with it
}

// newCorrupt makes a *CorruptError for path, noting the WAL and
// shared-memory files that must move along with it.
func newCorrupt(path, reason string, err error) *CorruptError {
	e := &CorruptError{Path: path, Reason: reason, Err: err}
	for _, side := range []string{"-wal", "-shm"} {
		if fi, err := os.Lstat(path + side); err == nil && fi.Mode().IsRegular() {
			e.sidecars = append(e.sidecars, side)
		}
	}
	return e
}

func (e *CorruptError) Error() string {
	mv := fmt.Sprintf("mv %s %s", shellQuote(e.Path), shellQuote(e.Path+".bad"))
	for _, side := range e.sidecars {
		mv += fmt.Sprintf(" && mv %s %s", shellQuote(e.Path+side), shellQuote(e.Path+".bad"+side))
	}
	return fmt.Sprintf("cache %s is unusable: %s; bosun leaves it untouched: move it aside with `%s` and bosun will create a new one",
		e.Path, e.Reason, mv)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDamaged) true for every *CorruptError.
func (e *CorruptError) Is(target error) bool { return target == ErrDamaged }

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters a path usually has.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@~", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isCorruption reports whether err is SQLite saying the file is damaged or
// not a database.
func isCorruption(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// isBusy reports whether err is SQLite saying another connection holds
// the lock it needs.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// wrap turns an SQLite error into a *CorruptError when it reports damage,
// and marks the store damaged; otherwise it adds what bosun was doing.
func (s *Store) wrap(doing string, err error) error {
	err = wrapErr(s.path, doing, err)
	var ce *CorruptError
	if errors.As(err, &ce) {
		return s.markDamaged(ce)
	}
	return err
}

// corrupt is the *CorruptError for data of the file that bosun cannot
// read back, and marks the store damaged.
func (s *Store) corrupt(reason string, err error) error {
	return s.markDamaged(newCorrupt(s.path, reason, err))
}

func wrapErr(path, doing string, err error) error {
	if err == nil {
		return nil
	}
	if isCorruption(err) {
		return newCorrupt(path, "it is damaged ("+err.Error()+")", err)
	}
	return fmt.Errorf("cache: %s: %w", doing, err)
}

// dbState is what a database file says about itself.
type dbState struct {
	appID       int64
	userVersion int
	tables      []string // tables not internal to SQLite
}

// readStateOf reads the identity of the database behind db in one read
// transaction, so that it sees one committed state of the file: read in
// separate statements, a cache that another process is creating can seem
// to hold tables without bosun's mark.
func readStateOf(ctx context.Context, db *sql.DB) (dbState, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return dbState{}, err
	}
	defer tx.Rollback()
	return readState(ctx, tx)
}

// readState reads the identity of the database behind q; q must be a
// transaction (see readStateOf).
func readState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (dbState, error) {
	var st dbState
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&st.appID); err != nil {
		return st, err
	}
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.userVersion); err != nil {
		return st, err
	}
	rows, err := q.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return st, err
		}
		st.tables = append(st.tables, name)
	}
	return st, rows.Err()
}

// classify says why a database cannot be used as a cache that knows schema
// versions up to latest, or "" when it can (empty, or bosun's own).
func (st dbState) classify(latest int) string {
	switch {
	case st.appID == applicationID && st.userVersion > latest:
		return fmt.Sprintf("its schema version %d is newer than this bosun knows (%d); it was written by a newer bosun", st.userVersion, latest)
	case st.appID == applicationID:
		return ""
	case st.appID != 0:
		return fmt.Sprintf("it belongs to another program (application id %#x)", st.appID)
	case len(st.tables) > 0:
		return fmt.Sprintf("it belongs to another program (tables %s)", strings.Join(st.tables, ", "))
	case st.userVersion != 0:
		return fmt.Sprintf("it belongs to another program (schema version %d without bosun's mark)", st.userVersion)
	default:
		return ""
	}
}

// inspectReadOnly opens path read-only and refuses it when it is not an
// empty database or bosun's own, without writing anything to it.
func inspectReadOnly(path string) error {
	db, err := sql.Open("sqlite", dsn(path, "mode=ro"))
	if err != nil {
		return fmt.Errorf("cache: open %s: %w", path, err)
	}
	defer db.Close()
	st, err := readStateOf(context.Background(), db)
	if err != nil {
		return wrapErr(path, "read schema", err)
	}
	if reason := st.classify(len(migrations)); reason != "" {
		return newCorrupt(path, reason, nil)
	}
	return nil
}
