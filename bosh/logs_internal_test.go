package bosh

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// A director whose blobstore hands back an HTML page instead of the
// tarball: the fetch fails as a bad response and leaves nothing behind.
func TestFetchLogsNotGzip(t *testing.T) {
	f := newFakeDirector(t, "uaa")
	f.addDeployment("dep", vmLine("web", 0, "uuid-0", "running"))
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/logs"):
			f.mu.Lock()
			f.taskSeq++
			task := &fakeTask{id: f.taskSeq, dep: "dep", state: "queued", result: "blob-1"}
			f.tasks[task.id] = task
			f.mu.Unlock()
			http.Redirect(w, r, fmt.Sprintf("/tasks/%d", task.id), http.StatusFound)
			return true
		case r.URL.Path == "/resources/blob-1":
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>"+strings.Repeat(" ", 100000))
			return true
		}
		return false
	}
	c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), Client: f.clientID, ClientSecret: f.clientSecret}, Options{})
	dir := t.TempDir()
	_, err := c.FetchLogs(context.Background(), LogsRequest{Deployment: "dep", Instance: "web/0", Dir: dir}, nil)
	if KindOf(err) != KindBadResponse || !strings.Contains(err.Error(), "not a gzip tarball") {
		t.Errorf("error %v (kind %v)", err, KindOf(err))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v behind", ents)
	}
	if n := f.count("GET /resources/blob-1"); n != 1 {
		t.Errorf("a non-gzip resource was fetched %d times", n)
	}
}

// A gzip stream that is cut short inside is found when the bundle is
// verified, before it is moved into place.
func TestScanBundleDamage(t *testing.T) {
	if _, err := ScanBundle(strings.NewReader("plain text")); err == nil || !strings.Contains(err.Error(), "not a gzip tarball") {
		t.Errorf("plain text: %v", err)
	}
	// gzip of something that is not a tarball.
	gz := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x4b, 0x4c, 0x4a, 0x06, 0x00, 0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00}
	if _, err := ScanBundle(strings.NewReader(string(gz))); err == nil {
		t.Error("gzip of 'abc' passed as a tarball")
	}
}
