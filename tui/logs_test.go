package tui

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// writeTestBundle writes a gzip tarball of files (name → content) in
// sorted order and returns their list.
func writeTestBundle(t testing.TB, path string, files map[string]string) []bosh.BundleFile {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var list []bosh.BundleFile
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(files[n])), Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
		list = append(list, bosh.BundleFile{Path: n, Size: int64(len(files[n]))})
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return list
}

// kubeletLog is a kubelet log of n lines with an error every 100th line
// and a crash loop at line 500.
func kubeletLog(n int) string {
	var b strings.Builder
	for i := range n {
		switch {
		case i == 500:
			b.WriteString("E1123 10:00:00.000000 4521 pod_workers.go:1294] Back-off restarting failed container checkout\n")
		case i%100 == 99:
			fmt.Fprintf(&b, "ERROR line %d: upstream reset\n", i+1)
		default:
			fmt.Fprintf(&b, "I1123 10:00:00.000000 4521 kubelet.go:2440] SyncLoop line %d\n", i+1)
		}
	}
	return b.String()
}

// logsDirector is the fake director with log fetching.
type logsDirector struct {
	*fakeDirector
	fetch func(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error)
	mu    sync.Mutex
	reqs  []bosh.LogsRequest
}

func (d *logsDirector) FetchLogs(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error) {
	d.mu.Lock()
	d.reqs = append(d.reqs, req)
	d.mu.Unlock()
	return d.fetch(ctx, req, progress)
}

// indexCache is the fake cache with a bundle index.
type indexCache struct {
	*fakeCache
	mu      sync.Mutex
	bundles []cache.LogBundle
	files   map[int64][]bosh.BundleFile
}

func (c *indexCache) AddLogBundle(uuid string, b bosh.Bundle) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := int64(len(c.bundles) + 1)
	lb := cache.LogBundle{ID: id, Director: uuid, Deployment: b.Deployment, Instance: b.Instance, Type: b.Type,
		FetchedAt: b.FetchedAt, Bytes: b.Bytes, SHA256: b.SHA256, Path: b.Path, State: cache.BundlePresent}
	if b.Files != nil {
		n := len(b.Files)
		lb.Files = &n
	}
	c.bundles = append(c.bundles, lb)
	c.files[id] = b.Files
	return id, nil
}

func (c *indexCache) SetLogBundleFiles(id int64, files []bosh.BundleFile) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.files[id]; !ok {
		return cache.ErrNoBundle
	}
	n := len(files)
	c.bundles[id-1].Files = &n
	c.files[id] = files
	return nil
}

func (c *indexCache) LogBundles() ([]cache.LogBundle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]cache.LogBundle(nil), c.bundles...), nil
}

func (c *indexCache) LogBundleFiles(id int64) ([]bosh.BundleFile, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[id]
	switch {
	case !ok:
		return nil, cache.ErrNoBundle
	case f == nil:
		return nil, cache.ErrNotListed
	}
	return f, nil
}

func logsHarness(t *testing.T, fetch func(context.Context, bosh.LogsRequest, func(bosh.LogsProgress)) (bosh.Bundle, error)) (*harness, *logsDirector, *indexCache) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	deps, insts := fixture(1, 4)
	d := &logsDirector{fakeDirector: newFakeDirector(deps, insts), fetch: fetch}
	ix := &indexCache{fakeCache: newFakeCache(nil, nil, t0), files: map[int64][]bosh.BundleFile{}}
	h := newHarness(t, Options{Director: d, Cache: ix, StartScreen: StartInstances, StartDeployment: "cf-00"}, 120, 30)
	h.start()
	return h, d, ix
}

func TestLogsFetchOpensTheBundleAndTheViewer(t *testing.T) {
	h, d, ix := logsHarness(t, func(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error) {
		progress(bosh.LogsProgress{Stage: bosh.StageTask, TaskID: 42})
		progress(bosh.LogsProgress{Stage: bosh.StageDownload, TaskID: 42, Progress: bosh.Progress{Done: 512, Total: 1024}})
		path := filepath.Join(req.Dir, "cf-00.router.0-20261123-120000.tgz")
		writeTestBundle(t, path, map[string]string{"./bpm/bpm.log": "bpm started\n", "./kubelet/kubelet.stderr.log": kubeletLog(3000)})
		st, _ := os.Stat(path)
		// FetchLogs does not list the bundle; the files screen does.
		return bosh.Bundle{Path: path, Bytes: st.Size(), SHA256: "ab", Deployment: req.Deployment, Instance: req.Instance, Type: "job", FetchedAt: t0}, nil
	})
	h.keys("l")
	if _, ok := h.top().(*filesScreen); !ok {
		t.Fatalf("after l and the fetch, top screen is %T:\n%s", h.top(), h.view())
	}
	if len(d.reqs) != 1 || d.reqs[0].Deployment != "cf-00" || !strings.HasPrefix(d.reqs[0].Instance, "api/") || !strings.HasSuffix(d.reqs[0].Dir, "logs") {
		t.Errorf("fetch request %+v", d.reqs)
	}
	if len(ix.bundles) != 1 || ix.bundles[0].Director != "uuid-1" {
		t.Errorf("index %+v", ix.bundles)
	}
	v := h.view()
	if !strings.Contains(v, "kubelet/kubelet.stderr.log") || !strings.Contains(v, "bpm/bpm.log") {
		t.Fatalf("files screen:\n%s", v)
	}
	if want := "bundle saved to " + ix.bundles[0].Path; ix.bundles[0].Path == "" || !strings.HasPrefix(h.m.status, want) {
		t.Errorf("footer %q, want it to start with %q", h.m.status, want)
	}
	if f := ix.bundles[0].Files; f == nil || *f != 2 {
		t.Errorf("the listing was not recorded in the index: %v", f)
	}
	h.keys("j", "enter")
	vw, ok := h.top().(*viewer)
	if !ok {
		t.Fatalf("enter opened %T", h.top())
	}
	h.await("the file to load", func() bool { return vw.done && len(vw.window) > 0 })
	if v := h.view(); !strings.Contains(v, "SyncLoop line 1") || !strings.Contains(v, "line 1 of 3000") {
		t.Fatalf("viewer:\n%s", v)
	}

	// Search, next and previous match.
	h.keys("/")
	h.typeText("back-off")
	h.keys("enter")
	if vw.match != 500 || !strings.Contains(h.view(), "▶") {
		t.Fatalf("search for back-off: match %d\n%s", vw.match, h.view())
	}
	h.keys("g", "/")
	h.typeText("ERROR")
	h.keys("enter")
	first := vw.match
	h.keys("n")
	if first != 99 || vw.match != 199 {
		t.Errorf("ERROR matches %d then %d, want lines 100 and 200", first+1, vw.match+1)
	}
	h.keys("N")
	if vw.match != 99 {
		t.Errorf("N went to line %d, want 100", vw.match+1)
	}
	h.keys("/")
	h.typeText("no such text")
	h.keys("enter")
	if !strings.Contains(h.view(), "not found") {
		t.Errorf("a search without match says nothing:\n%s", h.view())
	}

	// Jump to the end, wrap toggle.
	h.keys("G")
	if !strings.Contains(h.view(), "ERROR line 3000: upstream reset") || vw.top != 3000-vw.bodyLines() {
		t.Errorf("G: top %d\n%s", vw.top, h.view())
	}
	h.keys("w")
	if !vw.wrap || !strings.Contains(h.m.View(), "wrap") {
		t.Error("w did not turn wrapping on")
	}
	h.keys("esc", "esc")
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Errorf("esc twice from the viewer gives %T", h.top())
	}
}

func TestLogsFetchCancelStopsTheFetch(t *testing.T) {
	ended := make(chan error, 1)
	h, _, ix := logsHarness(t, func(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error) {
		progress(bosh.LogsProgress{Stage: bosh.StageTask, TaskID: 7})
		<-ctx.Done()
		ended <- ctx.Err()
		return bosh.Bundle{}, &bosh.Error{Kind: bosh.KindCanceled, Err: ctx.Err()}
	})
	h.post(keyMsg("L"))
	h.await("the task stage", func() bool {
		fs, ok := h.top().(*fetchScreen)
		return ok && fs.last.TaskID == 7
	})
	if v := h.view(); !strings.Contains(v, "director task 7") || !strings.Contains(v, "esc cancels") {
		t.Errorf("fetch screen:\n%s", v)
	}
	h.keys("esc")
	// The deadline only turns a hang into a failure.
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("fetch ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("esc did not cancel the fetch; screen:\n%s", h.view())
	}
	h.settle()
	if _, ok := h.top().(*instancesScreen); !ok || len(ix.bundles) != 0 {
		t.Errorf("after cancel: top %T, index %v", h.top(), ix.bundles)
	}
	if v := h.view(); !strings.Contains(v, "logs fetch cancelled") {
		t.Errorf("the cancel is not reported:\n%s", v)
	}
}

func TestLogsFetchFailureIsShown(t *testing.T) {
	h, _, _ := logsHarness(t, func(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error) {
		return bosh.Bundle{}, errors.New("task 9 failed (state error): Timed out sending 'fetch_logs'")
	})
	h.keys("l")
	if v := h.view(); !strings.Contains(v, "failed: task 9 failed") {
		t.Errorf("failure not shown:\n%s", v)
	}
	// The fetch is over: esc is back again, and the footer says so.
	if v := h.view(); !strings.Contains(v, "esc back") || strings.Contains(v, "esc cancel") {
		t.Errorf("footer after the failure:\n%s", v)
	}
	h.keys("esc")
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Errorf("esc after the failure went to %T", h.top())
	}
}

func TestBundlesScreenListsTheIndex(t *testing.T) {
	h, _, ix := logsHarness(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "b.tgz")
	files := writeTestBundle(t, path, map[string]string{"./uaa/uaa.log": "[2026] uaa - 7777 INFO Audit\n"})
	ix.AddLogBundle("uuid-1", bosh.Bundle{Path: path, Bytes: 100, Deployment: "pivotal-container-service-7e64", Instance: "pivotal-container-service/0", Type: "job", FetchedAt: t0, Files: files})
	ix.AddLogBundle("uuid-1", bosh.Bundle{Path: filepath.Join(dir, "gone.tgz"), Bytes: 10, Deployment: "cf-00", Instance: "router/0", Type: "agent", FetchedAt: t0.Add(-time.Hour)})
	ix.bundles[1].State = cache.BundleMissing
	h.keys(":")
	h.typeText("logs")
	h.keys("enter")
	v := h.view()
	if _, ok := h.top().(*bundlesScreen); !ok || !strings.Contains(v, "pivotal-container-service/0") || !strings.Contains(v, "○ missing") || !strings.Contains(v, "● present") {
		t.Fatalf("bundles screen:\n%s", v)
	}
	h.keys("j", "enter")
	if !strings.Contains(h.view(), "file is gone") {
		t.Errorf("opening a missing bundle:\n%s", h.view())
	}
	h.keys("k", "enter")
	if _, ok := h.top().(*filesScreen); !ok || !strings.Contains(h.view(), "uaa/uaa.log") {
		t.Errorf("files of the bundle:\n%s", h.view())
	}
}

func TestFilesOfAnUnindexedBundleAreReadFromTheTarball(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.tgz")
	writeTestBundle(t, path, map[string]string{"./etcd/etcd.stdout.log": "{}\n", "./kube-apiserver/audit.log": "{}\n"})
	msg := runToEnd(loadBundleFiles(context.Background(), nil, 0, path, 1))
	if msg.err != nil || len(msg.files) != 2 || msg.files[1].Path != "./kube-apiserver/audit.log" {
		t.Errorf("files %+v, %v", msg.files, msg.err)
	}
	os.WriteFile(path, []byte("not gzip"), 0o600)
	if msg := runToEnd(loadBundleFiles(context.Background(), nil, 0, path, 1)); msg.err == nil {
		t.Error("a file that is not gzip listed without error")
	}
}

// runToEnd runs a listing command through its progress reports to its
// result.
func runToEnd(cmd tea.Cmd) bundleFilesMsg {
	for {
		switch m := cmd().(type) {
		case bundleScanMsg:
			cmd = m.next
		case bundleFilesMsg:
			return m
		}
	}
}

func TestErrorLinePatterns(t *testing.T) {
	for line, want := range map[string]bool{
		"2026-11-23T10:00:00Z ERROR [pks-api] cluster failed":                       true,
		"FATAL failed to run Kubelet":                                               true,
		"panic: runtime error: invalid memory address":                              true,
		"container start failed: ErrImagePull: Error: ErrImagePull":                 true,
		"Back-off restarting failed container checkout in pod checkout-5c6d7":       true,
		"E1123 10:00:00.000000 4521 remote_image.go:171] PullImage failed":          true,
		`time="2026-11-23T10:00:00Z" level=error msg="PullImage failed"`:            true,
		`{"level":"error","ts":"2026-11-23T10:00:00Z","msg":"apply took too long"}`: true,
		"I1123 10:00:00.000000 4521 kubelet.go:2440] SyncLoop":                      false,
		"[2026-11-23 10:00:00.000] uaa - 7777 INFO --- Audit: TokenIssuedEvent":     false,
	} {
		if errorLine.MatchString(line) != want {
			t.Errorf("%q: highlighted %v, want %v", line, !want, want)
		}
	}
}

func TestSpoolFindsLinesAnywhere(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.tgz")
	writeTestBundle(t, path, map[string]string{"./a.log": "x\n", "./kubelet/kubelet.stderr.log": kubeletLog(20000) + "last line without newline"})
	sp, err := openSpool(context.Background(), path, "./kubelet/kubelet.stderr.log")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	for {
		<-sp.changed
		if _, _, done, err := sp.state(); done {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	lines, _, _, _ := sp.state()
	if lines != 20001 {
		t.Errorf("%d lines, want 20001", lines)
	}
	got := sp.Lines(12345, 2)
	if len(got) != 2 || got[0] != "I1123 10:00:00.000000 4521 kubelet.go:2440] SyncLoop line 12346" {
		t.Errorf("lines at 12345: %q", got)
	}
	if last := sp.Lines(20000, 5); len(last) != 1 || last[0] != "last line without newline" {
		t.Errorf("last line: %q", last)
	}
	ctx := context.Background()
	if n, ok := sp.Find(ctx, 12345, true, matcher("error line")); !ok || n != 12399 {
		t.Errorf("forward find: %d %v", n, ok)
	}
	if n, ok := sp.Find(ctx, 12345, false, matcher("ERROR")); !ok || n != 12299 {
		t.Errorf("backward find: %d %v", n, ok)
	}
	if _, ok := sp.Find(ctx, 0, true, matcher("nothing like this")); ok {
		t.Error("found a pattern that is not there")
	}
	if _, err := openSpool(ctx, path, "./no/such.log"); err != nil {
		t.Fatal(err)
	}
}

func TestLogsKeyOnTheDeploymentsScreenExplains(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	deps, insts := fixture(1, 4)
	d := &logsDirector{fakeDirector: newFakeDirector(deps, insts)}
	h := newHarness(t, Options{Director: d}, 120, 30).start()
	h.keys("l")
	if _, ok := h.top().(*deploymentsScreen); !ok || !strings.Contains(h.view(), "logs come from an instance") || len(d.reqs) != 0 {
		t.Errorf("l on deployments: top %T, requests %v\n%s", h.top(), d.reqs, h.view())
	}
}

// While a bundle is listed the files screen shows how far it has read.
func TestFilesScreenShowsTheListingProgress(t *testing.T) {
	h, _, _ := logsHarness(t, nil)
	s := newFilesScreen(h.m.c, 0, "/var/logs/big.tgz", "big logs")
	s.SetSize(100, 20)
	s.Update(bundleScanMsg{screen: s.sid, p: bosh.Progress{Done: 125 << 20, Total: 500 << 20}})
	v := s.View()
	for _, want := range []string{"Listing the files of big.tgz", "in /var/logs", " 25%", "125.0M of 500.0M", "esc stops"} {
		if !strings.Contains(v, want) {
			t.Errorf("listing view lacks %q:\n%s", want, v)
		}
	}
	if s.Progress() == "" {
		t.Error("no progress label while listing")
	}
	s.Update(bundleFilesMsg{screen: s.sid, files: []bosh.BundleFile{{Path: "./a.log", Size: 3}}})
	if v := s.View(); !strings.Contains(v, "a.log") || s.Progress() != "" {
		t.Errorf("after the listing:\n%s", v)
	}
}

// While the viewer looks for a file deep in a bundle it says how much of
// the bundle it has read.
func TestViewerShowsTheSearchForTheFile(t *testing.T) {
	h, _, _ := logsHarness(t, nil)
	v := newViewer(h.m.c, "/var/logs/big.tgz", "./uaa/uaa.log", 4000)
	v.SetSize(100, 20)
	v.sp = &spool{changed: make(chan struct{}, 1), seek: bosh.Progress{Done: 100 << 20, Total: 400 << 20}}
	out := v.View()
	for _, want := range []string{"opening ./uaa/uaa.log…", "finding it in the bundle: 100.0M of 400.0M read", " 25%"} {
		if !strings.Contains(out, want) {
			t.Errorf("viewer lacks %q:\n%s", want, out)
		}
	}
}
