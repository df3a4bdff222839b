package sim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudfoundry/bosh-cli/v7/director"
)

// bundleEntries reads a gzip tarball and returns its regular files with
// their contents.
func bundleEntries(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("bundle is not gzip: %v", err)
	}
	tr := tar.NewReader(zr)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("bundle is not a tarball: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = string(body)
	}
}

// fetchBundle runs `bosh logs` as the bosh-cli director package does and
// downloads the result.
func fetchBundle(t *testing.T, f *Foundation, dep, group, idx string, filters []string, types string) []byte {
	t.Helper()
	d, err := adminDirector(t, f, nil).FindDeployment(dep)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.FetchLogs(director.NewAllOrInstanceGroupOrInstanceSlug(group, idx), filters, types)
	if err != nil {
		t.Fatalf("fetch logs %s/%s: %v", group, idx, err)
	}
	if res.BlobstoreID == "" {
		t.Fatal("fetch logs gave no blobstore id")
	}
	var buf bytes.Buffer
	if err := adminDirector(t, f, nil).DownloadResourceUnchecked(res.BlobstoreID, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLogsBundlesHoldEachGroupsLogs(t *testing.T) {
	f := startSim(t, Options{TaskTime: 5 * time.Millisecond})
	pks := f.content.pks.Name
	files := bundleEntries(t, fetchBundle(t, f, pks, "pivotal-container-service", "0", nil, "job"))
	for _, want := range []string{"./pks-api/pks-api.log", "./uaa/uaa.log", "./broker/broker.stdout.log", "./bpm/bpm.log"} {
		if files[want] == "" {
			t.Errorf("PKS API bundle lacks %s; has %v", want, keys(files))
		}
	}
	if !strings.Contains(files["./uaa/uaa.log"], "Audit: UserAuthenticationSuccess") {
		t.Error("uaa.log has no audit lines")
	}

	cluster := f.content.clusters[0]
	files = bundleEntries(t, fetchBundle(t, f, cluster.Name, "master", "0", nil, "job"))
	for _, want := range []string{"./kube-apiserver/kube-apiserver.stdout.log", "./kube-apiserver/kube-apiserver.stderr.log",
		"./kube-apiserver/audit.log", "./etcd/etcd.stdout.log", "./kube-controller-manager/kube-controller-manager.stderr.log",
		"./kube-scheduler/kube-scheduler.stderr.log"} {
		if files[want] == "" {
			t.Errorf("master bundle lacks %s", want)
		}
	}
	// The first cluster's third worker has a failing kubelet.
	failing := cluster.Instances[0]
	for _, in := range cluster.Instances {
		if in.Failing == "kubelet" {
			failing = in
		}
	}
	files = bundleEntries(t, fetchBundle(t, f, cluster.Name, "worker", failing.ID, nil, "job"))
	kubelet := files["./kubelet/kubelet.stderr.log"]
	if files["./containerd/containerd.stderr.log"] == "" || !strings.Contains(kubelet, "Back-off restarting failed container") || !strings.Contains(kubelet, "Error: ErrImagePull") {
		t.Errorf("failing worker's bundle: files %v, kubelet errors missing", keys(files))
	}

	files = bundleEntries(t, fetchBundle(t, f, pks, "pivotal-container-service", "0", nil, "agent"))
	if len(files) != 1 || !strings.Contains(files["./current"], "[Agent]") {
		t.Errorf("agent bundle: %v", keys(files))
	}
	files = bundleEntries(t, fetchBundle(t, f, cluster.Name, "master", "0", []string{"etcd/**/*"}, "job"))
	if len(files) != 2 || files["./etcd/etcd.stdout.log"] == "" {
		t.Errorf("filtered bundle: %v", keys(files))
	}
}

func TestLogsGroupBundleNestsInstanceBundles(t *testing.T) {
	f := startSim(t, Options{TaskTime: 5 * time.Millisecond})
	cluster := f.content.clusters[1]
	files := bundleEntries(t, fetchBundle(t, f, cluster.Name, "master", "", nil, "job"))
	if len(files) != 3 {
		t.Fatalf("3 masters gave %d entries: %v", len(files), keys(files))
	}
	for name, body := range files {
		if !strings.HasPrefix(name, "./master.") || !strings.HasSuffix(name, ".tgz") {
			t.Errorf("entry %q is not <group>.<uuid>.<time>.tgz", name)
		}
		inner := bundleEntries(t, []byte(body))
		if inner["./kube-apiserver/audit.log"] == "" {
			t.Errorf("inner bundle %s lacks the audit log", name)
		}
	}
}

func TestLogsSizeAndFaults(t *testing.T) {
	const size = 4 << 20
	f := startSim(t, Options{TaskTime: 5 * time.Millisecond, LogSize: size})
	pks := f.content.pks.Name
	b := fetchBundle(t, f, pks, "pivotal-container-service", "0", nil, "job")
	if len(b) < size*8/10 || len(b) > size*12/10 {
		t.Errorf("bundle of %d bytes, want about %d", len(b), size)
	}
	if files := bundleEntries(t, b); len(files["./pks-api/pks-api.log"]) < size {
		t.Errorf("pks-api.log has %d bytes, want it grown past %d", len(files["./pks-api/pks-api.log"]), size)
	}

	// Unknown instance: 404 code 70001.
	c := rawClient(t, f)
	tok := adminToken(t, f)
	r := do(t, c, f, "GET", "/deployments/"+pks+"/jobs/pks/0/logs?type=job", tok, nil, "")
	if code, _ := directorErr(t, r.body); r.status != http.StatusNotFound || code != 70001 {
		t.Errorf("unknown instance: %d %s", r.status, r.body)
	}
	r = do(t, c, f, "GET", "/resources/no-such-blob", tok, nil, "")
	if code, _ := directorErr(t, r.body); r.status != http.StatusNotFound || code != 100002 {
		t.Errorf("unknown resource: %d %s", r.status, r.body)
	}

	// A dropped download ends before Content-Length.
	d, err := adminDirector(t, f, nil).FindDeployment(pks)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.FetchLogs(director.NewAllOrInstanceGroupOrInstanceSlug("pivotal-container-service", "0"), nil, "job")
	if err != nil {
		t.Fatal(err)
	}
	f.SetFaults(Faults{DropDownloads: 1})
	req, _ := http.NewRequest("GET", f.DirectorURL()+"/resources/"+res.BlobstoreID, nil)
	req.Header.Set("Authorization", tok)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || int64(len(got)) >= resp.ContentLength {
		t.Errorf("dropped download gave %d of %d bytes, err %v", len(got), resp.ContentLength, err)
	}
	// The next one is whole, and Range resumes.
	req.Header.Set("Range", "bytes=100-")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(rest, b[100:]) {
		t.Errorf("range request: %d, %d bytes", resp.StatusCode, len(rest))
	}

	f.SetFaults(Faults{FailLogs: true})
	_, err = d.FetchLogs(director.NewAllOrInstanceGroupOrInstanceSlug("pivotal-container-service", "0"), nil, "job")
	if err == nil || !strings.Contains(err.Error(), "state is 'error'") {
		t.Errorf("FailLogs: err %v", err)
	}
}
