package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// fakeAuditor answers status from fixed masters and records toggles.
type fakeAuditor struct {
	mu      sync.Mutex
	enabled bool
	toggles []string
}

func (f *fakeAuditor) AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := pks.MasterAudit{Instance: "master/0123456789", Enabled: f.enabled, ProcessState: "running", Flags: map[string]string{}}
	if f.enabled {
		m.PolicyLevel = "Request"
	}
	return []pks.MasterAudit{m}, nil
}

func (f *fakeAuditor) AuditToggle(ctx context.Context, dep string, enable bool, level string, progress func(pks.RollStep)) ([]pks.MasterResult, error) {
	progress(pks.RollStep{Instance: "master/0123456789", Step: "writing"})
	f.mu.Lock()
	f.enabled = enable
	f.toggles = append(f.toggles, dep+" "+map[bool]string{true: "enable", false: "disable"}[enable]+" "+level)
	f.mu.Unlock()
	return []pks.MasterResult{{Instance: "master/0123456789", Outcome: pks.OutcomeChanged, Detail: "healthy after 2s"}}, nil
}

func (f *fakeAuditor) AuditHistory(dep string) ([]cache.AuditRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []cache.AuditRecord
	for range f.toggles {
		out = append(out, cache.AuditRecord{Deployment: dep, Master: "master/0123456789", Action: "enable", At: t0, Who: "ops via admin", Outcome: pks.OutcomeChanged})
	}
	return out, nil
}

func auditHarness(t *testing.T, readOnly bool) (*harness, *fakeAuditor) {
	deps := []bosh.Deployment{{Name: "service-instance_abc", Releases: []string{"kubo/1.18.2"}}}
	insts := map[string][]bosh.Instance{"service-instance_abc": {{Deployment: "service-instance_abc", Group: "master", ID: "0123456789",
		Name: "master/0123456789", ProcessState: "running", VMCID: "vm-1"}}}
	a := &fakeAuditor{}
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Cache: newFakeCache(nil, nil, t0), Audit: a,
		ReadOnly: readOnly, StartScreen: StartInstances, StartDeployment: "service-instance_abc"}, 120, 30)
	h.start()
	return h, a
}

func TestAuditScreenToggleWithConfirmation(t *testing.T) {
	h, a := auditHarness(t, false)
	h.keys("A")
	if _, ok := h.top().(*auditScreen); !ok {
		t.Fatalf("A opened %T", h.top())
	}
	if v := h.view(); !strings.Contains(v, "master/01234567  off") {
		t.Fatalf("status not shown:\n%s", v)
	}
	h.keys("e", "n")
	if len(a.toggles) != 0 {
		t.Fatal("declined toggle ran")
	}
	h.keys("v", "e")
	if v := h.view(); !strings.Contains(v, "[y/N]") || !strings.Contains(v, "monit restart kube-apiserver") {
		t.Fatalf("no confirmation with the manual commands:\n%s", v)
	}
	h.keys("y")
	h.await("the roll and the re-read", func() bool { return strings.Contains(h.view(), "master/01234567  on") })
	if len(a.toggles) != 1 || a.toggles[0] != "service-instance_abc enable Request" {
		t.Fatalf("toggles %v", a.toggles)
	}
	if v := h.view(); !strings.Contains(v, "changed healthy after 2s") || !strings.Contains(v, "enable  master/01234567") {
		t.Fatalf("results and history not shown:\n%s", v)
	}
}

func TestAuditScreenReadOnlyRefusesToggle(t *testing.T) {
	h, a := auditHarness(t, true)
	h.keys("A", "e", "y", "d", "y")
	if len(a.toggles) != 0 {
		t.Fatalf("read-only toggled: %v", a.toggles)
	}
	if strings.Contains(h.view(), "[y/N]") {
		t.Fatal("read-only asked for confirmation")
	}
}

func TestAuditKeyOnlyForClusters(t *testing.T) {
	deps, insts := fixture(1, 2)
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Cache: newFakeCache(nil, nil, t0), Audit: &fakeAuditor{},
		StartScreen: StartInstances, StartDeployment: "cf-00"}, 120, 30)
	h.start()
	h.keys("A")
	if _, ok := h.top().(*auditScreen); ok || !strings.Contains(h.view(), "PKS clusters") {
		t.Fatalf("A on a non-cluster deployment:\n%s", h.view())
	}
}
