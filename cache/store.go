// Package cache is bosun's local SQLite cache: the last snapshot of every
// director's deployments and instances, each with the time it was fetched,
// so bosun starts instantly and keeps working when the director is out of
// reach. It never stores a token, password or other secret.
package cache

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

const (
	// fileMode and dirMode keep the cache private to its user.
	fileMode = 0o600
	dirMode  = 0o700

	// busyTimeout bounds how long a statement waits for a lock held by
	// another bosun process; write transactions are short, so this is rare.
	busyTimeout = 5 * time.Second

	// readConns is how many reads may run at once in one process.
	readConns = 4
)

// Store is an open cache database. It is safe for concurrent use.
type Store struct {
	path string
	// wdb holds the single connection that writes; its transactions begin
	// IMMEDIATE so they take the write lock up front and wait for it under
	// busy_timeout instead of failing halfway.
	wdb *sql.DB
	// rdb holds the read-only connections; in WAL mode they read the last
	// committed snapshot and never wait for a writer. They open the file
	// read-only, so they never checkpoint it (see closeDamaged).
	rdb *sql.DB

	// damage is the first damage found in the file; from then on every
	// write is refused with it.
	damage atomic.Pointer[CorruptError]
	// checkMu guards checked: whether the file passed the check that runs
	// before the first write.
	checkMu sync.Mutex
	checked bool
}

// DefaultPath is the per-user cache file: $XDG_CACHE_HOME/bosun/bosun.db,
// else ~/.cache/bosun/bosun.db. A relative XDG_CACHE_HOME is ignored, as the
// XDG base directory specification asks.
func DefaultPath() (string, error) {
	if dir := os.Getenv("XDG_CACHE_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "bosun", "bosun.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cache: cannot find the cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "bosun", "bosun.db"), nil
}

// Open opens the cache at path, creating it (directory 0700, file 0600) when
// it does not exist and bringing its schema up to date. A file that is not a
// bosun cache, is damaged, or was written by a newer bosun gives a
// *CorruptError and is left exactly as it was. Processes opening a new
// cache at the same time wait for each other: one creates it, the others
// find it ready.
//
// A file found damaged, here or later by any Store of this process, is not
// opened again by this process: Open gives the same *CorruptError at once.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("cache: empty path")
	}
	path = filepath.Clean(path)
	if ce := knownUnusable(path); ce != nil {
		return nil, ce
	}
	s, err := open(path)
	var ce *CorruptError
	if errors.As(err, &ce) {
		rememberUnusable(path, ce)
	}
	return s, err
}

func open(path string) (*Store, error) {
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := ensureFile(path); err != nil {
		return nil, err
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	if err := inspectReadOnly(path); err != nil {
		return nil, err
	}
	if err := fixModes(path); err != nil {
		return nil, err
	}

	wdb, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", "_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)", "_pragma=journal_size_limit(67108864)"))
	if err != nil {
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	s := &Store{path: path, wdb: wdb}
	if err := s.prepare(); err != nil {
		wdb.Close()
		return nil, err
	}

	rdb, err := sql.Open("sqlite", dsn(path, "mode=ro"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	s.rdb = rdb
	return s, nil
}

// prepare switches the database to WAL and applies pending migrations
// (see migrate). Neither
// takes the write lock when there is nothing to do, so opening a current
// cache never waits for another process's write; several bosun processes
// creating the cache at once wait for each other instead of failing.
func (s *Store) prepare() error {
	ctx := context.Background()
	if err := s.switchToWAL(ctx); err != nil {
		return err
	}
	st, err := readStateOf(ctx, s.wdb)
	if err != nil {
		return s.wrap("read schema", err)
	}
	if st.appID == applicationID && st.userVersion == len(migrations) {
		return nil // inspectReadOnly has checked the rest
	}
	return s.migrate(ctx, migrations)
}

// walSwitchWait bounds how long opening waits for other processes to let
// it switch a new cache to WAL. Changing the journal mode needs every
// other connection off the file, and SQLite does not wait for that under
// busy_timeout when the switch finds another reader: it says SQLITE_BUSY
// at once, so bosun retries.
const walSwitchWait = 2 * busyTimeout

// switchToWAL puts the file in WAL mode unless it is already, retrying
// while other processes hold it, for up to walSwitchWait.
func (s *Store) switchToWAL(ctx context.Context) error {
	deadline := time.Now().Add(walSwitchWait)
	pause := time.Millisecond
	for {
		var mode string
		err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err != nil {
			return s.wrap("read journal mode", err)
		}
		if strings.EqualFold(mode, "wal") {
			return nil
		}
		err = s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("cache: %s: the file system does not support SQLite WAL mode (journal mode stays %q)", s.path, mode)
		case !isBusy(err) || time.Now().After(deadline):
			return s.wrap("switch to WAL", err)
		}
		// Another process is reading or switching the file; the switch
		// it makes, or the next try, ends this.
		select {
		case <-ctx.Done():
			return s.wrap("switch to WAL", ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close closes the database. The Store must not be used afterwards. The
// writer closes last, so SQLite folds the write-ahead log into the file;
// a damaged file is closed without that (see closeDamaged).
func (s *Store) Close() error {
	if s.damage.Load() != nil {
		return s.closeDamaged()
	}
	rerr := s.rdb.Close()
	werr := s.wdb.Close()
	return errors.Join(rerr, werr)
}

// closeDamaged closes a damaged file without writing to it. The last
// connection to close a file in WAL mode copies the log into it
// (a checkpoint), unless it opened the file read-only; so a reader holds
// the file while the writer closes, and then the readers close.
func (s *Store) closeDamaged() error {
	ctx := context.Background()
	c, err := s.rdb.Conn(ctx)
	if err != nil {
		return errors.Join(err, s.rdb.Close()) // the writer stays open until the process ends: it must not be last
	}
	var v int
	if err := c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		// No shared lock on the file: leave the writer open rather
		// than let it checkpoint.
		return errors.Join(err, c.Close(), s.rdb.Close())
	}
	werr := s.wdb.Close()
	return errors.Join(werr, c.Close(), s.rdb.Close())
}

// Damaged is the damage found in the file (a *CorruptError, which
// matches ErrDamaged), or nil while none was found. Once it is not nil,
// every write is refused with it.
func (s *Store) Damaged() error {
	if ce := s.damage.Load(); ce != nil {
		return ce
	}
	return nil
}

// markDamaged records ce as the file's damage, for this Store and for
// every later Open of the file in this process, and returns the first
// damage found.
func (s *Store) markDamaged(ce *CorruptError) *CorruptError {
	s.damage.CompareAndSwap(nil, ce)
	first := s.damage.Load()
	rememberUnusable(s.path, first)
	return first
}

// writable says whether a write may go ahead: not when the file was found
// damaged. Before the first write it checks the whole file (PRAGMA
// quick_check, a read of every page; a few tenths of a second for 50,000
// cached instances), since a write may well not touch the pages that are
// damaged and would then change a file bosun said it leaves untouched.
func (s *Store) writable(ctx context.Context) error {
	if ce := s.damage.Load(); ce != nil {
		return ce
	}
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	if s.checked {
		return s.Damaged()
	}
	const op = "check the cache file"
	rows, err := s.rdb.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return s.wrap(op, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.wrap(op, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap(op, err)
	}
	if len(problems) > 0 {
		return s.markDamaged(newCorrupt(s.path, "it is damaged ("+strings.Join(problems, "; ")+")", nil))
	}
	s.checked = true
	return nil
}

// unusable holds the files found unusable in this process, by path.
var unusable sync.Map // string -> *CorruptError

func unusableKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// knownUnusable is the error a file was found unusable with by this
// process, or nil.
func knownUnusable(path string) *CorruptError {
	if v, ok := unusable.Load(unusableKey(path)); ok {
		return v.(*CorruptError)
	}
	return nil
}

func rememberUnusable(path string, ce *CorruptError) {
	unusable.LoadOrStore(unusableKey(path), ce)
}

// dsn builds a modernc.org/sqlite data source name for path. The path is
// escaped as a file: URI so that '?', '#' and '%' in it are not taken as
// parameters.
func dsn(path string, params ...string) string {
	u := url.URL{Path: path}
	q := append([]string{fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())}, params...)
	return "file:" + u.EscapedPath() + "?" + strings.Join(q, "&")
}

// ensureDir creates dir with mode 0700 when it is missing. An existing
// directory is left as it is: it may be one the user chose.
func ensureDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("cache: create directory: %w", err)
	}
	// MkdirAll is subject to the umask; make the leaf exactly 0700.
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("cache: set mode of %s: %w", dir, err)
	}
	return nil
}

// ensureFile creates an empty cache file with mode 0600 when none exists, so
// SQLite never creates it with the process umask. It refuses anything that
// is not a regular file.
func ensureFile(path string) error {
	fi, err := os.Stat(path)
	if err == nil {
		if !fi.Mode().IsRegular() {
			return newCorrupt(path, "it is not a regular file", nil)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	// A WAL left by a cache file that was moved away alone would be
	// replayed into the new file.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return newCorrupt(path+"-wal", "it is the write-ahead log of a cache file that is gone", nil)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, os.ErrExist) {
		return nil // another bosun created it just now
	}
	if err != nil {
		return fmt.Errorf("cache: create %s: %w", path, err)
	}
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return fmt.Errorf("cache: set mode of %s: %w", path, err)
	}
	return f.Close()
}

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader rejects a non-empty file that is not an SQLite database before
// SQLite ever opens it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 100) // the database header
	n, err := io.ReadFull(f, buf)
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return nil // empty: a new database
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("cache: read %s: %w", path, err)
	case n < len(buf) || string(buf[:len(sqliteMagic)]) != sqliteMagic:
		return newCorrupt(path, "it is not an SQLite database", nil)
	}
	// The header carries PRAGMA user_version and application_id, so a file
	// of another program or a newer bosun is refused before SQLite opens
	// it (opening a WAL-mode file creates its -wal and -shm files).
	st := dbState{
		userVersion: int(binary.BigEndian.Uint32(buf[60:64])),
		appID:       int64(int32(binary.BigEndian.Uint32(buf[68:72]))),
	}
	if reason := st.classify(len(migrations)); reason != "" {
		return newCorrupt(path, reason, nil)
	}
	return nil
}

// fixModes makes the database and its WAL and shared-memory files 0600.
func fixModes(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		if fi.Mode().Perm() != fileMode {
			if err := os.Chmod(p, fileMode); err != nil {
				return fmt.Errorf("cache: set mode of %s: %w", p, err)
			}
		}
	}
	return nil
}
