package app

import (
	"strings"
	"testing"

	"bosun/bosh"
	"bosun/cache"
)

func TestLifecyclePlanListsTheDirectorsOrder(t *testing.T) {
	insts := []bosh.Instance{
		{Group: "worker", Name: "worker/a", Index: 0, AZ: "z1"},
		{Group: "worker", Name: "worker/b", Index: 1, AZ: "z1"},
		{Group: "worker", Name: "worker/c", Index: 2, AZ: "z1"},
	}
	r := bosh.LifecycleRequest{Action: bosh.ActionRecreate, Deployment: "d", Group: "worker", Fix: true, MaxInFlight: "2"}
	lp := NewLifecyclePlan(r, bosh.LifecycleOrder(insts, bosh.UpdateSettings{Canaries: "1"}, r), "")
	steps := strings.Join(lp.Plan.Steps, "\n")
	for _, want := range []string{"new VM CID", "--fix", "1. worker/a (0, z1) — canary", "2. worker/b (1, z1), worker/c (2, z1)"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	if lp.Plan.Command != "bosh -d d recreate worker --fix --max-in-flight 2" || lp.Plan.Kind != Change ||
		strings.Join(lp.Plan.Targets, " ") != "worker/a worker/b worker/c" {
		t.Errorf("plan %+v", lp.Plan)
	}
}

func TestStepTrackerReadsOutcomesFromEvents(t *testing.T) {
	tr := newStepTracker([]string{"worker/a", "worker/b", "worker/c"})
	for _, ev := range []bosh.TaskEvent{
		{Stage: "Updating instance", Task: "worker/a (0) (canary)", State: "started"},
		{Stage: "Updating instance", Task: "worker/a (0) (canary)", State: "finished"},
		{Stage: "Updating instance", Task: "worker/b (1)", State: "failed", Error: "not running"},
	} {
		tr.note(ev)
	}
	got := map[string]cache.Outcome{}
	for _, t := range tr.final(true, false) {
		got[t.Name] = t.Outcome
	}
	if got["worker/a"] != cache.OutcomeApplied || got["worker/b"] != cache.OutcomeFailed || got["worker/c"] != cache.OutcomeUnchanged {
		t.Errorf("outcomes %v", got)
	}
	if o := tr.final(false, false)[2].Outcome; o != "" {
		t.Errorf("a target of a task followed to no end is %q", o)
	}
	nc := newStepTracker([]string{"worker/a"})
	if name, o, ok := nc.note(bosh.TaskEvent{Stage: "Updating instance worker/a (0)", Task: "Deleting VM", State: "finished"}); !ok || name != "worker/a" || o != cache.OutcomeApplied {
		t.Errorf("no-converge step: %q %q %v", name, o, ok)
	}
}
