package bosh_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/sim"
)

// The download benchmark runs each download in a child process (this test
// binary, switched by environment variables in init) so that the figures
// are the download path's own: a child's peak RSS as the kernel reports it
// starts from its parent's size at fork, so a small reporter process sits
// between the benchmark and the downloader.
const (
	benchChildEnv = "BOSUN_LOGS_BENCH_CHILD" // "raw" or "download"
	benchRSSEnv   = "BOSUN_LOGS_BENCH_RSS"   // run the child and report its peak RSS
	benchConfEnv  = "BOSUN_LOGS_BENCH_CONF"  // JSON benchConf
)

type benchConf struct {
	URL, CA, Client, Secret, UAA, Blob string
}

// benchResult is what a child prints: bytes moved and seconds taken, and
// (from the reporter) the downloader's peak RSS in KB.
type benchResult struct {
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	RSSKB   int64   `json:"rss_kb"`
}

func init() {
	if os.Getenv(benchRSSEnv) != "" {
		os.Exit(reportChildRSS())
	}
	if mode := os.Getenv(benchChildEnv); mode != "" {
		os.Exit(runBenchChild(mode))
	}
}

func reportChildRSS() int {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchRSSEnv+"=")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var r benchResult
	if err := json.Unmarshal(out, &r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r.RSSKB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

func runBenchChild(mode string) int {
	var c benchConf
	if err := json.Unmarshal([]byte(os.Getenv(benchConfEnv)), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var r benchResult
	var err error
	switch mode {
	case "raw", "rawfile":
		r, err = rawDownload(c, mode == "rawfile")
	default:
		r, err = clientDownload(c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// rawDownload is the simulator's raw serving rate: one plain TLS GET read
// into io.Discard, or (toFile) copied into a file and synced, as
// `curl -o` would; no resume, no checksum, no progress.
func rawDownload(c benchConf, toFile bool) (benchResult, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(c.CA))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	treq, _ := http.NewRequest("POST", c.UAA+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	treq.SetBasicAuth(c.Client, c.Secret)
	resp, err := hc.Do(treq)
	if err != nil {
		return benchResult{}, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", c.URL+"/resources/"+c.Blob, nil)
	req.Header.Set("Authorization", "bearer "+tok.AccessToken)
	start := time.Now()
	resp, err = hc.Do(req)
	if err != nil {
		return benchResult{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return benchResult{}, fmt.Errorf("raw download: HTTP %d", resp.StatusCode)
	}
	if !toFile {
		n, err := io.Copy(io.Discard, resp.Body)
		return benchResult{Bytes: n, Seconds: time.Since(start).Seconds()}, err
	}
	dir, err := os.MkdirTemp("", "bosun-bench-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "raw.tgz"))
	if err != nil {
		return benchResult{}, err
	}
	defer f.Close()
	n, err := io.Copy(f, resp.Body)
	if err == nil {
		err = f.Sync()
	}
	return benchResult{Bytes: n, Seconds: time.Since(start).Seconds()}, err
}

// clientDownload is bosun's download path, DownloadBundle: into a part
// file with writeback started as it arrives and the sha256 computed while
// streaming, synced, its start checked and renamed into place.
func clientDownload(c benchConf) (benchResult, error) {
	cl := bosh.New(bosh.Target{URL: c.URL, CACert: c.CA, Client: c.Client, ClientSecret: c.Secret}, bosh.Options{})
	ctx := context.Background()
	if _, err := cl.Info(ctx); err != nil { // connect and log in before the clock starts
		return benchResult{}, err
	}
	dir, err := os.MkdirTemp("", "bosun-bench-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	n, _, err := cl.DownloadBundle(ctx, c.Blob, filepath.Join(dir, "bundle.tgz"), nil)
	return benchResult{Bytes: n, Seconds: time.Since(start).Seconds()}, err
}

func runChild(b *testing.B, mode string, conf []byte, rss bool) benchResult {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, benchConfEnv+"="+string(conf))
	if rss {
		cmd.Env = append(cmd.Env, benchRSSEnv+"=1")
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s child: %v", mode, err)
	}
	var r benchResult
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("%s child printed %q: %v", mode, out, err)
	}
	return r
}

// BenchmarkLogsDownload downloads a bundle of BOSUN_LOGS_BENCH_SIZE bytes
// (default 500MB) from the simulator, and reports the raw serving rate,
// bosun's download rate, their ratio and the downloader's peak RSS. The
// files go to TMPDIR: TMPDIR=/dev/shm takes the disk out of the figures.
func BenchmarkLogsDownload(b *testing.B) {
	size := int64(500e6)
	if s := os.Getenv("BOSUN_LOGS_BENCH_SIZE"); s != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		size = n
	}
	f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Seed: 1, TaskTime: time.Millisecond, LogSize: size})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	c := bosh.New(bosh.Target{URL: f.DirectorURL(), CACert: f.CACertPEM(), Client: f.ClientID(), ClientSecret: f.ClientSecret()}, bosh.Options{PollInterval: 5 * time.Millisecond})
	dir := b.TempDir()
	// One fetch builds the bundle in the simulator and gives its id.
	bundle, err := c.FetchLogs(context.Background(), bosh.LogsRequest{Instance: "pks/0", Dir: dir}, nil)
	if err != nil {
		b.Fatal(err)
	}
	os.Remove(bundle.Path)
	conf, _ := json.Marshal(benchConf{URL: f.DirectorURL(), CA: f.CACertPEM(), Client: f.ClientID(), Secret: f.ClientSecret(), UAA: f.UAAURL(), Blob: bundle.BlobstoreID})
	// The three kinds run in turn, so a disk or neighbour slowing down
	// for a while hits each of them; the medians are reported.
	var net, raw, dl []float64
	var rss int64
	for b.Loop() {
		syscall.Sync() // the last run's file is on disk before the next starts
		m := runChild(b, "raw", conf, false)
		syscall.Sync()
		r := runChild(b, "rawfile", conf, false)
		syscall.Sync()
		d := runChild(b, "download", conf, true)
		if m.Bytes != bundle.Bytes || r.Bytes != bundle.Bytes || d.Bytes != bundle.Bytes {
			b.Fatalf("moved %d, %d and %d bytes of %d", m.Bytes, r.Bytes, d.Bytes, bundle.Bytes)
		}
		net = append(net, float64(m.Bytes)/m.Seconds)
		raw = append(raw, float64(r.Bytes)/r.Seconds)
		dl = append(dl, float64(d.Bytes)/d.Seconds)
		rss = max(rss, d.RSSKB)
	}
	b.ReportMetric(float64(bundle.Bytes)/1e6, "bundle-MB")
	b.ReportMetric(median(net)/1e6, "raw-discard-MB/s")
	b.ReportMetric(median(raw)/1e6, "raw-file-MB/s")
	b.ReportMetric(median(dl)/1e6, "download-MB/s")
	b.ReportMetric(100*median(dl)/median(raw), "%-of-raw-file")
	b.ReportMetric(100*median(dl)/median(net), "%-of-raw-discard")
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
