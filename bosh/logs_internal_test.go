package bosh

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// A director whose blobstore hands back an HTML page, or a gzip stream
// that holds no tarball, instead of the bundle: the fetch fails as a bad
// response and leaves nothing behind; the HTML is not downloaded in full.
func TestFetchLogsNotATarball(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat("not a tar header ", 100)))
	zw.Close()
	for _, tc := range []struct {
		name, body, want string
		gets             int
	}{
		{"html", "<html><body>502 Bad Gateway</body></html>" + strings.Repeat(" ", 100000), "not a gzip tarball", 1},
		{"gzip", gz.String(), "not a tarball inside the gzip stream", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
					fmt.Fprint(w, tc.body)
					return true
				}
				return false
			}
			c := testClient(Target{URL: f.URL(), CACert: f.CACertPEM(), Client: f.clientID, ClientSecret: f.clientSecret}, Options{})
			dir := t.TempDir()
			_, err := c.FetchLogs(context.Background(), LogsRequest{Deployment: "dep", Instance: "web/0", Dir: dir}, nil)
			if KindOf(err) != KindBadResponse || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v (kind %v), want %q", err, KindOf(err), tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("left %v behind", ents)
			}
			if n := f.count("GET /resources/blob-1"); n != tc.gets {
				t.Errorf("the resource was fetched %d times", n)
			}
		})
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

// writeTestBundle writes a gzip tarball of n files of size bytes each.
func writeTestBundle(t *testing.T, path string, n, size int) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := range n {
		body := bytes.Repeat([]byte(fmt.Sprintf("line %d of a log\n", i)), size/16+1)[:size]
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("./job/%d.log", i), Size: int64(size), Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Listing a bundle file reports its progress up to the file's size, stops
// when cancelled, and names the damage of a bundle cut short.
func TestScanBundleFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/b.tgz"
	writeTestBundle(t, path, 20, 200<<10)
	st, _ := os.Stat(path)
	var last Progress
	files, err := ScanBundleFile(context.Background(), path, func(p Progress) { last = p })
	if err != nil || len(files) != 20 || files[3].Path != "./job/3.log" || files[3].Size != 200<<10 {
		t.Fatalf("files %v, %v", files, err)
	}
	if last.Done != st.Size() || last.Total != st.Size() {
		t.Errorf("last progress %+v, file is %d bytes", last, st.Size())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ScanBundleFile(ctx, path, nil); err != context.Canceled {
		t.Errorf("cancelled listing: %v", err)
	}

	b, _ := os.ReadFile(path)
	cut := dir + "/cut.tgz"
	os.WriteFile(cut, b[:len(b)/2], 0o600)
	if _, err := ScanBundleFile(context.Background(), cut, nil); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("bundle cut in half: %v", err)
	}
}

// Opening a file late in a bundle reports how much of the bundle was read
// to find it, and a cancelled search ends with ctx's error.
func TestOpenBundleFileReportsTheSearch(t *testing.T) {
	path := t.TempDir() + "/b.tgz"
	writeTestBundle(t, path, 20, 200<<10)
	var seen Progress
	e, err := OpenBundleFile(context.Background(), path, "./job/19.log", func(p Progress) { seen = p })
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	body, err := io.ReadAll(e)
	if err != nil || int64(len(body)) != e.Size || !bytes.HasPrefix(body, []byte("line 19 of a log\n")) {
		t.Errorf("read %d bytes (%v), size %d, starts %q", len(body), err, e.Size, body[:min(len(body), 20)])
	}
	if seen.Done <= 0 || seen.Total <= 0 || seen.Done > seen.Total {
		t.Errorf("search progress %+v", seen)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := OpenBundleFile(ctx, path, "./job/19.log", nil); err != context.Canceled {
		t.Errorf("cancelled search: %v", err)
	}
	if _, err := OpenBundleFile(context.Background(), path, "./job/99.log", nil); err == nil || !strings.Contains(err.Error(), "no such file in the bundle") {
		t.Errorf("missing file: %v", err)
	}
}

func TestByteCount(t *testing.T) {
	for n, want := range map[int64]string{-1: "unknown size", 0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 500 << 20: "500.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := ByteCount(n); got != want {
			t.Errorf("ByteCount(%d) = %q, want %q", n, got, want)
		}
	}
}
