package cache

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bosun/bosh"
)

// assertRefused checks that opening path fails with a *CorruptError whose
// message says how to move the file aside, and that the file is still there
// byte for byte with nothing beside it.
func assertRefused(t *testing.T, path, reasonPart string) {
	t.Helper()
	assertRefusedWAL(t, path, reasonPart, false)
}

// assertRefusedWAL is assertRefused for a file in WAL mode that only
// SQLite can find fault with: opening it, even read-only, creates an empty
// -wal and a -shm file, and the message must then say to move them along.
func assertRefusedWAL(t *testing.T, path, reasonPart string, walMode bool) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	beforeInfo, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a bad file succeeded")
	}
	ce := wantCorrupt(t, err, path)
	if !strings.Contains(ce.Reason, reasonPart) {
		t.Errorf("reason %q does not mention %q", ce.Reason, reasonPart)
	}
	msg := err.Error()
	for _, part := range []string{path, "mv " + path + " " + path + ".bad", "create a new one"} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %q", msg, part)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("file gone after refused Open: %v", err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("file content changed by refused Open")
	}
	afterInfo, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if afterInfo.Mode() != beforeInfo.Mode() {
		t.Errorf("mode changed from %v to %v by refused Open", beforeInfo.Mode(), afterInfo.Mode())
	}
	if _, err := os.Stat(path + "-journal"); err == nil {
		t.Errorf("refused Open left %s-journal behind", path)
	}
	for _, side := range []string{"-wal", "-shm"} {
		fi, err := os.Stat(path + side)
		switch {
		case err != nil && walMode:
			t.Errorf("expected %s%s: %v", path, side, err)
		case err == nil && !walMode:
			t.Errorf("refused Open left %s%s behind", path, side)
		case err == nil && side == "-wal" && fi.Size() != 0:
			t.Errorf("refused Open wrote %d bytes to %s-wal", fi.Size(), path)
		case err == nil:
			mv := "mv " + path + side + " " + path + ".bad" + side
			if !strings.Contains(msg, mv) {
				t.Errorf("message %q lacks %q", msg, mv)
			}
		}
	}
}

func TestOpenRefusesRandomBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	junk := make([]byte, 8192)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, "not an SQLite database")
}

func TestOpenRefusesShortFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	if err := os.WriteFile(path, []byte("SQLite format 3\x00 but short"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, "not an SQLite database")
}

// writeForeignDB makes an SQLite database the way another program would.
func writeForeignDB(t *testing.T, path string, stmts string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	writeForeignDB(t, path, `
		CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);
		INSERT INTO moz_places (url) VALUES ('https://example.org/');
		CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, fk INTEGER);`)
	assertRefused(t, path, "moz_bookmarks, moz_places")
}

func TestOpenRefusesForeignApplicationID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	writeForeignDB(t, path, `PRAGMA application_id = 1234567; CREATE TABLE t (a);`)
	assertRefused(t, path, "application id 0x12d687")
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeployments(testUUID, nil, baseTime); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, fmt.Sprintf("schema version %d is newer", len(migrations)+1))
}

// closedCache makes a cache holding one deployment list, closed so that
// everything is in the main file.
func closedCache(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bosun.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	deps := []bosh.Deployment{realisticDeployment("cf"), realisticDeployment("harbor")}
	if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("WAL left after Close; the damage tests need a checkpointed file")
	}
	return path
}

func TestOpenRefusesDamagedSchemaPage(t *testing.T) {
	path := closedCache(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the 100-byte header, garble the rest of page 1 (the schema).
	for i := 100; i < 4096 && i < len(data); i++ {
		data[i] = 0xA5
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefusedWAL(t, path, "damaged", true)
}

func TestReadOfDamagedTableGivesCorruptError(t *testing.T) {
	path := closedCache(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 3*4096 {
		t.Fatalf("cache file is only %d bytes", len(data))
	}
	// Garble the deployments table's page, leaving the schema (which may
	// span more than page 1 as migrations add tables) intact.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root int
	err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'deployments'`).Scan(&root)
	db.Close()
	if err != nil || root < 2 {
		t.Fatalf("root page of deployments: %d, %v", root, err)
	}
	for i := (root - 1) * 4096; i < root*4096 && i < len(data); i++ {
		data[i] = 0x5A
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// Open reads only the schema, so it succeeds; the read fails.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = s.Deployments(testUUID)
	wantCorrupt(t, err, path)
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, data) {
		t.Error("damaged file was modified")
	}
}

func TestCorruptErrorQuotesPathForTheShell(t *testing.T) {
	e := &CorruptError{Path: "/home/op/my cache/bosun.db", Reason: "it is not an SQLite database"}
	want := "`mv '/home/op/my cache/bosun.db' '/home/op/my cache/bosun.db.bad'`"
	if !strings.Contains(e.Error(), want) {
		t.Errorf("message %q lacks %s", e.Error(), want)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote(it's) = %s", got)
	}
}
