package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"bosun/sim"
)

// pksName finds the PKS control plane deployment through `bosun deployments`.
func pksName(t *testing.T, e *env) string {
	t.Helper()
	for _, d := range decode[[]map[string]any](t, e.run("deployments", "--json")) {
		if n := d["name"].(string); strings.HasPrefix(n, "pivotal-container-service-") {
			return n
		}
	}
	t.Fatal("no PKS deployment")
	return ""
}

func TestLogsFetchIndexesAndLists(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	pks := pksName(t, e)
	dir := t.TempDir()
	got := decode[map[string]any](t, e.run("logs", "-d", pks, "pks/0", "--dir", dir, "--json"))
	path, _ := got["path"].(string)
	if len(got) != 3 || path == "" || got["bytes"] == nil || got["sha256"] == nil {
		t.Fatalf("logs --json printed %v, want {path, bytes, sha256}", got)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(pks) + `\.pivotal-container-service\.0-\d{8}-\d{6}`).MatchString(filepath.Base(path)) {
		t.Errorf("bundle name %s", filepath.Base(path))
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != got["sha256"] || float64(len(body)) != got["bytes"] {
		t.Errorf("printed sha256/bytes do not match the file")
	}

	// Without -d, the seed's `logs pks/0` finds the control plane; the
	// table output names the file.
	r := e.run("logs", "pks/0", "--type", "agent", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "Wrote "+dir) {
		t.Errorf("logs pks/0: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	list := decode[[]map[string]any](t, e.run("logs", "list", "--json"))
	if len(list) != 2 {
		t.Fatalf("index holds %d bundles, want 2", len(list))
	}
	var entry map[string]any
	for _, b := range list {
		if b["path"] == path {
			entry = b
		}
	}
	if entry == nil || entry["state"] != "present" || entry["deployment"] != pks || entry["instance"] != "pivotal-container-service/0" ||
		entry["type"] != "job" || entry["sha256"] != got["sha256"] || entry["files"] != nil {
		t.Fatalf("index entry %v (files not listed yet: null)", entry)
	}

	// Listing by id reads the bundle and records the list; by path it is
	// found in the index.
	id := strconv.Itoa(int(entry["id"].(float64)))
	files := decode[[]map[string]any](t, e.run("logs", "files", id, "--json"))
	var apiLog bool
	for _, fl := range files {
		apiLog = apiLog || fl["path"] == "./pks-api/pks-api.log" && fl["size"].(float64) > 0
	}
	if !apiLog || len(files) < 4 {
		t.Errorf("logs files %s: %v", id, files)
	}
	for _, b := range decode[[]map[string]any](t, e.run("logs", "list", "--json")) {
		if b["path"] == path && b["files"] != float64(len(files)) {
			t.Errorf("listing not recorded: files %v, want %d", b["files"], len(files))
		}
	}
	byPath := e.run("logs", "files", path)
	if byPath.code != 0 || !strings.Contains(byPath.stdout, "pks-api/pks-api.log") || !strings.Contains(byPath.stdout, fmt.Sprintf("%d files", len(files))) {
		t.Errorf("logs files PATH: exit %d\n%s%s", byPath.code, byPath.stdout, byPath.stderr)
	}
	os.Remove(path)
	list = decode[[]map[string]any](t, e.run("--offline", "logs", "list", "--json"))
	for _, b := range list {
		if b["path"] == path && b["state"] != "missing" {
			t.Errorf("deleted bundle shows as %v", b["state"])
		}
	}
	table := e.run("logs", "list")
	if table.code != 0 || !strings.Contains(table.stdout, "missing") || !strings.Contains(table.stdout, "2 bundles") {
		t.Errorf("logs list table:\n%s%s", table.stdout, table.stderr)
	}
	if r := e.run("logs", "files", "999"); r.code != 2 || !strings.Contains(r.stderr, "no bundle 999 in the index") {
		t.Errorf("unknown id: exit %d %s", r.code, r.stderr)
	}
}

// A bundle damaged on disk after the download is named as unusable when
// listed, and nothing is recorded for it.
func TestLogsFilesOfADamagedBundle(t *testing.T) {
	f := startSim(t, sim.Options{})
	e := newEnv(t)
	e.pointAt(f)
	dir := t.TempDir()
	got := decode[map[string]any](t, e.run("logs", "pks/0", "--dir", dir, "--json"))
	path := got["path"].(string)
	body, _ := os.ReadFile(path)
	os.WriteFile(path, body[:len(body)/2], 0o600)
	r := e.run("logs", "files", path)
	if r.code != 2 || !strings.Contains(r.stderr, "is unusable") || !strings.Contains(r.stderr, "damaged") {
		t.Errorf("damaged bundle: exit %d\n%s", r.code, r.stderr)
	}
	for _, b := range decode[[]map[string]any](t, e.run("logs", "list", "--json")) {
		if b["files"] != nil {
			t.Errorf("a damaged bundle got a file list: %v", b)
		}
	}
	os.Remove(path)
	if r := e.run("logs", "files", path); r.code != 2 || !strings.Contains(r.stderr, "is gone") {
		t.Errorf("deleted bundle: exit %d\n%s", r.code, r.stderr)
	}
}

func TestLogsFailuresAreClear(t *testing.T) {
	f := startSim(t, sim.Options{LogSize: 1 << 20})
	e := newEnv(t)
	e.pointAt(f)
	pks := pksName(t, e)
	cases := []struct {
		name   string
		faults sim.Faults
		args   []string
		code   int
		want   string
	}{
		{"unknown instance", sim.Faults{}, []string{"logs", "-d", pks, "master/0"}, 2, "its instance groups are: pivotal-container-service, pks-db"},
		{"unknown deployment", sim.Faults{}, []string{"logs", "-d", "nope", "web/0"}, 2, "doesn't exist"},
		{"task failed", sim.Faults{FailLogs: true}, []string{"logs", "-d", pks, "pks/0"}, 1, "Timed out sending 'fetch_logs'"},
		{"connection dropped", sim.Faults{DropDownloads: 10}, []string{"logs", "-d", pks, "pks/0"}, 2, "broke off after"},
		{"no deployment", sim.Faults{}, []string{"logs", "master/0"}, 2, "-d DEPLOYMENT"},
		{"offline", sim.Faults{}, []string{"--offline", "logs", "-d", pks, "pks/0"}, 2, "needs the director"},
		{"bad type", sim.Faults{}, []string{"logs", "-d", pks, "pks/0", "--type", "kernel"}, 2, "unknown log type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.SetFaults(c.faults)
			defer f.SetFaults(sim.Faults{})
			dir := t.TempDir()
			r := e.run(append(c.args, "--dir", dir)...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != c.code || !strings.HasPrefix(lines[len(lines)-1], "bosun: ") || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q: want exit %d and one line containing %q", r.code, r.stderr, c.code, c.want)
			}
			ents, _ := os.ReadDir(dir)
			if c.name == "connection dropped" {
				// The hidden part and its record stay for a rerun, and the
				// user is told so.
				if len(ents) != 2 || !strings.HasPrefix(ents[0].Name(), ".") || !strings.HasSuffix(ents[0].Name(), ".part") ||
					!strings.Contains(r.stderr, "kept the partial download "+filepath.Join(dir, ents[0].Name())) {
					t.Errorf("broken-off download left %v in --dir; stderr %q", ents, r.stderr)
				}
				return
			}
			if len(ents) != 0 {
				t.Errorf("failure left %v in --dir", ents)
			}
		})
	}
	if list := decode[[]map[string]any](t, e.run("logs", "list", "--json")); len(list) != 0 {
		t.Errorf("failed fetches were indexed: %v", list)
	}
}

// --only that matches no file: said, exit 2, and no empty bundle kept; one
// that matches keeps a bundle whose files are listed at once.
func TestLogsOnlyMatchingNothingKeepsNothing(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1})
	e := newEnv(t)
	e.pointAt(f)
	pks := pksName(t, e)
	dir := t.TempDir()
	r := e.run("logs", "-d", pks, "pks/0", "--only", "no-such-file-*.log", "--dir", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "no log file matched --only no-such-file-*.log") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("kept %v", names)
	}
	got := decode[map[string]any](t, e.run("logs", "-d", pks, "pks/0", "--only", "**/*.log", "--dir", dir, "--json"))
	files := decode[[]map[string]any](t, e.run("logs", "files", got["path"].(string), "--json"))
	if len(files) == 0 {
		t.Fatalf("a bundle with files lists none")
	}
}
