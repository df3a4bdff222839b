package cache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)

	t.Setenv("XDG_CACHE_HOME", "/srv/xdg-cache")
	if got, err := DefaultPath(); err != nil || got != "/srv/xdg-cache/bosun/bosun.db" {
		t.Errorf("with XDG_CACHE_HOME: DefaultPath() = %q, %v", got, err)
	}

	want := filepath.Join(home, ".cache", "bosun", "bosun.db")
	t.Setenv("XDG_CACHE_HOME", "")
	if got, err := DefaultPath(); err != nil || got != want {
		t.Errorf("without XDG_CACHE_HOME: DefaultPath() = %q, %v; want %q", got, err, want)
	}

	t.Setenv("XDG_CACHE_HOME", "relative/cache")
	if got, err := DefaultPath(); err != nil || got != want {
		t.Errorf("relative XDG_CACHE_HOME: DefaultPath() = %q, %v; want %q", got, err, want)
	}
}

func TestOpenCreatesPrivateDirectoryAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "bosun")
	path := filepath.Join(dir, "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	// A write makes SQLite create the WAL file; it must be private too.
	if err := s.SaveDeployments(testUUID, nil, baseTime); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, p, 0o600)
	}
}

func TestOpenFixesLooseFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeployments(testUUID, nil, baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	assertMode(t, path, 0o600)
	if _, _, err := s.Deployments(testUUID); err != nil {
		t.Errorf("data lost after mode fix: %v", err)
	}
}

func TestOpenUsesWALAndBusyTimeout(t *testing.T) {
	s := openTemp(t)
	var mode string
	if err := s.rdb.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var timeout int
	if err := s.wdb.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != int(busyTimeout.Milliseconds()) {
		t.Errorf("writer busy_timeout = %d, %v", timeout, err)
	}
	if err := s.rdb.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != int(busyTimeout.Milliseconds()) {
		t.Errorf("reader busy_timeout = %d, %v", timeout, err)
	}
	var fk int
	if err := s.wdb.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("writer foreign_keys = %d, %v", fk, err)
	}
	if _, err := s.rdb.Exec("CREATE TABLE x (a)"); err == nil {
		t.Error("the reader connection accepted a write")
	}
}

func TestOpenPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my cache?x=1#frag%20")
	path := filepath.Join(dir, "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeployments(testUUID, nil, baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "bosun.db" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("files in %q = %v, want only bosun.db", dir, names)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, at, err := s.Deployments(testUUID); err != nil || !at.Equal(baseTime) {
		t.Errorf("reopened: Deployments at %v, %v", at, err)
	}
}

func TestOpenRejectsEmptyPathAndDirectory(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	dir := t.TempDir()
	_, err := Open(dir)
	wantCorrupt(t, err, dir)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("stat: %v", err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %#o, want %#o", path, got, want)
	}
}
