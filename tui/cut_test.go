package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/pks"
)

// Nothing that decides an action is cut at 80x24: these views are kept as
// golden files at both sizes, and each test also checks the text itself.

func TestViewHeaderDropsPartsWhole(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		d := newFakeDirector(nil, nil)
		d.setErr(errDown)
		info := cachedInfo()
		info.Name, info.Version = "p-bosh-with-a-long-name", "280.0.22 (00000000)"
		hs := newHarness(t, Options{Director: d, Environment: "demo-foundation", Cached: info,
			Cache: newFakeCache(nil, nil, t0.Add(-2*time.Minute))}, w, h).start()
		head := hs.line(0)
		if !strings.HasSuffix(strings.TrimSpace(head), "unreachable (cached 2m ago)") {
			t.Fatalf("freshness cut: %q", head)
		}
		for _, part := range []string{"bosun", "demo-foundation"} {
			if !strings.Contains(head, part) {
				t.Fatalf("header lost %q: %q", part, head)
			}
		}
		// A part is shown whole or not at all.
		for _, part := range []string{"p-bosh-with-a-long-name", "280.0.22 (00000000)", "admin"} {
			if strings.Contains(head, part[:3]) && !strings.Contains(head, part) {
				t.Fatalf("header cut %q: %q", part, head)
			}
		}
		return hs.view()
	})
}

func cckGoldenHarness(t *testing.T, w, h int) (*harness, *cckDirector) {
	deps, insts := fixture(2, 4)
	d := &cckDirector{fakeDirector: newFakeDirector(deps, insts), probs: cckProblems()}
	d.probs[0].Expected.Agent = "responding to heartbeats from the director every 30 seconds"
	d.probs[0].Actual.Agent = "not responding since 2026-11-23 11:52:10 UTC (8 heartbeats missed)"
	c := &cckCache{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
	return newHarness(t, Options{Director: d, Cache: c}, w, h).start(), d
}

func TestViewCloudCheckProblemsWrap(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs, _ := cckGoldenHarness(t, w, h)
		hs.keys("c")
		v := strings.Join(strings.Fields(hs.view()), " ")
		for _, want := range []string{"every 30 seconds", "(8 heartbeats missed)", "(recreate_vm_without_wait, default)"} {
			if !strings.Contains(v, want) {
				t.Fatalf("cut %q:\n%s", want, hs.view())
			}
		}
		return hs.view()
	})
}

func TestViewCloudCheckLockedScan(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs, d := cckGoldenHarness(t, w, h)
		le := &bosh.LockError{Deployment: "cf-00", TaskID: 2051, TaskDesc: "create deployment", TaskUser: "pivotal-container-service-5d9f6a2e"}
		d.scanErr = &bosh.Error{Kind: bosh.KindDirector, Op: "cloud-check scan of cf-00", Description: le.Error(), Err: le}
		hs.keys("c")
		v := strings.Join(strings.Fields(hs.view()), " ")
		if !strings.Contains(v, "locked by task 2051") || !strings.Contains(v, "try again when it has finished") {
			t.Fatalf("lock cut:\n%s", hs.view())
		}
		last, failed := strings.Index(v, "last scan"), strings.Index(v, "cloud-check failed:")
		if last < 0 || failed < last || !strings.Contains(v[last:failed], "locked by task 2051") {
			t.Fatalf("the history line does not name the lock whole:\n%s", hs.view())
		}
		if head := hs.line(0); strings.Contains(head, "connecting") {
			t.Fatalf("header still connecting after the scan failed: %q", head)
		}
		return hs.view()
	})
}

func TestViewCloudCheckClean(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs, d := cckGoldenHarness(t, w, h)
		d.probs = nil
		hs.keys("c")
		v := strings.Join(strings.Fields(hs.view()), " ")
		if !strings.Contains(v, "no problems — the director's record matches what is there") {
			t.Fatalf("success cut:\n%s", hs.view())
		}
		return hs.view()
	})
}

func TestViewEventsCounters(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		hs, _, _ := eventsHarness(t, w, h)
		v := hs.view()
		for _, want := range []string{"▲ 500 crash-loop", "▲ 1 image-pull", "● 2 started"} {
			if !strings.Contains(v, want) {
				t.Fatalf("counter cut %q:\n%s", want, v)
			}
		}
		return v
	})
}

func TestViewEtcdVerdictAndHealth(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		deps, insts, clusters := pksFixture()
		etcd := func(ctx context.Context, cluster, dep string) (pks.EtcdReport, error) {
			return pks.BuildEtcdReport(cluster, "service-instance_5d9f6a2e-7b1c-4d3e-9f8a-1b2c3d4e5f60",
				"https://master-0.etcd.cfcr.internal:2379 is healthy: successfully committed proposal: took = 2ms\n"+
					"https://master-1.etcd.cfcr.internal:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n", "", ""), nil
		}
		cc := &clusterCacheFake{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
		o := Options{Director: newFakeDirector(deps, insts), Cache: cc, Cached: bosh.Info{UUID: "uuid-1"},
			PKS: &fakePKS{clusters: clusters}, Etcd: etcd}
		hs := newHarness(t, o, w, h).start()
		hs.keys(":")
		hs.typeText("clusters")
		hs.keys("enter")
		hs.await("clusters", func() bool { return progressOf(hs.top()) == "" })
		hs.keys("j", "e")
		hs.await("the etcd view", func() bool { return progressOf(hs.top()) == "" })
		v := strings.Join(strings.Fields(hs.view()), " ")
		for _, want := range []string{"etcd UNHEALTHY, 2 members", "unhealthy: failed to commit proposal: context deadline exceeded",
			"service-instance_5d9f6a2e-7b1c-4d3e-9f8a-1b2c3d4e5f60"} {
			if !strings.Contains(v, want) {
				t.Fatalf("cut %q:\n%s", want, hs.view())
			}
		}
		return hs.view()
	})
}

func TestViewAuditRollProgress(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) string {
		a := &fakeAuditor{hold: make(chan struct{}), rollMasters: []string{"master/0123456789"}}
		hs, _ := auditHarnessWith(t, Options{}, a, w, h)
		hs.keys("A", "e")
		hs.post(keyMsg("y")) // the roll waits on hold
		var last string
		defer func() {
			if t.Failed() {
				t.Log(last)
			}
		}()
		hs.await("the roll to wait for health", func() bool {
			last = hs.view()
			return strings.Contains(strings.Join(strings.Fields(last), " "), "roll: waiting for health")
		})
		v := hs.view()
		close(a.hold)
		hs.settle()
		return v
	})
}
