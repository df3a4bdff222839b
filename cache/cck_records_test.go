package cache

import (
	"errors"
	"testing"
	"time"

	"bosun/bosh"
)

func TestScanRecord(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	probs := []bosh.Problem{{ID: 4, Type: "missing_vm", Instance: "w/1"}}
	r := ScanRecord("d", "admin", 3, at, probs, nil)
	if r.Outcome != CCKProblems || r.Problems != 1 || r.TaskID != 3 || len(r.Actions) != 1 || r.Actions[0].Instance != "w/1" {
		t.Errorf("%+v", r)
	}
	if r := ScanRecord("d", "admin", 0, at, nil, nil); r.Outcome != CCKClean {
		t.Errorf("clean %+v", r)
	}
	r = ScanRecord("d", "admin", 0, at, nil, &bosh.Error{Kind: bosh.KindTaskFailed, TaskID: 9, Description: "boom"})
	if r.Outcome != CCKFailed || r.TaskID != 9 || r.Error == "" {
		t.Errorf("failed %+v", r)
	}
}

func TestResolveRecordSaysWhatHappenedPerProblem(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	probs := []bosh.Problem{{ID: 1, Type: "missing_vm", Default: "recreate_vm_without_wait"}, {ID: 2, Type: "inactive_disk"}, {ID: 3, Type: "missing_disk"}}
	answers := []bosh.Answer{{ProblemID: 1}, {ProblemID: 2, Resolution: "activate_disk"}, {ProblemID: 3, Resolution: "ignore"}}
	out := bosh.ResolveOutcome{TaskID: 5, Applied: []int{1, 2}, Failed: map[int]string{2: "Disk is not mounted"}, Ignored: []int{3}}
	r := ResolveRecord("d", "admin", at, probs, answers, out, errors.New("task 5 failed"))
	if r.Outcome != CCKPartial || r.Resolved != 1 || r.Problems != 3 || r.TaskID != 5 {
		t.Fatalf("%+v", r)
	}
	want := []string{"applied", "failed: Disk is not mounted", "skipped: no longer open"}
	for i, a := range r.Actions {
		if a.Result != want[i] {
			t.Errorf("action %d: %q, want %q", i, a.Result, want[i])
		}
	}
	if r.Actions[0].Resolution != "recreate_vm_without_wait" {
		t.Errorf("default resolution recorded as %q", r.Actions[0].Resolution)
	}
	if r := ResolveRecord("d", "admin", at, probs, answers[:1], bosh.ResolveOutcome{}, errors.New("HTTP 500")); r.Outcome != CCKFailed || r.Actions[0].Result != "not applied" {
		t.Errorf("failed before the task: %+v", r)
	}
	ok := bosh.ResolveOutcome{Applied: []int{1}, Failed: map[int]string{}}
	if r := ResolveRecord("d", "admin", at, probs, answers[:1], ok, nil); r.Outcome != CCKResolved {
		t.Errorf("resolved: %+v", r)
	}
}
