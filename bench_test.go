package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/sim"
)

// BenchmarkInstancesAllDeployments measures `bosun instances --json` over
// all deployments of a director with 50 filler deployments, 5 task workers
// and 200 ms tasks: the floor is 50/5 x 200 ms = 2 s.
func BenchmarkInstancesAllDeployments(b *testing.B) {
	f, err := sim.Start(sim.Options{Listen: "127.0.0.1:0", Deployments: 50, InstancesPerDeployment: 50, Workers: 5, TaskTime: 200 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	e := newEnv(&testing.T{})
	e.pointAt(f)
	// Only the filler deployments make the 50 of the floor; the PKS
	// foundation's own deployments add theirs on top.
	for b.Loop() {
		r := e.run("instances", "--json")
		if r.code != 0 {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
}

// BenchmarkOfflineInstancesJSON measures `bosun --offline instances --json`
// with 1,000 deployments and 50,000 instances cached, and reports the
// command's peak RSS.
func BenchmarkOfflineInstancesJSON(b *testing.B) {
	e := newEnv(&testing.T{})
	url := "https://10.0.0.6:25555"
	e.vars["BOSH_ENVIRONMENT"] = url
	// The cache is filled by a child process: a child's peak RSS as the
	// kernel reports it starts from its parent's size at fork, so this
	// process must stay small for the figure to be the command's own.
	fill := exec.Command(os.Args[0], "-test.run=^$")
	fill.Env = append(os.Environ(), "BOSUN_FILL_CACHE="+filepath.Join(e.vars["XDG_CACHE_HOME"], "bosun", "bosun.db"), "BOSUN_FILL_URL="+url)
	if out, err := fill.CombinedOutput(); err != nil {
		b.Fatalf("fill the cache: %v\n%s", err, out)
	}
	var maxRSS int64
	for b.Loop() {
		// A child's peak RSS as the kernel reports it starts from its
		// parent's size at fork; a fresh, small copy of the test binary
		// runs bosun and reports bosun's own figure.
		cmd := exec.Command(os.Args[0], bosunBin, "--offline", "instances", "--json")
		cmd.Env = []string{"BOSUN_PEAK_RSS=1"}
		for k, v := range e.vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("offline instances: %v", err)
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatalf("peak RSS report %q: %v", out, err)
		}
		maxRSS = max(maxRSS, kb)
	}
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MB")
}

// reportPeakRSS runs args[0] with args[1:], discards its output, prints
// its peak RSS in KB and returns its exit code.
func reportPeakRSS(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 1
	}
	fmt.Println(ru.Maxrss)
	return 0
}

// fillBenchCache writes 1,000 deployments of 50 instances each into the
// cache at path, for director url; TestMain runs it in a child process.
func fillBenchCache(path, url string) error {
	store, err := cache.Open(path)
	if err != nil {
		return err
	}
	defer store.Close()
	info := bosh.Info{Name: "p-bosh", UUID: "6f0e9f4c-3a57-4d1e-9b7e-2f1c0d5a8b11", Version: "280.0.22", AuthType: "uaa"}
	now := time.Now()
	if err := store.RememberDirector(url, info, now); err != nil {
		return err
	}
	var deps []bosh.Deployment
	for d := range 1000 {
		deps = append(deps, bosh.Deployment{Name: fmt.Sprintf("filler-%04d", d), Releases: []string{"bpm/1.2.16"}, Stemcells: []string{"bosh-vsphere-esxi-ubuntu-jammy-go_agent/1.423"}})
	}
	if err := store.SaveDeployments(info.UUID, deps, now); err != nil {
		return err
	}
	for _, d := range deps {
		if err := store.SaveInstances(info.UUID, d.Name, benchInstances(d.Name, 50), now); err != nil {
			return err
		}
	}
	return nil
}

func benchInstances(dep string, n int) []bosh.Instance {
	insts := make([]bosh.Instance, n)
	for i := range insts {
		id := fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i)
		insts[i] = bosh.Instance{
			Deployment: dep, Group: "worker", ID: id, Name: "worker/" + id, Index: i,
			ProcessState: bosh.StateRunning, State: "started", AZ: fmt.Sprintf("az%d", i%3+1),
			IPs: []string{fmt.Sprintf("10.0.%d.%d", i/250, i%250)}, VMCID: "vm-" + id, VMType: "medium",
			Processes: []bosh.Process{{Name: "kubelet", State: "running"}, {Name: "kube-proxy", State: "running"}, {Name: "containerd", State: "running"}, {Name: "blackbox", State: "running"}, {Name: "bosh-dns", State: "running"}},
			Vitals: &bosh.Vitals{Load: [3]float64{0.1, 0.2, 0.3}, CPU: bosh.CPU{Sys: 1.2, User: 3.4, Wait: 0.1}, Mem: bosh.Mem{KB: 2066796, Percent: 25},
				System: &bosh.Usage{Percent: 45, InodePercent: 31}, Ephemeral: &bosh.Usage{Percent: 5, InodePercent: 1}, UptimeSecs: 123456},
			Full: true,
		}
	}
	return insts
}
