package bosh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A stale part that a running fetch holds locked is left alone; the
// same part unlocked is removed with its record.
func TestSweepSkipsALockedPart(t *testing.T) {
	dir := t.TempDir()
	part := filepath.Join(dir, ".dep.web.0.tgz.0123456789ab.part")
	for _, p := range []string{part, part + ".json"} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(part, old, old)
	held, err := os.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := lockPart(held); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if got := sweepStaleParts(dir, time.Now()); len(got) != 0 {
		t.Errorf("a locked part was swept: %+v", got)
	}
	if _, err := os.Stat(part); err != nil {
		t.Fatalf("locked part removed: %v", err)
	}
	held.Close()
	got := sweepStaleParts(dir, time.Now())
	if len(got) != 1 || got[0].size != 1 {
		t.Fatalf("unlocked stale part: swept %+v", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
}

// Each request has its own part: another director, target, type or
// filter gives another name; the same request the same one.
func TestPartPathsPerRequest(t *testing.T) {
	tg := LogsTarget{Deployment: "dep", Group: "web", IndexOrID: "0"}
	base := partRecord{Director: "https://10.0.0.6:25555", Deployment: "dep", Instance: "web/0", Type: "job", Filters: []string{"etcd/**/*"}}
	seen := map[string]string{partPathsFor("/d", base, tg).part: "base"}
	if again := partPathsFor("/d", base, tg); seen[again.part] != "base" || again.record != again.part+".json" {
		t.Fatalf("same request, other paths: %+v", again)
	}
	for name, change := range map[string]func(*partRecord){
		"director": func(r *partRecord) { r.Director = "https://10.0.0.7:25555" },
		"type":     func(r *partRecord) { r.Type = "agent,job" },
		"filters":  func(r *partRecord) { r.Filters = nil },
		"instance": func(r *partRecord) { r.Instance = "web" },
	} {
		r := base
		change(&r)
		p := partPathsFor("/d", r, tg).part
		if prev, dup := seen[p]; dup {
			t.Errorf("%s: same part as %s: %s", name, prev, p)
		}
		seen[p] = name
		if !isPartName(filepath.Base(p)) {
			t.Errorf("%s: %s is not recognised as a part", name, p)
		}
	}
}

// A part that does not start as gzip is not resumed.
func TestHashPartRefusesNonGzip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.part")
	if err := os.WriteFile(p, []byte("<html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := hashPart(context.Background(), f, nil); !errors.Is(err, ErrNotGzip) {
		t.Errorf("err = %v", err)
	}
}
