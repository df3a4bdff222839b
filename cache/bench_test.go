package cache

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
)

// The benchmark foundation: 1,000 deployments of 50 instances each, every
// instance with vitals, three disks and five processes.
const (
	benchDeployments = 1000
	benchPerDep      = 50
)

var bench struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func benchDepName(i int) string {
	return fmt.Sprintf("service-instance_%s", fakeUUID("bench", i))
}

// benchFixture builds the benchmark cache once per test binary run.
func benchFixture(b *testing.B) string {
	b.Helper()
	bench.once.Do(func() {
		bench.dir, bench.err = os.MkdirTemp("", "bosun-cache-bench")
		if bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "bosun.db")
		bench.err = buildBenchCache(bench.path)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.path
}

func buildBenchCache(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	deps := make([]bosh.Deployment, benchDeployments)
	for i := range deps {
		deps[i] = realisticDeployment(benchDepName(i))
	}
	if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
		return err
	}
	for i, d := range deps {
		insts := realisticInstances(d.Name, map[string]int{"master": 3, "worker": benchPerDep - 3})
		if err := s.SaveInstances(testUUID, d.Name, insts, baseTime.Add(time.Duration(i)*time.Second)); err != nil {
			return err
		}
	}
	return nil
}

func removeBenchFixture() {
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
}

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(benchFixture(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkAllInstances50k(b *testing.B) {
	s := openBench(b)
	// Heap held by the result, measured once outside the timed loop.
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	insts, _, err := s.AllInstances(testUUID)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(insts) != benchDeployments*benchPerDep {
		b.Fatalf("AllInstances gave %d instances", len(insts))
	}
	retained := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	runtime.KeepAlive(insts)
	insts = nil

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, _, err := s.AllInstances(testUUID)
		if err != nil || len(got) != benchDeployments*benchPerDep {
			b.Fatalf("AllInstances: %d, %v", len(got), err)
		}
	}
	b.ReportMetric(retained, "MB-retained")
}

func BenchmarkInstances50(b *testing.B) {
	s := openBench(b)
	dep := benchDepName(benchDeployments / 2)
	b.ReportAllocs()
	for b.Loop() {
		got, _, err := s.Instances(testUUID, dep)
		if err != nil || len(got) != benchPerDep {
			b.Fatalf("Instances: %d, %v", len(got), err)
		}
	}
}

func BenchmarkSaveInstances50(b *testing.B) {
	s := openBench(b)
	dep := benchDepName(7)
	insts := realisticInstances(dep, map[string]int{"master": 3, "worker": benchPerDep - 3})
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveInstances(testUUID, dep, insts, baseTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeployments1000(b *testing.B) {
	s := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		deps, _, err := s.Deployments(testUUID)
		if err != nil || len(deps) != benchDeployments {
			b.Fatalf("Deployments: %d, %v", len(deps), err)
		}
	}
}

func BenchmarkSaveDeployments1000(b *testing.B) {
	s := openBench(b)
	deps, _, err := s.Deployments(testUUID)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveDeployments(testUUID, deps, baseTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstanceAges1000(b *testing.B) {
	s := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		ages, err := s.InstanceAges(testUUID)
		if err != nil || len(ages) != benchDeployments {
			b.Fatalf("InstanceAges: %d, %v", len(ages), err)
		}
	}
}

// helperRSS does what `bosun --offline instances --json` does with the
// cache -- open, load every instance, stream them out as JSON -- and prints
// the process's peak resident set size.
func helperRSS(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	insts, _, err := s.AllInstances(testUUID)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(io.Discard)
	enc := json.NewEncoder(w)
	for i := range insts {
		if err := enc.Encode(&insts[i]); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err
	}
	for line := range bytes.Lines(status) {
		if f := strings.Fields(string(line)); len(f) == 3 && f[0] == "VmHWM:" {
			fmt.Println("peak", f[1], "instances", len(insts))
			return nil
		}
	}
	return fmt.Errorf("no VmHWM in /proc/self/status")
}

// BenchmarkOfflineInstancesPeakRSS runs helperRSS in a fresh process and
// reports its peak RSS. The time per op includes starting the process.
func BenchmarkOfflineInstancesPeakRSS(b *testing.B) {
	path := benchFixture(b)
	var peakKB float64
	for b.Loop() {
		h := startHelper(b, "rss", path)
		f := strings.Fields(h.next(b))
		h.wait(b)
		if len(f) != 4 || f[0] != "peak" || f[3] != strconv.Itoa(benchDeployments*benchPerDep) {
			b.Fatalf("helper printed %q", f)
		}
		kb, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			b.Fatal(err)
		}
		peakKB = max(peakKB, kb)
	}
	b.ReportMetric(peakKB/1024, "peak-RSS-MB")
}
