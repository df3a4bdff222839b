package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// fakeAuditor answers status from fixed masters, plans a change of
// bpm.yml and the policy, and records toggles.
type fakeAuditor struct {
	mu           sync.Mutex
	enabled      bool
	toggles      []string
	confirmed    [][]pks.MasterPlan
	policyLines  int   // lines of the planned policy; default 2
	planErr      error // returned by AuditPlan
	alreadyAsked bool  // AuditPlan finds every master as asked
	// rollMasters, when set, are the masters the roll goes through; each
	// waits on hold (when set) before it is changed, and the roll stops
	// between two of them once stop is closed.
	rollMasters []string
	hold        chan struct{}
	results     []pks.MasterResult
}

const fakeBPM = "processes:\n- name: kube-apiserver\n  args:\n  - --secure-port=8443\n"

func (f *fakeAuditor) AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := pks.MasterAudit{Instance: "master/0123456789", Enabled: f.enabled, ProcessState: "running", Flags: map[string]string{}}
	if f.enabled {
		m.PolicyLevel = "Request"
	}
	if f.rollMasters != nil {
		var ms []pks.MasterAudit
		for _, name := range f.rollMasters {
			m.Instance = name
			ms = append(ms, m)
		}
		return ms, nil
	}
	return []pks.MasterAudit{m}, nil
}

func (f *fakeAuditor) AuditPlan(ctx context.Context, dep string, enable bool, level string) ([]pks.MasterPlan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.planErr != nil {
		return nil, f.planErr
	}
	on := fakeBPM + "  - --audit-log-path=/var/vcap/sys/log/kube-apiserver/audit/log/audit.log\n" +
		"  - --audit-policy-file=/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml\n"
	policy := "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
	for i := 2; i < max(f.policyLines, 2); i++ {
		policy += fmt.Sprintf("# rule %d\n", i)
	}
	p := pks.MasterPlan{Host: bosh.SSHHost{Group: "master", IndexOrID: "0123456789"}, BPMBefore: []byte(fakeBPM), BPMAfter: []byte(on),
		PolicyAfter: []byte(policy)}
	if !enable {
		p.BPMBefore, p.BPMAfter, p.PolicyBefore, p.PolicyAfter = p.BPMAfter, p.BPMBefore, p.PolicyAfter, nil
	}
	if f.alreadyAsked {
		p.BPMAfter, p.PolicyAfter = p.BPMBefore, p.PolicyBefore
	}
	return []pks.MasterPlan{p}, nil
}

func (f *fakeAuditor) AuditToggle(ctx context.Context, dep string, enable bool, level string, confirmed []pks.MasterPlan, stop <-chan struct{}, progress func(pks.RollStep)) ([]pks.MasterResult, error) {
	f.mu.Lock()
	f.toggles = append(f.toggles, dep+" "+map[bool]string{true: "enable", false: "disable"}[enable]+" "+level)
	f.confirmed = append(f.confirmed, confirmed)
	masters := f.rollMasters
	f.mu.Unlock()
	if masters == nil {
		progress(pks.RollStep{Instance: "master/0123456789", Step: "writing"})
		f.mu.Lock()
		f.enabled = enable
		f.mu.Unlock()
		return []pks.MasterResult{{Instance: "master/0123456789", Outcome: pks.OutcomeChanged, Detail: "healthy after 2s"}}, nil
	}
	res := make([]pks.MasterResult, len(masters))
	for i, m := range masters {
		res[i] = pks.MasterResult{Instance: m, Outcome: pks.OutcomeNotReached}
	}
	defer func() {
		f.mu.Lock()
		f.results = res
		f.mu.Unlock()
	}()
	for i, m := range masters {
		select {
		case <-stop:
			return res, fmt.Errorf("%w after %d of %d masters", pks.ErrRollStopped, i, len(masters))
		default:
		}
		progress(pks.RollStep{Instance: m, Step: "waiting for health"})
		if f.hold != nil {
			<-f.hold
		}
		res[i] = pks.MasterResult{Instance: m, Outcome: pks.OutcomeChanged, Detail: "healthy after 1s"}
		progress(pks.RollStep{Instance: m, Step: pks.OutcomeChanged, Done: true})
	}
	return res, nil
}

func (f *fakeAuditor) toggleCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.toggles)
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
	return auditHarnessWith(t, Options{ReadOnly: readOnly}, &fakeAuditor{}, 120, 30)
}

func auditHarnessWith(t *testing.T, o Options, a *fakeAuditor, w, ht int) (*harness, *fakeAuditor) {
	deps := []bosh.Deployment{{Name: "service-instance_abc", Releases: []string{"kubo/1.18.2"}}}
	insts := map[string][]bosh.Instance{"service-instance_abc": {{Deployment: "service-instance_abc", Group: "master", ID: "0123456789",
		Name: "master/0123456789", ProcessState: "running", VMCID: "vm-1"}}}
	o.Director, o.Cache, o.Audit = newFakeDirector(deps, insts), newFakeCache(nil, nil, t0), a
	o.StartScreen, o.StartDeployment = StartInstances, "service-instance_abc"
	h := newHarness(t, o, w, ht)
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
	v := h.view()
	for _, want := range []string{"[y/N]", "monit restart kube-apiserver", "Enable audit logging (level Request) on 1 of 1 masters",
		"== master/0123456789", "--- a/var/vcap/jobs/kube-apiserver/config/bpm.yml", "@@ -2,3 +2,5 @@",
		"+  - --audit-policy-file=/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml",
		"--- /dev/null", "+++ b/var/vcap/jobs/kube-apiserver/config/bosun-audit-policy.yml", "+kind: Policy"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("y")
	h.await("the roll and the re-read", func() bool { return strings.Contains(h.view(), "master/01234567  on") })
	if len(a.toggles) != 1 || a.toggles[0] != "service-instance_abc enable Request" {
		t.Fatalf("toggles %v", a.toggles)
	}
	if c := a.confirmed[0]; len(c) != 1 || !strings.Contains(string(c[0].BPMAfter), "--audit-policy-file") {
		t.Errorf("the roll was not given the confirmed plan: %+v", c)
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
