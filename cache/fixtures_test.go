package cache

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"bosun/bosh"
)

// testUUID is the director most tests cache for.
const testUUID = "8a1c2f0e-6d4b-4e9a-9c3f-2b7d5e1a0c44"

// baseTime is a fixed fetched-at time; tests add offsets to it.
var baseTime = time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.UTC)

// openTemp opens a fresh cache in a directory of its own.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "bosun", "bosun.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fakeUUID is a stable UUID-shaped string for n under seed.
func fakeUUID(seed string, n int) string {
	h := uint64(14695981039346656037)
	for _, c := range seed {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h ^= uint64(n) * 0x9e3779b97f4a7c15
	return fmt.Sprintf("%08x-%04x-4%03x-9%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, n&0xfff, h&0xffffffffffff)
}

// realisticInstance is a format=full instance as a Kubernetes worker
// reports it: vitals, three disks and five processes.
func realisticInstance(deployment, group string, index int) bosh.Instance {
	id := fakeUUID(deployment+group, index)
	procs := []string{"kubelet", "kube-proxy", "containerd", "flanneld", "bosh-dns"}
	in := bosh.Instance{
		Deployment:   deployment,
		Group:        group,
		ID:           id,
		Name:         group + "/" + id,
		Index:        index,
		ProcessState: bosh.StateRunning,
		State:        "started",
		AZ:           fmt.Sprintf("az%d", index%3+1),
		IPs:          []string{fmt.Sprintf("10.0.%d.%d", index/250, index%250+4)},
		VMCID:        "vm-" + fakeUUID("vm"+deployment+group, index),
		VMType:       "large",
		AgentID:      fakeUUID("agent"+deployment+group, index),
		Bootstrap:    index == 0,
		DiskCIDs:     []string{"disk-" + fakeUUID("disk"+deployment, index)},
		VMCreatedAt:  time.Date(2026, 10, 1, 12, index%60, 7, 0, time.UTC),
		Vitals: &bosh.Vitals{
			Load:       [3]float64{0.42, 0.37, 0.31},
			CPU:        bosh.CPU{Sys: 2.1, User: 7.4, Wait: 0.3},
			Mem:        bosh.Mem{KB: 3145728, Percent: 38.2},
			Swap:       bosh.Mem{KB: 0, Percent: 0},
			System:     &bosh.Usage{Percent: 41, InodePercent: 28},
			Ephemeral:  &bosh.Usage{Percent: 12, InodePercent: 3},
			Persistent: &bosh.Usage{Percent: 23, InodePercent: 1},
			UptimeSecs: 2419200 + int64(index),
		},
		Full: true,
	}
	for i, p := range procs {
		in.Processes = append(in.Processes, bosh.Process{
			Name: p, State: bosh.StateRunning, UptimeSecs: 2419000 + int64(i),
			MemKB: 98304 * int64(i+1), MemPercent: 1.2 * float64(i+1), CPUTotal: 0.4 * float64(i+1),
		})
	}
	return in
}

// realisticInstances is one deployment's instances: groups of sizes given.
func realisticInstances(deployment string, groups map[string]int) []bosh.Instance {
	var out []bosh.Instance
	for g, n := range groups {
		for i := 0; i < n; i++ {
			out = append(out, realisticInstance(deployment, g, i))
		}
	}
	return out
}

// realisticDeployment is a deployment row as GET /deployments gives it.
func realisticDeployment(name string) bosh.Deployment {
	return bosh.Deployment{
		Name:      name,
		Releases:  []string{"kubo/1.21.0", "bpm/1.2.19", "bosh-dns/1.38.2", "docker/35.3.4"},
		Stemcells: []string{"bosh-vsphere-esxi-ubuntu-jammy-go_agent/1.651"},
		Teams:     []string{"pivotal-container-service-" + fakeUUID(name, 0)[:8]},
	}
}

func wantCorrupt(t *testing.T, err error, path string) *CorruptError {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v (%T), want *CorruptError", err, err)
	}
	if ce.Path != path {
		t.Errorf("CorruptError.Path = %q, want %q", ce.Path, path)
	}
	return ce
}
