package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// cckDirector is a fake director with cloud-check: each scan reports the
// current problems with two task events; a resolution clears the answered
// problems unless resolveErr is set.
type cckDirector struct {
	*fakeDirector
	mu         sync.Mutex
	probs      []bosh.Problem
	scanErr    error
	resolveErr error
	hold       chan struct{} // when set, a resolution waits on it, as a long director task does
	scans      int
	answers    [][]bosh.Answer
}

func (d *cckDirector) ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, error) {
	d.mu.Lock()
	d.scans++
	probs, err := append([]bosh.Problem(nil), d.probs...), d.scanErr
	d.mu.Unlock()
	progress(bosh.TaskEvent{TaskID: 41, Stage: "Scanning 3 VMs", Task: "Checking VM states", State: "started"})
	progress(bosh.TaskEvent{TaskID: 41, Stage: "Scanning 3 VMs", Task: "Checking VM states", State: "finished"})
	if err != nil {
		return nil, err
	}
	return probs, nil
}

func (d *cckDirector) ResolveProblems(ctx context.Context, dep string, answers []bosh.Answer, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, error) {
	if d.hold != nil {
		progress(bosh.TaskEvent{TaskID: 42, Stage: "Applying problem resolutions", Task: "VM … (missing_vm 3): Recreate VM", State: "started"})
		<-d.hold
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers = append(d.answers, answers)
	progress(bosh.TaskEvent{TaskID: 42, Stage: "Applying problem resolutions", Task: "VM … (missing_vm 3): Recreate VM", State: "finished"})
	out := bosh.ResolveOutcome{TaskID: 42, Failed: map[int]string{}}
	for _, a := range answers {
		out.Applied = append(out.Applied, a.ProblemID)
	}
	if d.resolveErr != nil {
		for _, a := range answers {
			out.Failed[a.ProblemID] = "boom"
		}
		return out, d.resolveErr
	}
	d.probs = nil
	return out, nil
}

func (d *cckDirector) counts() (int, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.scans, len(d.answers)
}

// cckCache is a fake cache with cloud-check history.
type cckCache struct {
	*fakeCache
	mu   sync.Mutex
	recs []cache.CCKRecord
}

func (c *cckCache) RecordCCK(uuid string, r cache.CCKRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append([]cache.CCKRecord{r}, c.recs...)
	return nil
}

func (c *cckCache) CCKHistory(uuid, dep string, limit int) ([]cache.CCKRecord, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cache.CCKRecord
	for _, r := range c.recs {
		if r.Deployment == dep {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *cckCache) LastCCKScans(uuid string) (map[string]cache.CCKRecord, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]cache.CCKRecord{}
	for _, r := range c.recs {
		if _, seen := out[r.Deployment]; !seen && r.Kind == cache.CCKScan {
			out[r.Deployment] = r
		}
	}
	return out, nil
}

func (c *cckCache) kinds() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var k []string
	for _, r := range c.recs {
		k = append(k, r.Kind+":"+r.Outcome)
	}
	return strings.Join(k, " ")
}

func cckProblems() []bosh.Problem {
	return []bosh.Problem{
		{ID: 3, Type: "missing_vm", Instance: "router/00000000-1111", Default: "recreate_vm_without_wait",
			Resolutions: []bosh.Resolution{{Name: "ignore", Plan: "Skip for now"}, {Name: "recreate_vm_without_wait", Plan: "Recreate VM without waiting for processes to start"},
				{Name: "recreate_vm", Plan: "Recreate VM and wait for processes to start"}, {Name: "delete_vm_reference", Plan: "Delete VM reference"}},
			Expected: bosh.CheckState{VMCID: "vm-0-0", VM: "exists", Agent: "responding"},
			Actual:   bosh.CheckState{VMCID: "vm-0-0", VM: "missing", Agent: "not responding"}},
		{ID: 4, Type: "mount_info_mismatch", Instance: "api/00000001-1111", Default: "ignore",
			Resolutions: []bosh.Resolution{{Name: "ignore", Plan: "Ignore"}, {Name: "reattach_disk", Plan: "Reattach disk to instance"},
				{Name: "reattach_disk_and_reboot", Plan: "Reattach disk and reboot instance"}},
			Expected: bosh.CheckState{DiskCID: "disk-9", Mount: "vm-0-1"},
			Actual:   bosh.CheckState{DiskCID: "disk-9", Mount: "not mounted"}},
	}
}

func newCCKHarness(t *testing.T, readOnly bool) (*harness, *cckDirector, *cckCache) {
	t.Helper()
	deps, insts := fixture(2, 4)
	d := &cckDirector{fakeDirector: newFakeDirector(deps, insts), probs: cckProblems()}
	c := &cckCache{fakeCache: newFakeCache(deps, insts, t0.Add(-time.Hour))}
	h := newHarness(t, Options{Director: d, Cache: c, ReadOnly: readOnly}, 120, 40).start()
	return h, d, c
}

func TestCloudCheckFromDeploymentsShowsTheDiff(t *testing.T) {
	h, d, c := newCCKHarness(t, false)
	h.keys("c")
	if _, ok := h.top().(*cckScreen); !ok {
		t.Fatalf("c opened %T", h.top())
	}
	v := h.view()
	for _, want := range []string{"cloud-check", "#3 missing_vm  router/00000000-1111", "expected:   VM vm-0-0 exists, agent responding",
		"found:      VM vm-0-0 missing, agent not responding", "‹ Recreate VM without waiting for processes to start › (recreate_vm_without_wait, default)",
		"#4 mount_info_mismatch", "disk disk-9, mounted on vm-0-1", "disk disk-9, not mounted", "last scan 0s ago: 2 problems"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if scans, _ := d.counts(); scans != 1 {
		t.Errorf("%d scans", scans)
	}
	if got := c.kinds(); got != "scan:problems" {
		t.Errorf("history %q", got)
	}
	h.keys("esc")
	if !strings.Contains(h.view(), "cf-00 (cck: 2)") {
		t.Errorf("deployments screen does not mark the open problems:\n%s", h.view())
	}
}

func TestCloudCheckConfirmDefaultsToNoThenApplies(t *testing.T) {
	h, d, c := newCCKHarness(t, false)
	h.keys("c", "down")
	h.send(tea.KeyMsg{Type: tea.KeyRight}) // mount problem: ignore → reattach_disk
	if !strings.Contains(h.view(), "‹ Reattach disk to instance › (reattach_disk)") {
		t.Fatalf("resolution not changed:\n%s", h.view())
	}
	h.keys("a")
	v := h.view()
	for _, want := range []string{"Apply 2 resolution(s) to cf-00?", "#3 missing_vm router/00000000-1111: Recreate VM without waiting for processes to start (recreate_vm_without_wait)",
		"#4 mount_info_mismatch api/00000001-1111: Reattach disk to instance (reattach_disk)",
		"equivalent: bosh -d cf-00 cloud-check --resolution reattach_disk --resolution recreate_vm_without_wait", "(default: No)"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("enter")
	if _, n := d.counts(); n != 0 || strings.Contains(h.view(), "Apply 2") {
		t.Fatalf("enter applied or kept the confirmation (resolutions %d)", n)
	}
	h.keys("a", "y")
	scans, n := d.counts()
	if n != 1 || scans != 2 {
		t.Fatalf("after y: %d resolutions, %d scans", n, scans)
	}
	got := d.answers[0]
	if len(got) != 2 || got[0] != (bosh.Answer{ProblemID: 3, Resolution: "recreate_vm_without_wait"}) || got[1] != (bosh.Answer{ProblemID: 4, Resolution: "reattach_disk"}) {
		t.Errorf("answers %+v", got)
	}
	v = h.view()
	if !strings.Contains(v, "resolved 2 of 2 (task 42)") || !strings.Contains(v, "cf-00: no problems") {
		t.Errorf("after resolving:\n%s", v)
	}
	if k := c.kinds(); k != "scan:clean resolve:resolved scan:problems" {
		t.Errorf("history %q", k)
	}
	if !strings.Contains(v, "resolved 2 by admin at") {
		t.Errorf("history line:\n%s", v)
	}
	h.keys("esc")
	if strings.Contains(h.view(), "(cck:") {
		t.Errorf("clean deployment still marked:\n%s", h.view())
	}
}

func TestCloudCheckReadOnlyHidesApply(t *testing.T) {
	h, d, _ := newCCKHarness(t, true)
	h.keys("c", "a", "y")
	if _, n := d.counts(); n != 0 {
		t.Fatalf("read-only applied %d resolutions", n)
	}
	if strings.Contains(h.view(), "Apply 2") || strings.Contains(h.view(), "apply resolutions") {
		t.Errorf("read-only shows apply:\n%s", h.view())
	}
	h.keys("?")
	if strings.Contains(h.view(), "apply resolutions") {
		t.Errorf("help lists apply in read-only mode:\n%s", h.view())
	}
}

func TestCloudCheckScanFailureNamesTheLock(t *testing.T) {
	h, d, c := newCCKHarness(t, false)
	le := &bosh.LockError{Deployment: "cf-00", TaskID: 12, TaskDesc: "create deployment", TaskUser: "pks"}
	d.scanErr = &bosh.Error{Kind: bosh.KindDirector, Op: "cloud-check scan of cf-00", Description: le.Error(), Err: le}
	h.keys("c")
	v := h.view()
	if !strings.Contains(v, "cloud-check failed:") || !strings.Contains(v, "locked by task 12 ('create deployment', by pks)") {
		t.Errorf("view:\n%s", v)
	}
	if k := c.kinds(); k != "scan:failed" {
		t.Errorf("history %q", k)
	}
	h.keys("a")
	if _, n := d.counts(); n != 0 || strings.Contains(h.view(), "Apply") {
		t.Error("a failed scan offered resolutions")
	}
	d.mu.Lock()
	d.scanErr = nil
	d.mu.Unlock()
	h.keys("r")
	if !strings.Contains(h.view(), "#3 missing_vm") {
		t.Errorf("rescan after the failure:\n%s", h.view())
	}
}

func TestCloudCheckResolveFailureIsShownAndRecorded(t *testing.T) {
	h, d, c := newCCKHarness(t, false)
	d.resolveErr = errors.New("resolve problems of cf-00: director error (HTTP 500)")
	h.keys("c", "a", "y")
	v := h.view()
	if !strings.Contains(v, "resolution failed: 0 of 2 applied") || !strings.Contains(v, "HTTP 500") || !strings.Contains(v, "#3 missing_vm") {
		t.Errorf("view:\n%s", v)
	}
	if k := c.kinds(); k != "scan:problems resolve:failed scan:problems" {
		t.Errorf("history %q", k)
	}
}

func TestCloudCheckFromInstancesScreen(t *testing.T) {
	h, _, _ := newCCKHarness(t, false)
	h.keys("enter")
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Fatalf("enter opened %T", h.top())
	}
	h.keys("c")
	s, ok := h.top().(*cckScreen)
	if !ok || s.dep != "cf-00" {
		t.Fatalf("c on instances opened %T", h.top())
	}
	h.keys("esc", "esc", ":")
	h.typeText("instances")
	h.keys("enter", "c")
	if _, ok := h.top().(*instancesScreen); !ok {
		t.Errorf("c on all instances opened %T", h.top())
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText("  #1 missing_vm worker/abc: Recreate VM without waiting", 20, "    ")
	want := []string{"  #1 missing_vm", "    worker/abc:", "    Recreate VM", "    without waiting"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%q", got)
	}
	if got := wrapText("averyveryverylongword", 8, ""); len(got) != 1 || textWidth(got[0]) > 8 {
		t.Errorf("long word %q", got)
	}
}

func TestCloudCheckProgressLines(t *testing.T) {
	h, _, _ := newCCKHarness(t, false)
	s := newCCKScreen(h.m.c, "cf-00")
	s.SetSize(80, 12)
	s.phase = cckApplying
	s.events = []bosh.TaskEvent{
		{Stage: "Applying problem resolutions", Task: "Inconsistent mount information:\nRecord shows …", State: "started"},
		{Stage: "Applying problem resolutions", Task: "Inconsistent mount information:\nRecord shows …", State: "finished"},
		{Stage: "Applying problem resolutions", Task: "VM for 'w/1 (0)' missing. (missing_vm 3): Recreate VM", State: "started"},
		{Stage: "Applying problem resolutions", Task: "VM for 'w/1 (0)' missing. (missing_vm 3): Recreate VM", State: "failed", Error: "boom"},
		{State: "error", Error: "Error resolving problem '3':\nboom"},
	}
	v := ansiRe.ReplaceAllString(s.View(), "")
	lines := strings.Split(v, "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines", len(lines))
	}
	want := []string{"applying resolutions to cf-00…",
		"  Applying problem resolutions › Inconsistent mount information: Record shows … ✓",
		"  Applying problem resolutions › VM for 'w/1 (0)' missing. (missing_vm 3): Recreate VM ✗ boom",
		"  task error: Error resolving problem '3': boom"}
	for i, w := range want {
		if got := strings.TrimRight(lines[2+i], " "); got != truncate(w, 80) {
			t.Errorf("line %d: %q, want %q", 2+i, got, truncate(w, 80))
		}
	}
}
