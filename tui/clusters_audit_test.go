package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// auditClusterCache adds the audit history to the cluster cache fake.
type auditClusterCache struct {
	*clusterCacheFake
	mu    sync.Mutex
	last  map[string]map[string]cache.AuditRecord // deployment -> master -> record
	err   error
	reads int
}

func (c *auditClusterCache) LastAudit(uuid, dep string) (map[string]cache.AuditRecord, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.err != nil {
		return nil, c.err
	}
	return c.last[dep], nil
}

func (c *auditClusterCache) set(dep string, recs map[string]cache.AuditRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[dep] = recs
}

var (
	auditOnFlags  = map[string]string{"audit-log-path": "/var/vcap/sys/log/kube-apiserver/audit.log", "audit-policy-file": "/p.yml"}
	auditOffFlags = map[string]string{}
)

func clustersAuditHarness(t *testing.T, last map[string]map[string]cache.AuditRecord, auditErr error, readOnly bool) (*harness, *auditClusterCache, *logsDirector, *fakeAuditor) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	deps, insts, clusters := pksFixture()
	ac := &auditClusterCache{clusterCacheFake: &clusterCacheFake{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}, last: last, err: auditErr}
	d := &logsDirector{fakeDirector: newFakeDirector(deps, insts),
		fetch: func(ctx context.Context, req bosh.LogsRequest, _ func(bosh.LogsProgress)) (bosh.Bundle, error) {
			return bosh.Bundle{}, errors.New("fetch ends here in the test")
		}}
	au := &fakeAuditor{}
	h := newHarness(t, Options{Director: d, Cache: ac, Cached: bosh.Info{UUID: "uuid-1"}, PKS: &fakePKS{clusters: clusters},
		Audit: au, ReadOnly: readOnly}, 160, 20).start()
	h.keys(":")
	h.typeText("clusters")
	h.keys("enter")
	h.await("the clusters screen to settle", func() bool { return progressOf(h.top()) == "" })
	return h, ac, d, au
}

// auditOf is the AUDIT cell of the named cluster.
func auditOf(t *testing.T, h *harness, name string) string {
	t.Helper()
	s, ok := h.top().(*clustersScreen)
	if !ok {
		t.Fatalf("top screen is %T", h.top())
	}
	for i := range s.Len() {
		if s.set.at(i).e.Name == name {
			return s.Cell(i, clColAudit, 0).text
		}
	}
	t.Fatalf("no row %s", name)
	return ""
}

func TestClustersScreenShowsAuditFromHistory(t *testing.T) {
	prod, orphan := "service-instance_aaaa", "service-instance_bbbb"
	h, ac, _, _ := clustersAuditHarness(t, map[string]map[string]cache.AuditRecord{
		prod:   {"master/m1": {FlagsAfter: auditOnFlags}},
		orphan: {"master/m9": {FlagsAfter: auditOnFlags}, "master/m8": {FlagsAfter: auditOffFlags}},
	}, nil, false)
	h.await("the audit states", func() bool { return auditOf(t, h, "prod") != "-" })
	if got := auditOf(t, h, "prod"); got != pks.AuditOn {
		t.Errorf("prod audit %q, want on", got)
	}
	if got := auditOf(t, h, orphan); got != pks.AuditMixed {
		t.Errorf("orphan audit %q, want mixed", got)
	}
	if got := auditOf(t, h, "new"); got != "-" {
		t.Errorf("cluster without deployment: audit %q, want -", got)
	}
	if v := h.view(); !strings.Contains(v, "AUDIT") {
		t.Errorf("no AUDIT column:\n%s", v)
	}
	// The audit screen turns prod's auditing off; back on the clusters
	// screen the column reads the history again.
	ac.set(prod, map[string]cache.AuditRecord{"master/m1": {FlagsAfter: auditOffFlags}})
	h.keys("j", "enter")
	h.settle()
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Fatalf("enter opened %T", h.top())
	}
	h.keys("esc")
	h.await("the audit state read again", func() bool { return auditOf(t, h, "prod") == "off" })
}

func TestClustersScreenAuditHistoryError(t *testing.T) {
	h, ac, _, _ := clustersAuditHarness(t, nil, errors.New("database is locked"), false)
	h.await("the history error", func() bool { return errOf(h.top()) != nil })
	if err := errOf(h.top()); !strings.Contains(err.Error(), "read audit history: database is locked") {
		t.Errorf("error %v", err)
	}
	if got := auditOf(t, h, "prod"); got != "-" {
		t.Errorf("prod audit %q after a failed read, want -", got)
	}
	if !strings.Contains(h.view(), "prod") || ac.reads == 0 {
		t.Errorf("the list is gone or the history was never read (%d reads):\n%s", ac.reads, h.view())
	}
}

func TestClustersScreenJumpsToMasterLogsAndAudit(t *testing.T) {
	prod := "service-instance_aaaa"
	h, _, d, _ := clustersAuditHarness(t, nil, nil, false)
	// Rows by name: new (no deployment), prod, the orphan.
	h.keys("L")
	if !strings.Contains(h.view(), "new has no deployment yet: no masters") {
		t.Errorf("L on a cluster being created:\n%s", h.view())
	}
	h.keys("A")
	if _, ok := h.top().(*clustersScreen); !ok {
		t.Fatalf("A on a cluster being created opened %T", h.top())
	}
	h.keys("j", "L")
	f, ok := h.top().(*fetchScreen)
	if !ok {
		t.Fatalf("L opened %T", h.top())
	}
	if f.req.Deployment != prod || f.req.Instance != "master" {
		t.Errorf("logs request %+v, want %s master group", f.req, prod)
	}
	h.await("the fetch to be asked", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.reqs) == 1
	})
	h.keys("esc")
	if _, ok := h.top().(*clustersScreen); !ok {
		t.Fatalf("esc left %T", h.top())
	}
	h.keys("A")
	a, ok := h.top().(*auditScreen)
	if !ok || a.dep != prod {
		t.Fatalf("A opened %T", h.top())
	}
}

func TestClustersScreenHelpNamesJumpKeys(t *testing.T) {
	for _, ro := range []bool{false, true} {
		h, _, _, _ := clustersAuditHarness(t, nil, nil, ro)
		s := h.top().(*clustersScreen)
		var helps []string
		for _, b := range s.KeyMap().ShortHelp() {
			if b.Enabled() {
				helps = append(helps, b.Help().Key+" "+b.Help().Desc)
			}
		}
		joined := strings.Join(helps, "|")
		for _, want := range []string{"L master logs", "A audit"} {
			if !strings.Contains(joined, want) {
				t.Errorf("read-only %v: help %q lacks %q", ro, joined, want)
			}
		}
		// etcd and usage add a user on a VM: hidden in read-only mode.
		if hasEtcd := strings.Contains(joined, "e etcd health"); hasEtcd == ro {
			t.Errorf("read-only %v: etcd key shown %v", ro, hasEtcd)
		}
	}
}

// The cache the program runs with keeps the audit history the column reads.
var _ AuditHistory = (*cache.Store)(nil)
