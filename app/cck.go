package app

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"bosun/bosh"
	"bosun/cache"
)

// Cloud-check: scan, plan, resolve (through the gate), each recorded.

// ScanProblems runs the director's cloud-check scan of dep (a task holding
// the deployment lock) and records it in the cloud-check history, unless
// it was cancelled before it said anything.
func (s *Session) ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, cache.CCKRecord, error) {
	if s.Client == nil {
		return nil, cache.CCKRecord{}, &RefusedError{"--offline: cloud-check scans through the director"}
	}
	var taskID atomic.Int64
	probs, err := s.Client.ScanProblems(ctx, dep, func(ev bosh.TaskEvent) {
		taskID.Store(int64(ev.TaskID))
		if progress != nil {
			progress(ev)
		}
	})
	info := s.Known()
	rec := cache.ScanRecord(dep, info.User, int(taskID.Load()), time.Now(), probs, err)
	if bosh.KindOf(err) != bosh.KindCanceled {
		s.recordCCK(rec)
	}
	return probs, rec, err
}

// recordCCK appends to the cloud-check history; a failure to record does
// not change what happened on the director, so it is not an error.
func (s *Session) recordCCK(r cache.CCKRecord) {
	if s.Store == nil {
		return
	}
	if uuid := s.Known().UUID; uuid != "" {
		s.noteWrite("cloud-check history", s.Store.RecordCCK(uuid, r))
	}
}

// ResolvePlan is the plan of applying answers to dep's problems: one
// target per problem, the actions, and the equivalent bosh command.
func ResolvePlan(dep string, probs []bosh.Problem, answers []bosh.Answer) Plan {
	byID := map[int]bosh.Problem{}
	for _, p := range probs {
		byID[p.ID] = p
	}
	p := Plan{Kind: Change, Action: "cck resolve", Deployment: dep, Command: bosh.CloudCheckCommand(dep, probs, answers)}
	for _, a := range answers {
		pr := byID[a.ProblemID]
		name := a.Resolution
		if name == "" {
			name = pr.Default
		}
		p.Targets = append(p.Targets, problemTarget(pr.ID, pr.Type, pr.Instance))
		p.Steps = append(p.Steps, fmt.Sprintf("#%d %s %s: %s (%s)", pr.ID, pr.Type, pr.Instance, pr.Plan(name), name))
	}
	return p
}

func problemTarget(id int, typ, instance string) string {
	return strings.TrimSpace(fmt.Sprintf("#%d %s %s", id, typ, instance))
}

// ApplyResolutions applies the plan's answers through the gate (confirm
// decides; refused under --read-only/--offline), records the resolution in
// the cloud-check history and the action history (per problem), and
// returns what the director did. The task is the director's: it goes on
// when ctx ends, and the record then says interrupted with its id.
func (s *Session) ApplyResolutions(ctx context.Context, dep string, probs []bosh.Problem, answers []bosh.Answer,
	confirm Confirm, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, cache.CCKRecord, error) {
	plan := ResolvePlan(dep, probs, answers)
	var out bosh.ResolveOutcome
	var rec cache.CCKRecord
	_, err := s.Apply(ctx, plan, confirm, func(ctx context.Context, pr *Progress) (Result, error) {
		var err error
		out, err = s.Client.ResolveProblems(ctx, dep, answers, func(ev bosh.TaskEvent) {
			pr.Task(int64(ev.TaskID))
			if progress != nil {
				progress(ev)
			}
		})
		rec = cache.ResolveRecord(dep, s.Known().User, time.Now(), probs, answers, out, err)
		s.recordCCK(rec)
		res := Result{TaskIDs: []int64{int64(out.TaskID)}}
		for _, a := range rec.Actions {
			o := cache.OutcomeFailed
			switch {
			case a.Result == "applied":
				o = cache.OutcomeApplied
			case strings.HasPrefix(a.Result, "skipped"):
				o = cache.OutcomeUnchanged
			}
			res.Targets = append(res.Targets, cache.ActionTarget{Name: problemTarget(a.ProblemID, a.Type, a.Instance), Outcome: o})
		}
		if err == nil && rec.Outcome == cache.CCKPartial {
			err = fmt.Errorf("resolved %d of %d problems", rec.Resolved, len(answers))
		}
		if err != nil && ctx.Err() != nil && out.TaskID != 0 {
			res.Outcome = cache.OutcomeInterrupted
			res.Detail = fmt.Sprintf("bosun stopped following; director task %d goes on (bosun cancel-task %d stops it)", out.TaskID, out.TaskID)
		}
		return res, err
	})
	return out, rec, err
}

// CCKHistory is dep's cloud-check history, newest first.
func (s *Session) CCKHistory(dep string, limit int) ([]cache.CCKRecord, error) {
	if s.Store == nil {
		return nil, s.CacheErr
	}
	return s.Store.CCKHistory(s.Known().UUID, dep, limit)
}

// LastCCKScans is the last scan of every deployment, by name.
func (s *Session) LastCCKScans() (map[string]cache.CCKRecord, error) {
	if s.Store == nil {
		return nil, s.CacheErr
	}
	return s.Store.LastCCKScans(s.Known().UUID)
}
