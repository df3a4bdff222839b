package cache

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bosun/bosh"
)

func writeBundle(t *testing.T, dir, name string, size int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLogBundleIndex(t *testing.T) {
	s := openTemp(t)
	dir := t.TempDir()
	uuid := fakeUUID("dir", 1)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	older := bosh.Bundle{Path: writeBundle(t, dir, "a.tgz", 100), Bytes: 100, SHA256: "aa", Deployment: "pivotal-container-service-7e64d53fc570503b5690",
		Instance: "pivotal-container-service/0", Type: "job", FetchedAt: at, TaskID: 7,
		Files: []bosh.BundleFile{{Path: "./pks-api/pks-api.log", Size: 4000}, {Path: "./uaa/uaa.log", Size: 300}}}
	newer := bosh.Bundle{Path: writeBundle(t, dir, "b.tgz", 50), Bytes: 50, SHA256: "bb", Deployment: "service-instance_1", Instance: "master",
		Type: "agent,job", FetchedAt: at.Add(time.Hour)}
	gone := bosh.Bundle{Path: writeBundle(t, dir, "c.tgz", 10), Bytes: 10, SHA256: "cc", Deployment: "d", FetchedAt: at.Add(-time.Hour)}
	id, err := s.AddLogBundle(uuid, older)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []bosh.Bundle{newer, gone} {
		if _, err := s.AddLogBundle(uuid, b); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(gone.Path)
	// A bundle whose file was truncated is not shown as present either.
	os.WriteFile(newer.Path, make([]byte, 20), 0o600)

	list, err := s.LogBundles()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d bundles", len(list))
	}
	want := []struct {
		sha, state string
	}{{"bb", BundleChanged}, {"aa", BundlePresent}, {"cc", BundleMissing}}
	for i, w := range want {
		if list[i].SHA256 != w.sha || list[i].State != w.state {
			t.Errorf("entry %d: %s %s, want %s %s", i, list[i].SHA256, list[i].State, w.sha, w.state)
		}
	}
	got := list[1]
	if got.ID != id || got.Deployment != older.Deployment || got.Instance != older.Instance || got.Type != "job" ||
		!got.FetchedAt.Equal(at) || got.Bytes != 100 || got.TaskID != 7 || got.Files == nil || *got.Files != 2 || got.Director != uuid || !filepath.IsAbs(got.Path) {
		t.Errorf("entry %+v", got)
	}
	files, err := s.LogBundleFiles(id)
	if err != nil || len(files) != 2 || files[0] != older.Files[0] {
		t.Errorf("files %v, %v", files, err)
	}

	// A bundle indexed without a list (newer) is not listed until its files
	// are recorded; an empty list is a list.
	if list[0].Files != nil {
		t.Errorf("unlisted bundle shows %d files", *list[0].Files)
	}
	if _, err := s.LogBundleFiles(list[0].ID); !errors.Is(err, ErrNotListed) {
		t.Errorf("files of an unlisted bundle: %v", err)
	}
	listing := []bosh.BundleFile{{Path: "./kube-apiserver/audit.log", Size: 9}}
	if err := s.SetLogBundleFiles(list[0].ID, listing); err != nil {
		t.Fatal(err)
	}
	if files, err := s.LogBundleFiles(list[0].ID); err != nil || len(files) != 1 || files[0] != listing[0] {
		t.Errorf("recorded files %v, %v", files, err)
	}
	if list, _ := s.LogBundles(); list[0].Files == nil || *list[0].Files != 1 {
		t.Errorf("listed bundle count %v", list[0].Files)
	}
	if err := s.SetLogBundleFiles(list[2].ID, nil); err != nil {
		t.Fatal(err)
	}
	if files, err := s.LogBundleFiles(list[2].ID); err != nil || files == nil || len(files) != 0 {
		t.Errorf("empty listing: %v, %v", files, err)
	}
	if err := s.SetLogBundleFiles(99999, listing); !errors.Is(err, ErrNoBundle) {
		t.Errorf("listing an unknown bundle: %v", err)
	}

	// Indexing the same path again replaces the entry.
	older.SHA256 = "a2"
	if _, err := s.AddLogBundle(uuid, older); err != nil {
		t.Fatal(err)
	}
	if list, _ = s.LogBundles(); len(list) != 3 {
		t.Errorf("re-indexing a path added an entry: %d", len(list))
	}
	if err := s.ForgetLogBundle(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LogBundleFiles(id); !errors.Is(err, ErrNoBundle) {
		t.Errorf("forgotten bundle: %v", err)
	}
	if err := s.ForgetLogBundle(id); !errors.Is(err, ErrNoBundle) {
		t.Errorf("forgetting twice: %v", err)
	}
}

func TestLogBundleIndexRefusesIncompleteEntries(t *testing.T) {
	s := openTemp(t)
	ok := bosh.Bundle{Path: "/tmp/x.tgz", SHA256: "aa", Deployment: "d", FetchedAt: time.Now()}
	cases := map[string]func(b *bosh.Bundle) string{
		"no uuid":       func(b *bosh.Bundle) string { return "" },
		"no path":       func(b *bosh.Bundle) string { b.Path = ""; return "u" },
		"no sha256":     func(b *bosh.Bundle) string { b.SHA256 = ""; return "u" },
		"no deployment": func(b *bosh.Bundle) string { b.Deployment = ""; return "u" },
		"no time":       func(b *bosh.Bundle) string { b.FetchedAt = time.Time{}; return "u" },
	}
	for name, spoil := range cases {
		b := ok
		uuid := spoil(&b)
		if _, err := s.AddLogBundle(uuid, b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if list, err := s.LogBundles(); err != nil || len(list) != 0 {
		t.Errorf("refused entries were stored: %v %v", list, err)
	}
}

// A cache written before bundles were listed on demand keeps its bundles
// listed across the migration.
func TestLogBundlesIndexedBeforeListingOnDemandStayListed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	db, err := sql.Open("sqlite", dsn(path, "_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{path: path, wdb: db}
	if err := old.migrate(context.Background(), migrations[:logBundlesListedMigration.version-1]); err != nil {
		t.Fatal(err)
	}
	bundle := writeBundle(t, t.TempDir(), "old.tgz", 10)
	if _, err := db.Exec(`INSERT INTO log_bundles (director_uuid, deployment, instance, log_type, fetched_at, bytes, sha256, path, task_id, files)
		VALUES (?, 'd', 'g/0', 'job', 1, 10, 'aa', ?, 3, '[{"path":"./a.log","size":5}]')`, fakeUUID("dir", 1), bundle); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.LogBundles()
	if err != nil || len(list) != 1 || list[0].Files == nil || *list[0].Files != 1 {
		t.Fatalf("after migration: %+v, %v", list, err)
	}
	if files, err := s.LogBundleFiles(list[0].ID); err != nil || len(files) != 1 || files[0].Path != "./a.log" {
		t.Errorf("files %v, %v", files, err)
	}
}
