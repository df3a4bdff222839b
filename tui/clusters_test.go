package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/pks"
)

type fakePKS struct {
	mu       sync.Mutex
	clusters []pks.Cluster
	err      error
	calls    int
}

func (p *fakePKS) Clusters(ctx context.Context) ([]pks.Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return p.clusters, p.err
}

// clusterCacheFake adds cached clusters to fakeCache.
type clusterCacheFake struct {
	*fakeCache
	clusters []pks.Cluster
	saved    int
}

func (c *clusterCacheFake) Clusters(uuid string) ([]pks.Cluster, string, time.Time, error) {
	if c.clusters == nil {
		return nil, "", time.Time{}, errors.New("not cached")
	}
	return c.clusters, "https://api.pks:9021", c.at, nil
}

func (c *clusterCacheFake) KeepClusters(uuid, api string, cl []pks.Cluster, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saved++
	return nil
}

// pksFixture: cf-00 (not a cluster), prod's deployment with a failing
// worker, an orphan deployment; clusters prod and new (being created).
func pksFixture() ([]bosh.Deployment, map[string][]bosh.Instance, []pks.Cluster) {
	prod, orphan := "service-instance_aaaa", "service-instance_bbbb"
	deps := []bosh.Deployment{{Name: "cf-00"}, {Name: prod}, {Name: orphan}}
	mk := func(dep, group, id, state, ip string) bosh.Instance {
		return bosh.Instance{Deployment: dep, Group: group, ID: id, Name: group + "/" + id, ProcessState: state,
			IPs: []string{ip}, Full: true, Processes: []bosh.Process{{Name: "kubelet", State: state}}}
	}
	insts := map[string][]bosh.Instance{
		"cf-00": {mk("cf-00", "router", "r1", bosh.StateRunning, "10.0.0.1")},
		prod: {mk(prod, "master", "m1", bosh.StateRunning, "10.0.16.10"), mk(prod, "worker", "w1", bosh.StateRunning, "10.0.16.11"),
			mk(prod, "worker", "w2", bosh.StateFailing, "10.0.16.12")},
		orphan: {mk(orphan, "master", "m9", bosh.StateRunning, "10.0.31.10")},
	}
	clusters := []pks.Cluster{
		{Name: "prod", UUID: "aaaa", PlanName: "small", LastAction: "CREATE", LastActionState: "succeeded",
			KubernetesMasterIPs: []string{"10.0.16.10"}, Parameters: pks.Parameters{WorkerInstances: 2}},
		{Name: "new", UUID: "cccc", PlanName: "small", LastAction: "CREATE", LastActionState: "in progress",
			KubernetesMasterIPs: []string{"In Progress"}, Parameters: pks.Parameters{WorkerInstances: 3}},
	}
	return deps, insts, clusters
}

func clustersHarness(t *testing.T, p *fakePKS, cached []pks.Cluster) (*harness, *clusterCacheFake) {
	deps, insts, _ := pksFixture()
	cc := &clusterCacheFake{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour)), clusters: cached}
	o := Options{Director: newFakeDirector(deps, insts), Cache: cc, Cached: bosh.Info{UUID: "uuid-1"}}
	if p != nil {
		o.PKS = p
	}
	h := newHarness(t, o, 140, 20).start()
	h.keys(":")
	h.typeText("clusters")
	h.keys("enter")
	h.await("the clusters screen to settle", func() bool { return progressOf(h.top()) == "" })
	return h, cc
}

func TestClustersScreenJoinsClustersAndDeployments(t *testing.T) {
	_, _, clusters := pksFixture()
	p := &fakePKS{clusters: clusters}
	h, cc := clustersHarness(t, p, nil)
	if _, ok := h.top().(*clustersScreen); !ok {
		t.Fatalf("top screen is %T", h.top())
	}
	v := h.view()
	for _, want := range []string{"prod", "small", "CREATE succeeded", "10.0.16.10", "1/2", "new", "In Progress",
		"no deployment yet", "service-instance_bbbb", "orphan deployment", "3 clusters · PKS API"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "cf-00") {
		t.Errorf("a deployment that is no cluster is listed:\n%s", v)
	}
	if cc.saved != 1 {
		t.Errorf("clusters saved %d times, want 1", cc.saved)
	}
	// Rows sort by name: new, prod, then the orphan. Enter on the cluster
	// being created says why there is nothing to open.
	h.keys("enter")
	if !strings.Contains(h.view(), "new has no deployment yet: CREATE in progress") {
		t.Errorf("enter on a cluster being created:\n%s", h.view())
	}
	h.keys("j", "enter")
	h.settle()
	in, ok := h.top().(*instancesScreen)
	if !ok || in.dep != "service-instance_aaaa" {
		t.Fatalf("enter on prod opened %T %+v", h.top(), h.top().Crumb())
	}
	if v := h.view(); !strings.Contains(v, "worker/w2") || !strings.Contains(v, "clusters › service-instance_aaaa") {
		t.Errorf("instances of prod:\n%s", v)
	}
}

func TestClustersScreenFallsBackToCachedClusters(t *testing.T) {
	_, _, clusters := pksFixture()
	p := &fakePKS{err: errors.New("list clusters: PKS API https://api.pks:9021 unreachable: connection refused")}
	h, _ := clustersHarness(t, p, clusters)
	v := h.view()
	for _, want := range []string{"prod", "no deployment yet", "orphan deployment", "cached clusters", "unreachable", "showing cached clusters"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// The API answers again on refresh: live names, the error is gone.
	p.mu.Lock()
	p.err, p.clusters = nil, clusters
	p.mu.Unlock()
	h.keys("r")
	h.await("the refresh", func() bool { return progressOf(h.top()) == "" })
	if v := h.view(); !strings.Contains(v, "· PKS API ·") || strings.Contains(v, "unreachable") {
		t.Errorf("after the API came back:\n%s", v)
	}
}

func TestClustersScreenWithoutAPIOrCacheListsDeployments(t *testing.T) {
	p := &fakePKS{err: errors.New("PKS API unreachable")}
	h, _ := clustersHarness(t, p, nil)
	v := h.view()
	for _, want := range []string{"service-instance_aaaa", "service-instance_bbbb", "PKS API not reached", "without names"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "cf-00") || strings.Contains(v, "prod ") {
		t.Errorf("unexpected rows:\n%s", v)
	}
	// Without any PKS API configured the screen says so.
	h2, _ := clustersHarness(t, nil, nil)
	if v := h2.view(); !strings.Contains(v, "no PKS API configured") || !strings.Contains(v, "service-instance_aaaa") {
		t.Errorf("no PKS API:\n%s", v)
	}
}

func TestClusterEtcdAndUsageViews(t *testing.T) {
	deps, insts, clusters := pksFixture()
	var etcdAsked []string
	etcd := func(ctx context.Context, cluster, dep string) (pks.EtcdReport, error) {
		etcdAsked = append(etcdAsked, cluster+" "+dep)
		return pks.BuildEtcdReport(cluster, dep,
			"https://master-0.etcd.cfcr.internal:2379 is healthy: successfully committed proposal: took = 2ms\n"+
				"https://master-1.etcd.cfcr.internal:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n", "", ""), nil
	}
	day := func(d int) time.Time { return t0.Add(time.Duration(d-3) * 24 * time.Hour) }
	usage := func(ctx context.Context, since time.Time) (pks.UsageReport, error) {
		pods := []pks.Pod{
			{Deployment: "service-instance_aaaa", Namespace: "ci", FirstSeen: day(0), LastSeen: day(2)},
			{Deployment: "service-instance_aaaa", Namespace: "ci", FirstSeen: day(1), LastSeen: day(1).Add(time.Hour)},
		}
		return pks.BuildUsage(pods, map[string]string{"service-instance_aaaa": "prod"}, since, t0), nil
	}
	for _, ro := range []bool{false, true} {
		cc := &clusterCacheFake{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
		o := Options{Director: newFakeDirector(deps, insts), Cache: cc, Cached: bosh.Info{UUID: "uuid-1"},
			PKS: &fakePKS{clusters: clusters}, Etcd: etcd, Usage: usage, ReadOnly: ro}
		h := newHarness(t, o, 120, 30).start()
		h.keys(":")
		h.typeText("clusters")
		h.keys("enter")
		h.await("clusters", func() bool { return progressOf(h.top()) == "" })
		h.keys("j", "e") // prod
		h.await("the etcd view", func() bool { return progressOf(h.top()) == "" })
		if ro {
			if _, ok := h.top().(*clustersScreen); !ok || len(etcdAsked) != 1 {
				t.Errorf("read-only: e opened %T (etcd asked %v)", h.top(), etcdAsked)
			}
			continue
		}
		v := h.view()
		if h.top().Crumb() != "etcd prod" || !strings.Contains(v, "UNHEALTHY") ||
			!strings.Contains(v, "unhealthy: failed to commit proposal") || etcdAsked[0] != "prod service-instance_aaaa" {
			t.Errorf("etcd view (%s):\n%s", h.top().Crumb(), v)
		}
		h.keys("esc")
		h.keys("u")
		h.await("the usage view", func() bool { return progressOf(h.top()) == "" })
		v = h.view()
		for _, want := range []string{"watermark = most pods alive at once: 2", "▸ prod", "prod: pods alive at once, per day (watermark 2", "█"} {
			if !strings.Contains(v, want) {
				t.Errorf("usage view lacks %q:\n%s", want, v)
			}
		}
		h.keys("esc")
		h.keys("k", "e") // the cluster being created has no masters to ask
		if !strings.Contains(h.view(), "new has no deployment yet") {
			t.Errorf("etcd of a cluster being created:\n%s", h.view())
		}
	}
}
