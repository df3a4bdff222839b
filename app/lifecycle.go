package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"bosun/bosh"
	"bosun/cache"
)

// Instance state changes (restart, recreate, stop, start) through the
// gate: a plan naming the instances in the director's order, the
// confirmation, the director task with its events, the outcome recorded
// with the task id.

// LifecyclePlan is a state change's plan: its request, the instances it
// names in the order the director will update them, and the gate's plan.
type LifecyclePlan struct {
	Request bosh.LifecycleRequest
	Batches []bosh.LifecycleBatch
	Plan    Plan
}

// LifecycleResult is what became of a state change.
type LifecycleResult struct {
	TaskID  int
	Outcome cache.Outcome
	Targets []cache.ActionTarget
	Detail  string
}

// LifecycleGate is the gate's plan of r before anything is looked up: for
// a refusal under --read-only or --offline.
func LifecycleGate(r bosh.LifecycleRequest) Plan {
	p := Plan{Kind: Change, Action: r.Action, Deployment: r.Deployment, Command: r.Command(), Targets: []string{}}
	if s := r.Slug(); s != "" {
		p.Targets = []string{s}
	}
	return p
}

// PlanLifecycle checks r, finds the instances it names (the cheap
// listing: no task) and works out their order from the flags and the
// manifest's update block. Nothing changes. A deployment locked by
// another task is refused (and the refusal recorded), naming the holder.
func (s *Session) PlanLifecycle(ctx context.Context, r bosh.LifecycleRequest) (LifecyclePlan, error) {
	if why := s.Refusal(Change, r.Action); why != "" {
		return LifecyclePlan{}, &RefusedError{why}
	}
	if err := r.Check(); err != nil {
		return LifecyclePlan{}, err
	}
	insts, err := s.Client.Instances(ctx, r.Deployment)
	if err != nil {
		return LifecyclePlan{}, err
	}
	targets, err := bosh.LifecycleTargets(insts, r)
	var be *bosh.Error
	if errors.As(err, &be) {
		return LifecyclePlan{}, &UnknownError{What: be.Description}
	}
	if err := s.Client.CheckDeploymentLock(ctx, r.Deployment); err != nil {
		var le *bosh.LockError
		if errors.As(err, &le) {
			s.recordFinal(LifecycleGate(r), cache.OutcomeRefused, nil, le.Error())
		}
		return LifecyclePlan{}, err
	}
	// The manifest's update block orders the instances; its errand groups
	// have no state to change.
	settings, err := s.Client.DeploymentUpdateSettings(ctx, r.Deployment)
	note := ""
	if err != nil {
		if ctx.Err() != nil {
			return LifecyclePlan{}, err
		}
		note = "the manifest could not be read (" + oneLine(err.Error()) + "): the order assumes canaries 1, max_in_flight 1"
	}
	if r.Group != "" && settings.Errands[r.Group] {
		return LifecyclePlan{}, &UnknownError{What: fmt.Sprintf(
			"%s is an errand instance group: it has no state to %s (bosh run-errand runs it)", r.Group, r.Action)}
	}
	return NewLifecyclePlan(r, bosh.LifecycleOrder(targets, settings, r), note), nil
}

// NewLifecyclePlan is the plan of r on batches (in order); note is a line
// for the confirmation, "" for none.
func NewLifecyclePlan(r bosh.LifecycleRequest, batches []bosh.LifecycleBatch, note string) LifecyclePlan {
	lp := LifecyclePlan{Request: r, Batches: batches}
	lp.Plan = Plan{Kind: Change, Action: r.Action, Deployment: r.Deployment, Command: r.Command(),
		Steps: lifecycleSteps(r, batches, note), Targets: []string{}}
	for _, b := range batches {
		for _, in := range b.Instances {
			lp.Plan.Targets = append(lp.Plan.Targets, in.Name)
		}
	}
	return lp
}

// lifecycleSteps are the plan's lines: what the action does, then the
// instances batch by batch in the director's order.
func lifecycleSteps(r bosh.LifecycleRequest, batches []bosh.LifecycleBatch, note string) []string {
	what := map[string]string{
		bosh.ActionRestart:  "stop and start the processes on the same VMs",
		bosh.ActionRecreate: "delete each VM and create it anew (new VM CID and agent); persistent disks stay",
		bosh.ActionStop:     "stop the processes, keep the VMs (instances already stopped are skipped)",
		bosh.ActionStart:    "start the processes (instances already started are skipped)",
	}[r.Action]
	if r.Action == bosh.ActionStop && r.Hard {
		what = "stop the processes and delete the VMs; persistent disks stay (state detached)"
	}
	steps := []string{what}
	if r.DryRun {
		steps = append(steps, "dry run: the director renders the templates and changes nothing")
	}
	if r.Fix {
		steps = append(steps, "--fix: every instance whose agent does not answer is recreated too")
	}
	if r.SkipDrain {
		steps = append(steps, "--skip-drain: drain and pre-stop scripts are not run")
	}
	if r.NoConverge {
		steps = append(steps, "--no-converge: only this instance, without a deploy")
	}
	if note != "" {
		steps = append(steps, note)
	}
	for i, b := range batches {
		names := make([]string, len(b.Instances))
		for j, in := range b.Instances {
			names[j] = fmt.Sprintf("%s (%d, %s)", in.Name, in.Index, dash(in.AZ))
		}
		line := fmt.Sprintf("%d. %s", i+1, strings.Join(names, ", "))
		if b.Canary {
			line += " — canary"
		}
		steps = append(steps, line)
	}
	return steps
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ChangeState applies lp through the gate: confirm decides, the task's
// events go to progress and its id to started (either may be nil) and to
// the history as soon as it is known. When ctx ends while the task runs,
// the director's task goes on: the outcome is interrupted, with its id
// and how to stop it.
func (s *Session) ChangeState(ctx context.Context, lp LifecyclePlan, confirm Confirm, progress func(bosh.TaskEvent), started func(int)) (LifecycleResult, error) {
	r := lp.Request
	var out LifecycleResult
	res, err := s.Apply(ctx, lp.Plan, confirm, func(ctx context.Context, pr *Progress) (Result, error) {
		seen := newStepTracker(lp.Plan.Targets)
		id, err := s.Client.ChangeState(ctx, r, func(ev bosh.TaskEvent) {
			if name, o, ok := seen.note(ev); ok {
				pr.Target(name, o)
			}
			if progress != nil {
				progress(ev)
			}
		}, func(id int) {
			pr.Task(int64(id))
			if started != nil {
				started(id)
			}
		})
		res := Result{TaskIDs: []int64{int64(id)}, Targets: seen.final(id != 0 && ctx.Err() == nil, r.DryRun)}
		switch {
		case err != nil && ctx.Err() != nil && id != 0:
			res.Outcome = cache.OutcomeInterrupted
			res.Detail = fmt.Sprintf("bosun stopped following; director task %d goes on (bosun cancel-task %d stops it)", id, id)
		case bosh.TaskEndState(err) == "cancelled":
			res.Outcome, res.Detail = cache.OutcomeCancelled, fmt.Sprintf("director task %d was cancelled", id)
		case err == nil && r.DryRun:
			res.Outcome, res.Detail = cache.OutcomeUnchanged, fmt.Sprintf("dry run (task %d): nothing changed", id)
		}
		out.TaskID = id
		return res, err
	})
	out.Outcome, out.Targets, out.Detail = res.Outcome, res.Targets, res.Detail
	return out, err
}

// stepTracker reads which targets the task has updated from its events:
// "Updating instance" steps name the instance.
type stepTracker struct {
	mu      sync.Mutex
	targets []string
	state   map[string]cache.Outcome
}

func newStepTracker(targets []string) *stepTracker {
	return &stepTracker{targets: targets, state: map[string]cache.Outcome{}}
}

func (t *stepTracker) note(ev bosh.TaskEvent) (string, cache.Outcome, bool) {
	if !strings.HasPrefix(ev.Stage, "Updating instance") || (ev.State != "finished" && ev.State != "failed") {
		return "", "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range t.targets {
		if !strings.HasPrefix(ev.Task, name+" ") && !strings.HasPrefix(ev.Stage, "Updating instance "+name+" ") {
			continue
		}
		o := cache.OutcomeApplied
		if ev.State == "failed" || t.state[name] == cache.OutcomeFailed {
			o = cache.OutcomeFailed
		}
		t.state[name] = o
		return name, o, true
	}
	return "", "", false
}

// final is every target's outcome: what the events said; a target the
// ended task did not touch is unchanged (already as asked, or not reached
// before the task failed). Followed to no end, it stays unknown.
func (t *stepTracker) final(ended, dryRun bool) []cache.ActionTarget {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]cache.ActionTarget, 0, len(t.targets))
	for _, name := range t.targets {
		o := t.state[name]
		if ended && (o == "" || dryRun) {
			o = cache.OutcomeUnchanged
		}
		out = append(out, cache.ActionTarget{Name: name, Outcome: o})
	}
	return out
}
