package cache

import (
	"errors"
	"time"

	"bosun/bosh"
)

// ScanRecord is the history record of scan task taskID (0 if unknown) of
// dep by user at at: the problems it found, or its error.
func ScanRecord(dep, user string, taskID int, at time.Time, probs []bosh.Problem, err error) CCKRecord {
	r := CCKRecord{Deployment: dep, Kind: CCKScan, At: at, User: user, TaskID: taskID, Problems: len(probs)}
	var be *bosh.Error
	if errors.As(err, &be) && be.TaskID != 0 {
		r.TaskID = be.TaskID
	}
	switch {
	case err != nil:
		r.Outcome, r.Error, r.Problems = CCKFailed, err.Error(), 0
	case len(probs) == 0:
		r.Outcome = CCKClean
	default:
		r.Outcome = CCKProblems
		for _, p := range probs {
			r.Actions = append(r.Actions, CCKAction{ProblemID: p.ID, Type: p.Type, Instance: p.Instance})
		}
	}
	return r
}

// ResolveRecord is the history record of a resolution: what was asked for
// each problem and what became of it, as the director reported it.
func ResolveRecord(dep, user string, at time.Time, probs []bosh.Problem, answers []bosh.Answer, out bosh.ResolveOutcome, err error) CCKRecord {
	ok := len(out.Succeeded())
	r := CCKRecord{Deployment: dep, Kind: CCKResolve, At: at, User: user, TaskID: out.TaskID,
		Problems: len(answers), Resolved: ok, Actions: resolveActions(probs, answers, out)}
	switch {
	case err != nil && ok > 0:
		r.Outcome, r.Error = CCKPartial, err.Error()
	case err != nil:
		r.Outcome, r.Error = CCKFailed, err.Error()
	case ok < len(answers):
		r.Outcome = CCKPartial
	default:
		r.Outcome = CCKResolved
	}
	return r
}

func resolveActions(probs []bosh.Problem, answers []bosh.Answer, out bosh.ResolveOutcome) []CCKAction {
	byID := map[int]bosh.Problem{}
	for _, p := range probs {
		byID[p.ID] = p
	}
	applied := map[int]bool{}
	for _, id := range out.Applied {
		applied[id] = true
	}
	ignored := map[int]bool{}
	for _, id := range out.Ignored {
		ignored[id] = true
	}
	acts := make([]CCKAction, 0, len(answers))
	for _, a := range answers {
		p, known := byID[a.ProblemID]
		if !known {
			p = bosh.Problem{ID: a.ProblemID}
		}
		name := a.Resolution
		if name == "" {
			name = p.Default
		}
		act := CCKAction{ProblemID: p.ID, Type: p.Type, Instance: p.Instance, Resolution: name}
		switch {
		case out.Failed[p.ID] != "":
			act.Result = "failed: " + out.Failed[p.ID]
		case applied[p.ID]:
			act.Result = "applied"
		case ignored[p.ID]:
			act.Result = "skipped: no longer open"
		default:
			act.Result = "not applied"
		}
		acts = append(acts, act)
	}
	return acts
}
