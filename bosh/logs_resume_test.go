package bosh_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// resumeRig is a simulated director with large bundles and a client, and
// the notices a fetch reported.
type resumeRig struct {
	f   *sim.Foundation
	c   *bosh.Client
	dep string
	dir string

	mu      sync.Mutex
	notices []string
}

const resumeBundle = 8 << 20

func newResumeRig(t *testing.T) *resumeRig {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond, LogSize: resumeBundle})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	return &resumeRig{f: f, c: c, dep: pksDeployment(t, c), dir: t.TempDir()}
}

func (r *resumeRig) request() bosh.LogsRequest {
	return bosh.LogsRequest{Deployment: r.dep, Instance: "pks/0", Dir: r.dir}
}

// fetch runs a fetch; with stopAt > 0 it is cancelled once that many
// bytes are downloaded.
func (r *resumeRig) fetch(t *testing.T, stopAt int64) (bosh.Bundle, error) {
	t.Helper()
	r.mu.Lock()
	r.notices = nil
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return r.c.FetchLogs(ctx, r.request(), func(p bosh.LogsProgress) {
		if p.Notice != "" {
			r.mu.Lock()
			r.notices = append(r.notices, p.Notice)
			r.mu.Unlock()
		}
		if stopAt > 0 && p.Stage == bosh.StageDownload && p.Done >= stopAt {
			cancel()
		}
	})
}

func (r *resumeRig) noticed(want string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.notices {
		if strings.Contains(n, want) {
			return true
		}
	}
	return false
}

// part is the hidden part file in the directory and its size ("" when none).
func (r *resumeRig) part(t *testing.T) (string, int64) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(r.dir, "."+r.dep+".pivotal-container-service.0.tgz.*.part"))
	if len(matches) != 1 {
		return "", 0
	}
	st, err := os.Stat(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return matches[0], st.Size()
}

// killHalfway cancels a first fetch after 3 MiB and returns the part's size.
func (r *resumeRig) killHalfway(t *testing.T) int64 {
	t.Helper()
	if _, err := r.fetch(t, 3<<20); bosh.KindOf(err) != bosh.KindCanceled {
		t.Fatalf("cancelled fetch: %v", err)
	}
	path, size := r.part(t)
	if path == "" || size < 3<<20 || size >= resumeBundle {
		t.Fatalf("after the cancel: part %q of %d bytes; dir %v", path, size, dirEntries(t, r.dir))
	}
	if !r.noticed("the same command resumes it") {
		t.Errorf("the cancelled fetch did not say the part is kept: %q", r.notices)
	}
	return size
}

// served sums up the downloads asked for after the snapshot before (not
// the bytes a cancelled download was still being sent since).
type served struct {
	requests, ranged int
	bytes            int64
	from             []int64
}

func servedSince(f *sim.Foundation, before sim.LogDownloads) served {
	var s served
	for _, d := range f.LogDownloads().Each[len(before.Each):] {
		s.requests++
		s.bytes += d.Bytes
		if d.From >= 0 {
			s.ranged++
			s.from = append(s.from, d.From)
		}
	}
	return s
}

// blobSHA downloads the blob whole, for the sum a resumed file must have.
func blobSHA(t *testing.T, c *bosh.Client, id string) (string, int64) {
	t.Helper()
	h := sha256.New()
	n, _, err := c.DownloadResource(context.Background(), id, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func TestFetchLogsResumesACancelledDownload(t *testing.T) {
	r := newResumeRig(t)
	held := r.killHalfway(t)
	tasks := r.f.Stats().TasksStarted[r.dep]
	before := r.f.LogDownloads()
	blobs := r.f.LogBlobs()

	b, err := r.fetch(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	sv := servedSince(r.f, before)
	if got := r.f.Stats().TasksStarted[r.dep]; got != tasks {
		t.Errorf("the resumption started %d new tasks; it should reuse the recorded blob", got-tasks)
	}
	if sv.requests != 1 || sv.ranged != 1 || sv.from[0] != held {
		t.Errorf("rerun: %d requests, ranged from %v; want one from byte %d", sv.requests, sv.from, held)
	}
	if sv.bytes != b.Bytes-held {
		t.Errorf("the rerun was sent %d bytes; the bundle has %d, the part held %d", sv.bytes, b.Bytes, held)
	}
	if b.Resumed != held || !r.noticed("resuming the download of blob "+blobs[0]) {
		t.Errorf("resumed %d (want %d), notices %q", b.Resumed, held, r.notices)
	}
	fileSum, size := fileSHA(t, b.Path)
	wholeSum, wholeSize := blobSHA(t, r.c, b.BlobstoreID)
	if fileSum != b.SHA256 || fileSum != wholeSum || size != b.Bytes || size != wholeSize {
		t.Errorf("sha256: reported %s (%d), file %s (%d), blob %s (%d)", b.SHA256, b.Bytes, fileSum, size, wholeSum, wholeSize)
	}
	if got := dirEntries(t, r.dir); len(got) != 1 || got[0] != filepath.Base(b.Path) {
		t.Errorf("after the resumed fetch the directory holds %v", got)
	}
	t.Logf("bundle %s, part %s, rerun sent %s in 1 range request, 0 new tasks",
		bosh.ByteCount(b.Bytes), bosh.ByteCount(held), bosh.ByteCount(sv.bytes))
}

func TestFetchLogsStartsOverWhenTheBlobIsGone(t *testing.T) {
	r := newResumeRig(t)
	held := r.killHalfway(t)
	blobs := r.f.LogBlobs()
	if len(blobs) != 1 || !r.f.ForgetLogBlob(blobs[0]) {
		t.Fatalf("blobs %v", blobs)
	}
	tasks := r.f.Stats().TasksStarted[r.dep]
	before := r.f.LogDownloads()

	b, err := r.fetch(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	sv := servedSince(r.f, before)
	if got := r.f.Stats().TasksStarted[r.dep]; got != tasks+1 {
		t.Errorf("%d new tasks, want one to pack the logs again", got-tasks)
	}
	if !r.noticed("no longer serves blob "+blobs[0]) || !r.noticed(bosh.ByteCount(held)) {
		t.Errorf("notices %q", r.notices)
	}
	if b.BlobstoreID == blobs[0] || b.Resumed != 0 {
		t.Errorf("bundle from blob %s, resumed %d", b.BlobstoreID, b.Resumed)
	}
	// The resumption was asked once (404), then the new blob sent whole.
	if sv.requests != 2 || sv.ranged != 1 || sv.bytes != b.Bytes {
		t.Errorf("downloads %d (ranged %d), %d bytes sent for a %d-byte bundle", sv.requests, sv.ranged, sv.bytes, b.Bytes)
	}
	if sum, size := fileSHA(t, b.Path); sum != b.SHA256 || size != b.Bytes {
		t.Errorf("file %s/%d, reported %s/%d", sum, size, b.SHA256, b.Bytes)
	}
	if got := dirEntries(t, r.dir); len(got) != 1 {
		t.Errorf("directory holds %v", got)
	}
}

// A part that already holds the whole blob (a run killed between the last
// byte and the rename) is finished with no byte sent; one that holds more
// than the blob is deleted and the logs packed again.
func TestFetchLogsResumeAtTheEnd(t *testing.T) {
	for _, extra := range []int{0, 100} {
		t.Run(map[int]string{0: "complete", 100: "too long"}[extra], func(t *testing.T) {
			r := newResumeRig(t)
			r.killHalfway(t)
			path, _ := r.part(t)
			blob := r.f.LogBlobs()[0]
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.c.DownloadResource(context.Background(), blob, f, nil); err != nil {
				t.Fatal(err)
			}
			f.Write(make([]byte, extra))
			f.Close()
			tasks := r.f.Stats().TasksStarted[r.dep]
			before := r.f.LogDownloads()

			b, err := r.fetch(t, 0)
			if err != nil {
				t.Fatal(err)
			}
			sv := servedSince(r.f, before)
			newTasks := r.f.Stats().TasksStarted[r.dep] - tasks
			sum, size := fileSHA(t, b.Path)
			whole, wholeSize := blobSHA(t, r.c, blob)
			if sum != b.SHA256 || sum != whole || size != wholeSize {
				t.Errorf("file %s/%d, reported %s, blob %s/%d", sum, size, b.SHA256, whole, wholeSize)
			}
			switch extra {
			case 0:
				if newTasks != 0 || sv.requests != 1 || sv.bytes != 0 || b.Resumed != size {
					t.Errorf("complete part: %d new tasks, %d requests, %d bytes sent, resumed %d of %d", newTasks, sv.requests, sv.bytes, b.Resumed, size)
				}
			default:
				if newTasks != 1 || b.Resumed != 0 || !r.noticed("larger than the director's blob") {
					t.Errorf("too long a part: %d new tasks, resumed %d, notices %q", newTasks, b.Resumed, r.notices)
				}
			}
		})
	}
}

// Stale parts (not written for a day) are removed, with a notice; a fresh
// part of another request, and files that are not bosun's, stay. A part
// without a record cannot be resumed: it is deleted and the fetch starts
// from zero.
func TestFetchLogsRemovesStaleParts(t *testing.T) {
	r := newResumeRig(t)
	old := time.Now().Add(-25 * time.Hour)
	write := func(name string, size int, at time.Time) string {
		p := filepath.Join(r.dir, name)
		if err := os.WriteFile(p, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := write(".other.pks.0.tgz.0123456789ab.part", 3<<20, old)
	staleRec := write(".other.pks.0.tgz.0123456789ab.part.json", 10, old)
	orphanRec := write(".gone.tgz.aaaaaaaaaaaa.part.json", 10, old)
	oldStyle := write(".other.pks.0-20240101-000000.tgz.12345.part", 1<<10, old)
	fresh := write(".other.web.1.tgz.ba9876543210.part", 1<<20, time.Now())
	notOurs := write(".notes.part", 10, old)

	b, err := r.fetch(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stale, staleRec, orphanRec, oldStyle} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stale %s still there", filepath.Base(p))
		}
	}
	for _, p := range []string{fresh, notOurs} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if !r.noticed("removed the stale partial download "+filepath.Base(stale)+" (3.0 MiB, last written") ||
		!r.noticed("removed the stale partial download "+filepath.Base(oldStyle)) {
		t.Errorf("notices %q", r.notices)
	}
	if sum, _ := fileSHA(t, b.Path); sum != b.SHA256 {
		t.Errorf("bundle sum %s, reported %s", sum, b.SHA256)
	}

	// Now a part of this very request with no record beside it.
	r.killHalfway(t)
	path, held := r.part(t)
	if err := os.Remove(path + ".json"); err != nil {
		t.Fatal(err)
	}
	before := r.f.LogDownloads()
	b, err = r.fetch(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	sv := servedSince(r.f, before)
	if !r.noticed("no record of its blob") || b.Resumed != 0 || sv.ranged != 0 || sv.bytes != b.Bytes {
		t.Errorf("unrecorded part of %d bytes: resumed %d, %d range requests, %d bytes sent; notices %q",
			held, b.Resumed, sv.ranged, sv.bytes, r.notices)
	}
}
