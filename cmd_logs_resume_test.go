package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bosun/sim"
)

// The held download stops at this byte (a multiple of the client's 256
// KiB reads, so the part reaches it exactly).
const killAt = 12 << 20

// killedLogs runs `bosun logs` against a director that stalls the download
// at killAt, kills it with SIGKILL once the hidden part holds killAt
// bytes, and returns the part's path.
func killedLogs(t *testing.T, e *env, f *sim.Foundation, pks, dir string) string {
	t.Helper()
	reached := f.HoldDownloadsAt(killAt)
	defer f.ReleaseDownloads()
	cmd := exec.Command(bosunBin, "logs", "-d", pks, "pks/0", "--dir", dir, "--json")
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	exited := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	select {
	case <-reached:
	case err := <-exited:
		t.Fatalf("bosun logs ended before the download stalled: %v", err)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the download never reached the stall")
	}
	// The bytes are sent; wait (bounded) until the client has written them.
	pattern := filepath.Join(dir, "."+pks+".pivotal-container-service.0.tgz.*.part")
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	var part string
	for part == "" {
		select {
		case <-tick.C:
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("the part never reached %d bytes: %v", killAt, dirNames(t, dir))
		}
		if m, _ := filepath.Glob(pattern); len(m) == 1 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() == killAt {
				part = m[0]
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if _, err := os.Stat(part + ".json"); err != nil {
		t.Fatalf("no record beside the killed run's part: %v", err)
	}
	return part
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// downloadsSince sums the downloads asked for after before.
func downloadsSince(f *sim.Foundation, before sim.LogDownloads) (reqs int, from []int64, bytes int64) {
	for _, d := range f.LogDownloads().Each[len(before.Each):] {
		reqs++
		bytes += d.Bytes
		if d.From >= 0 {
			from = append(from, d.From)
		}
	}
	return reqs, from, bytes
}

// `bosun logs` killed with kill -9 halfway: the rerun resumes the part
// with one Range request and no new task, and the sha256 it prints is the
// whole file's.
func TestLogsResumeAfterKill9(t *testing.T) {
	f := startSim(t, sim.Options{LogSize: 24 << 20})
	e := newEnv(t)
	e.pointAt(f)
	pks := pksName(t, e)
	dir := t.TempDir()
	killedLogs(t, e, f, pks, dir)
	tasks := f.Stats().TasksStarted[pks]
	before := f.LogDownloads()

	r := e.run("logs", "-d", pks, "pks/0", "--dir", dir, "--json")
	got := decode[map[string]any](t, r)
	reqs, from, sent := downloadsSince(f, before)
	size := int64(got["bytes"].(float64))
	if !strings.Contains(r.stderr, "resuming the download of blob") || !strings.Contains(r.stderr, "after 12.0 MiB already downloaded") {
		t.Errorf("rerun stderr: %q", r.stderr)
	}
	if n := f.Stats().TasksStarted[pks] - tasks; n != 0 {
		t.Errorf("the rerun started %d tasks", n)
	}
	if reqs != 1 || len(from) != 1 || from[0] != killAt || sent != size-killAt {
		t.Errorf("rerun downloads: %d requests, ranged from %v, %d bytes sent of %d", reqs, from, sent, size)
	}
	path := got["path"].(string)
	sum, n := fileSum(t, path)
	if sum != got["sha256"] || n != size {
		t.Errorf("printed %v/%d, file %s/%d", got["sha256"], size, sum, n)
	}
	// The same request from scratch gives the same bundle, the same sum.
	fresh := decode[map[string]any](t, e.run("logs", "-d", pks, "pks/0", "--dir", t.TempDir(), "--json"))
	if fresh["sha256"] != got["sha256"] {
		t.Errorf("resumed sha256 %v, a whole download %v", got["sha256"], fresh["sha256"])
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != filepath.Base(path) {
		t.Errorf("directory after the rerun: %v", names)
	}
	t.Logf("bundle %d bytes, killed at %d, rerun sent %d in %d request(s), 0 new tasks", size, killAt, sent, reqs)
}

// kill -9, then the director drops the blob: the rerun deletes the part
// and packs again; a stale part of another request is removed with a line.
func TestLogsKill9BlobGoneAndStaleParts(t *testing.T) {
	f := startSim(t, sim.Options{LogSize: 24 << 20})
	e := newEnv(t)
	e.pointAt(f)
	pks := pksName(t, e)
	dir := t.TempDir()
	part := killedLogs(t, e, f, pks, dir)
	for _, id := range f.LogBlobs() {
		f.ForgetLogBlob(id)
	}
	stale := filepath.Join(dir, ".harbor.harbor-app.0.tgz.0123456789ab.part")
	if err := os.WriteFile(stale, make([]byte, 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-30 * time.Hour)
	os.Chtimes(stale, old, old)
	tasks := f.Stats().TasksStarted[pks]
	before := f.LogDownloads()

	r := e.run("logs", "-d", pks, "pks/0", "--dir", dir)
	reqs, from, _ := downloadsSince(f, before)
	if r.code != 0 || !strings.Contains(r.stderr, "bosun: removed the stale partial download "+filepath.Base(stale)+" (5.0 MiB") ||
		!strings.Contains(r.stderr, "no longer serves blob") || !strings.Contains(r.stderr, "deleted the partial download "+filepath.Base(part)+" (12.0 MiB)") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if n := f.Stats().TasksStarted[pks] - tasks; n != 1 || reqs != 2 || len(from) != 1 {
		t.Errorf("%d new tasks, %d downloads (ranged from %v); want the refused resumption and one whole download", n, reqs, from)
	}
	if names := dirNames(t, dir); len(names) != 1 || strings.HasPrefix(names[0], ".") {
		t.Errorf("directory after the rerun: %v", names)
	}
}

func fileSum(t *testing.T, path string) (string, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}
