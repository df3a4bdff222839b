package cache

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"bosun/bosh"
)

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	if err := checkMigrations(migrations); err != nil {
		t.Fatal(err)
	}
	step := execSQL("SELECT 1")
	for name, list := range map[string][]migration{
		"gap":     {{version: 1, up: step}, {version: 3, up: step}},
		"reorder": {{version: 2, up: step}, {version: 1, up: step}},
		"no step": {{version: 1}},
	} {
		if err := checkMigrations(list); err == nil {
			t.Errorf("%s: checkMigrations accepted %v", name, list)
		}
	}
}

func TestOpenMarksFileWithVersionAndApplicationID(t *testing.T) {
	s := openTemp(t)
	var version, appID int
	if err := s.rdb.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
	if err := s.rdb.QueryRow("PRAGMA application_id").Scan(&appID); err != nil || appID != applicationID {
		t.Errorf("application_id = %#x, %v; want %#x", appID, err, applicationID)
	}
}

// withExtra is migrations plus one more step for version len+1.
func withExtra(name string, up func(context.Context, *sql.Tx) error) []migration {
	list := append([]migration(nil), migrations...)
	return append(list, migration{version: len(migrations) + 1, name: name, up: up})
}

func TestMigrateAppliesANewStepOnceAndKeepsData(t *testing.T) {
	s := openTemp(t)
	dep := realisticDeployment("cf")
	if err := s.SaveDeployments(testUUID, []bosh.Deployment{dep}, baseTime); err != nil {
		t.Fatal(err)
	}
	runs := 0
	list := withExtra("scan history", func(ctx context.Context, tx *sql.Tx) error {
		runs++
		_, err := tx.ExecContext(ctx, "CREATE TABLE scans (director_uuid TEXT, deployment TEXT, at INTEGER)")
		return err
	})
	for range 2 {
		if err := s.migrate(context.Background(), list); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Errorf("new migration ran %d times, want 1", runs)
	}
	var version int
	if err := s.rdb.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(list) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(list))
	}
	if _, err := s.rdb.Exec("SELECT count(*) FROM scans"); err != nil {
		t.Errorf("new table missing: %v", err)
	}
	if deps, _, err := s.Deployments(testUUID); err != nil || len(deps) != 1 || deps[0].Name != "cf" {
		t.Errorf("data after migration: %v, %v", deps, err)
	}
}

func TestFailedMigrationLeavesPreviousVersion(t *testing.T) {
	s := openTemp(t)
	boom := errors.New("boom")
	list := withExtra("half done", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE half (a)"); err != nil {
			return err
		}
		return boom
	})
	if err := s.migrate(context.Background(), list); !errors.Is(err, boom) {
		t.Fatalf("migrate = %v, want the step's error", err)
	}
	var version, tables int
	if err := s.rdb.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
	if err := s.rdb.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("table of the failed step exists (%d, %v)", tables, err)
	}
}

func TestOpenUpgradesAnOlderFile(t *testing.T) {
	// A file at version 1 opened by a bosun that knows version 2.
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeployments(testUUID, nil, baseTime); err != nil {
		t.Fatal(err)
	}
	s.Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = withExtra("audit toggles", execSQL("CREATE TABLE audit_toggles (cluster TEXT)"))

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version int
	if err := s.rdb.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
	if _, at, err := s.Deployments(testUUID); err != nil || !at.Equal(baseTime) {
		t.Errorf("older data after upgrade: %v, %v", at, err)
	}
}

func TestOpenRefusesOrphanedWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	if err := os.WriteFile(path+"-wal", []byte("\x37\x7f\x06\x82 frames of a moved cache"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	wantCorrupt(t, err, path+"-wal")
	if _, err := os.Stat(path); err == nil {
		t.Error("Open created the cache file beside an orphaned WAL")
	}
}
