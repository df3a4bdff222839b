package bosh_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

func pksDeployment(t *testing.T, c *bosh.Client) string {
	t.Helper()
	deps, err := c.Deployments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if bosh.IsPKSDeployment(d.Name) {
			return d.Name
		}
	}
	t.Fatal("no PKS deployment")
	return ""
}

// dirEntries lists every file in dir, hidden ones included.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func fileSHA(t *testing.T, path string) (string, int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), int64(len(b))
}

func TestFetchLogsPKS0WritesAVerifiedBundle(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := pksDeployment(t, c)
	dir := t.TempDir()
	var stages []string
	b, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Deployment: dep, Instance: "pks/0", Dir: dir}, func(p bosh.LogsProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^` + regexp.QuoteMeta(dep) + `\.pivotal-container-service\.0-\d{8}-\d{6}(-\d{1,9})?\.tgz$`)
	if !name.MatchString(filepath.Base(b.Path)) || filepath.Dir(b.Path) != dir {
		t.Errorf("bundle path %s does not follow the bosh CLI's pattern", b.Path)
	}
	sum, size := fileSHA(t, b.Path)
	if sum != b.SHA256 || size != b.Bytes {
		t.Errorf("reported sha256 %s size %d, file has %s %d", b.SHA256, b.Bytes, sum, size)
	}
	if got := dirEntries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want the bundle only", got)
	}
	if b.Files != nil {
		t.Errorf("FetchLogs listed the bundle (%d files); listing is ScanBundleFile's", len(b.Files))
	}
	files, err := bosh.ScanBundleFile(context.Background(), b.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var apiLog bool
	for _, fl := range files {
		apiLog = apiLog || fl.Path == "./pks-api/pks-api.log" && fl.Size > 0
	}
	if !apiLog || b.Instance != "pivotal-container-service/0" || b.Type != "job" || b.TaskID == 0 {
		t.Errorf("bundle %+v", b)
	}
	want := []string{bosh.StageResolve, bosh.StageTask, bosh.StageDownload}
	if strings.Join(stages, ",") != strings.Join(want, ",") {
		t.Errorf("stages %v, want %v", stages, want)
	}

	// Without -d, "pks/0" finds the control plane.
	b2, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Instance: "pks/0", Types: []string{"agent"}, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files2, err := bosh.ScanBundleFile(context.Background(), b2.Path, nil)
	if err != nil || b2.Deployment != dep || len(files2) != 1 || files2[0].Path != "./current" {
		t.Errorf("pks/0 without a deployment: %+v, %v, %v", b2, files2, err)
	}
}

func TestFetchLogsGroupAndJobFilter(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	var cluster string
	deps, _ := c.Deployments(context.Background())
	for _, d := range deps {
		if strings.HasPrefix(d.Name, "service-instance_") {
			cluster = d.Name
			break
		}
	}
	b, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Deployment: cluster, Instance: "master", Jobs: []string{"etcd"}, Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(cluster) + `\.master-\d{8}-\d{6}`).MatchString(filepath.Base(b.Path)) {
		t.Errorf("group bundle name %s", filepath.Base(b.Path))
	}
	files, err := bosh.ScanBundleFile(context.Background(), b.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var nested int
	for _, fl := range files {
		if strings.Contains(fl.Path, bosh.NestSep) {
			nested++
			if !strings.Contains(fl.Path, "/etcd/") {
				t.Errorf("--job etcd let %s through", fl.Path)
			}
		}
	}
	if nested == 0 {
		t.Errorf("group bundle lists no nested files: %+v", files)
	}
}

func TestFetchLogsResumesADroppedDownload(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond, LogSize: 2 << 20, Faults: sim.Faults{DropDownloads: 1}})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := pksDeployment(t, c)
	b, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Deployment: dep, Instance: "pks/0", Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum, size := fileSHA(t, b.Path); sum != b.SHA256 || size != b.Bytes || size < 1<<20 {
		t.Errorf("resumed bundle: reported %s/%d, file %s/%d", b.SHA256, b.Bytes, sum, size)
	}
	if f.Stats().Requests["GET /resources/:id"] != 2 {
		t.Errorf("downloads: %d, want the dropped one and its resumption", f.Stats().Requests["GET /resources/:id"])
	}
}

func TestFetchLogsFailuresLeaveNoBundle(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond, LogSize: 1 << 20})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := pksDeployment(t, c)
	cases := []struct {
		name   string
		faults sim.Faults
		inst   string
		kind   bosh.Kind
		want   string
	}{
		{"connection keeps dropping", sim.Faults{DropDownloads: 10}, "pks/0", bosh.KindUnreachable, "broke off after"},
		{"task failed", sim.Faults{FailLogs: true}, "pks/0", bosh.KindTaskFailed, "Timed out sending 'fetch_logs'"},
		{"unknown group", sim.Faults{}, "master/0", bosh.KindNotFound, "its instance groups are: pivotal-container-service, pks-db"},
		{"unknown index", sim.Faults{}, "pks-db/3", bosh.KindNotFound, "pks-db has pks-db/0"},
		{"unknown type", sim.Faults{}, "pks/0", bosh.KindConfig, "unknown log type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.SetFaults(tc.faults)
			defer f.SetFaults(sim.Faults{})
			dir := t.TempDir()
			req := bosh.LogsRequest{Deployment: dep, Instance: tc.inst, Dir: dir}
			if tc.name == "unknown type" {
				req.Types = []string{"kernel"}
			}
			_, err := c.FetchLogs(context.Background(), req, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if bosh.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q (kind %v), want kind %v containing %q", err, bosh.KindOf(err), tc.kind, tc.want)
			}
			got := dirEntries(t, dir)
			if tc.name == "connection keeps dropping" {
				// A download that broke off keeps its hidden part and the
				// part's record, for a rerun to resume; nothing else.
				if len(got) != 2 || !strings.HasSuffix(got[0], ".part") || got[1] != got[0]+".json" || got[0][0] != '.' {
					t.Errorf("broken-off download left %v, want the hidden part and its record", got)
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("failure left %v behind", got)
			}
		})
	}
}

// failingWriter takes limit bytes, then fails as a full disk does.
type failingWriter struct {
	limit, n int
}

var errNoSpace = errors.New("write /bundles/x.tgz: no space left on device")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errNoSpace
	}
	w.n += len(p)
	return len(p), nil
}

func TestDownloadToAFullDisk(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 5 * time.Millisecond, LogSize: 2 << 20})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := pksDeployment(t, c)
	// A first fetch gives a blobstore id.
	b, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Deployment: dep, Instance: "pks/0", Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := c.DownloadResource(context.Background(), b.BlobstoreID, &failingWriter{limit: 1 << 20}, nil)
	if !errors.Is(err, errNoSpace) || !strings.Contains(err.Error(), "no space left on device") || n > 1<<20 {
		t.Errorf("disk full: n=%d err=%v", n, err)
	}
	if got := f.Stats().Requests["GET /resources/:id"]; got != 2 {
		t.Errorf("a full disk was retried: %d downloads", got)
	}
}

func TestFetchLogsCancelStopsTheTask(t *testing.T) {
	f := startSim(t, sim.Options{Seed: 1, TaskTime: 20 * time.Second})
	c := simClient(f, bosh.Options{PollInterval: 5 * time.Millisecond})
	dep := pksDeployment(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		_, err := c.FetchLogs(ctx, bosh.LogsRequest{Deployment: dep, Instance: "pks/0", Dir: t.TempDir()}, func(p bosh.LogsProgress) {
			if p.Stage == bosh.StageTask {
				select {
				case started <- p.TaskID:
				default:
				}
			}
		})
		done <- err
	}()
	id := <-started
	cancel()
	if err := <-done; bosh.KindOf(err) != bosh.KindCanceled {
		t.Errorf("cancelled fetch: %v", err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if st, err := f.WaitTask(wctx, id, "cancelled"); err != nil {
		t.Errorf("task %d: %s, %v", id, st, err)
	}
}

func TestResolveLogsTarget(t *testing.T) {
	insts := []bosh.Instance{
		{Group: "pivotal-container-service", Index: 0, ID: "a1b2", VMCID: "vm-1"},
		{Group: "pks-db", Index: 0, ID: "c3d4", VMCID: "vm-2"},
		{Group: "smoke-tests", Index: 0, ID: "e5f6"},
	}
	const dep = "pivotal-container-service-7e64d53fc570503b5690"
	cases := []struct {
		arg, group, idx, err string
	}{
		{"pks/0", "pivotal-container-service", "0", ""},
		{"pks", "pivotal-container-service", "", ""},
		{"pivotal-container-service/a1b2", "pivotal-container-service", "a1b2", ""},
		{"", "", "", ""},
		{"pks-db/0", "pks-db", "0", ""},
		{"worker/0", "", "", "its instance groups are: pivotal-container-service, pks-db, smoke-tests"},
		{"pks-db/7", "", "", "has no instance pks-db/7; pks-db has pks-db/0 (c3d4)"},
		{"smoke-tests/0", "", "", "has no VM"},
		{"smoke-tests", "", "", "has a VM"},
	}
	for _, tc := range cases {
		got, err := bosh.ResolveLogsTarget(dep, insts, tc.arg)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.arg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || bosh.KindOf(err) != bosh.KindNotFound):
			t.Errorf("%q: error %v, want one containing %q", tc.arg, err, tc.err)
		case tc.err == "" && (got.Group != tc.group || got.IndexOrID != tc.idx || got.Deployment != dep):
			t.Errorf("%q resolved to %+v", tc.arg, got)
		}
	}
	// "pks" is only an alias in a PKS control plane deployment.
	if _, err := bosh.ResolveLogsTarget("other", insts, "pks/0"); err == nil {
		t.Error("pks/0 resolved outside a PKS deployment")
	}
}

func TestBundleFileName(t *testing.T) {
	tgt := bosh.LogsTarget{Deployment: "pks", Group: "pivotal-container-service", IndexOrID: "0"}
	at := time.Date(2024, 4, 6, 10, 11, 12, 123456000, time.UTC)
	if got := bosh.BundleFileName(tgt, at); got != "pks.pivotal-container-service.0-20240406-101112-123456.tgz" {
		t.Errorf("name %s", got)
	}
	at = time.Date(2024, 4, 6, 10, 11, 12, 0, time.UTC)
	if got := bosh.BundleFileName(bosh.LogsTarget{Deployment: "cf"}, at); got != "cf-20240406-101112.tgz" {
		t.Errorf("whole-deployment name %s", got)
	}
}
