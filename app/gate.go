package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"bosun/cache"
)

// Kind says how the gate treats an action.
type Kind int

const (
	// Change changes the foundation (a cloud-check resolution, an audit
	// toggle, a restart): refused under --read-only and --offline, applied
	// only after confirmation, recorded from before its first step.
	Change Kind = iota
	// Shell opens a shell or runs a command on VMs through the
	// director's SSH setup: refused like a change, recorded, and asked
	// for by the operator's own command, so no further confirmation.
	Shell
	// Read reads over SSH (audit status, etcd, usage, a dry run). The
	// director's SSH setup still adds a user on every VM it reaches, so
	// --read-only and --offline refuse it; it needs no confirmation and
	// is recorded only when refused.
	Read
)

// Plan is what an action will do, shown before it is applied and applied
// exactly.
type Plan struct {
	Kind       Kind
	Action     string   // a short verb: "cck resolve", "audit enable", "ssh", ...
	Deployment string   // the deployment it changes
	Cluster    string   // the PKS cluster, when there is one
	Targets    []string // what it acts on, in order (instances, masters, problems)
	Steps      []string // what will change, one line each, for the confirmation
	Command    string   // the equivalent bosh/tkgi or manual command
}

// RefusedError is an action the gate refused; the command line exits 2.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// ErrNotConfirmed is returned when the operator declined the plan.
var ErrNotConfirmed = errors.New("not confirmed: nothing changed")

// Confirm asks the operator about a plan: true to apply, false to decline;
// an error refuses the action (e.g. no terminal to ask on and no --yes).
type Confirm func(Plan) (bool, error)

// Yes confirms every plan: --yes, or a TUI confirmation already given.
func Yes(Plan) (bool, error) { return true, nil }

// Result is what became of an applied plan.
type Result struct {
	Outcome cache.Outcome // "" : worked out from the targets and the error
	Targets []cache.ActionTarget
	TaskIDs []int64
	Detail  string
}

// Progress lets an action record each step as it ends, so that a process
// killed halfway leaves a record of what was done.
type Progress struct {
	mu  sync.Mutex
	s   *Session
	id  int64
	rec cache.Action
}

// Target records what became of one target.
func (p *Progress) Target(name string, o cache.Outcome) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.rec.Targets {
		if p.rec.Targets[i].Name == name {
			p.rec.Targets[i].Outcome = o
			p.flush()
			return
		}
	}
	p.rec.Targets = append(p.rec.Targets, cache.ActionTarget{Name: name, Outcome: o})
	p.flush()
}

// Task records a director task the action started.
func (p *Progress) Task(id int64) {
	if p == nil || id == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.rec.TaskIDs {
		if t == id {
			return
		}
	}
	p.rec.TaskIDs = append(p.rec.TaskIDs, id)
	p.flush()
}

func (p *Progress) flush() {
	if p.s.Store != nil && p.id != 0 {
		_ = p.s.Store.UpdateAction(context.Background(), p.id, p.rec)
	}
}

// Refusal is why the session refuses a plan of this kind, "" when it does not.
func (s *Session) Refusal(k Kind, action string) string {
	return Refusal(s.cfg.ReadOnly, s.cfg.Offline || s.Client == nil, k, action)
}

// Refusal is why --read-only or --offline refuse an action of kind k, ""
// when they do not; for a caller that could not open a session at all.
func Refusal(readOnly, offline bool, k Kind, action string) string {
	switch {
	case readOnly && k == Read:
		return fmt.Sprintf("--read-only: refusing %s (the director's SSH setup adds a user on the VMs)", action)
	case readOnly:
		return fmt.Sprintf("--read-only: refusing %s", action)
	case offline:
		return fmt.Sprintf("--offline: %s needs the director", action)
	}
	return ""
}

// Check refuses a plan early, before anything is asked or scanned, when
// the session refuses its kind, and records the refusal.
func (s *Session) Check(p Plan) error {
	if why := s.Refusal(p.Kind, p.Action); why != "" {
		s.recordFinal(p, cache.OutcomeRefused, nil, why)
		return &RefusedError{why}
	}
	return nil
}

// Apply is the gate: it refuses the plan under --read-only or --offline,
// asks confirm about a change, records the action before its first step,
// runs apply with a Progress, and records the outcome. Every outcome is
// recorded: applied, unchanged, failed, rolled back, cancelled,
// interrupted, refused (a Read only when refused). ctx ending while apply
// runs is an interruption.
func (s *Session) Apply(ctx context.Context, p Plan, confirm Confirm, apply func(context.Context, *Progress) (Result, error)) (Result, error) {
	if why := s.Refusal(p.Kind, p.Action); why != "" {
		s.recordFinal(p, cache.OutcomeRefused, nil, why)
		return Result{Outcome: cache.OutcomeRefused, Detail: why}, &RefusedError{why}
	}
	if p.Kind == Change {
		if confirm == nil {
			confirm = func(Plan) (bool, error) { return false, errors.New("no confirmation given") }
		}
		ok, err := confirm(p)
		if err != nil {
			s.recordFinal(p, cache.OutcomeRefused, nil, err.Error())
			return Result{Outcome: cache.OutcomeRefused, Detail: err.Error()}, &RefusedError{err.Error()}
		}
		if !ok {
			s.recordFinal(p, cache.OutcomeCancelled, nil, "declined at the confirmation")
			return Result{Outcome: cache.OutcomeCancelled}, ErrNotConfirmed
		}
	}
	prog := &Progress{s: s, rec: s.newRecord(p)}
	if p.Kind != Read && s.Store != nil {
		id, err := s.Store.RecordAction(context.Background(), prog.rec)
		s.noteWrite("history", err)
		if err == nil {
			prog.id = id
		}
	}
	start := time.Now()
	res, err := apply(ctx, prog)
	prog.mu.Lock()
	defer prog.mu.Unlock()
	res.Targets = mergeTargets(prog.rec.Targets, res.Targets)
	res.TaskIDs = mergeTasks(prog.rec.TaskIDs, res.TaskIDs)
	if res.Outcome == "" {
		res.Outcome = outcomeOf(ctx, res.Targets, err)
	}
	if res.Detail == "" && err != nil {
		res.Detail = oneLine(err.Error())
	}
	if res.Outcome == cache.OutcomeInterrupted && !strings.Contains(res.Detail, "after") {
		res.Detail = strings.TrimSpace(fmt.Sprintf("%s (interrupted after %s)", res.Detail, time.Since(start).Round(100*time.Millisecond)))
	}
	if p.Kind != Read {
		prog.rec.Targets, prog.rec.TaskIDs = res.Targets, res.TaskIDs
		prog.rec.Outcome, prog.rec.Detail, prog.rec.Finished = res.Outcome, res.Detail, true
		if prog.id != 0 {
			_ = s.Store.UpdateAction(context.Background(), prog.id, prog.rec)
		}
	}
	return res, err
}

// outcomeOf works out an action's outcome from its targets and error.
func outcomeOf(ctx context.Context, targets []cache.ActionTarget, err error) cache.Outcome {
	if err != nil && ctx.Err() != nil {
		return cache.OutcomeInterrupted
	}
	counts := map[cache.Outcome]int{}
	for _, t := range targets {
		counts[t.Outcome]++
	}
	switch {
	case counts[cache.OutcomeRolledBack] > 0:
		return cache.OutcomeRolledBack
	case err != nil || counts[cache.OutcomeFailed] > 0:
		return cache.OutcomeFailed
	case counts[cache.OutcomeApplied] > 0:
		return cache.OutcomeApplied
	case len(targets) > 0 && counts[cache.OutcomeUnchanged] == len(targets):
		return cache.OutcomeUnchanged
	}
	return cache.OutcomeApplied
}

func mergeTargets(a, b []cache.ActionTarget) []cache.ActionTarget {
	out := append([]cache.ActionTarget{}, a...)
	for _, t := range b {
		found := false
		for i := range out {
			if out[i].Name == t.Name {
				out[i].Outcome, found = t.Outcome, true
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

func mergeTasks(a, b []int64) []int64 {
	out := append([]int64{}, a...)
	for _, id := range b {
		seen := false
		for _, x := range out {
			seen = seen || x == id
		}
		if !seen && id != 0 {
			out = append(out, id)
		}
	}
	return out
}

// newRecord is the history record of a plan, before it runs: every
// target listed, none reached yet.
func (s *Session) newRecord(p Plan) cache.Action {
	info := s.Known()
	director := info.Name
	if director == "" {
		director = s.EnvName
	}
	rec := cache.Action{Time: time.Now(), User: s.User, Director: director, DirectorUUID: info.UUID,
		Deployment: p.Deployment, Cluster: p.Cluster, Action: p.Action, Command: p.Command,
		Targets: []cache.ActionTarget{}, TaskIDs: []int64{}}
	for _, t := range p.Targets {
		rec.Targets = append(rec.Targets, cache.ActionTarget{Name: t})
	}
	return rec
}

// recordFinal records an action that ends at the gate (refused, declined).
func (s *Session) recordFinal(p Plan, o cache.Outcome, targets []cache.ActionTarget, detail string) {
	if s.Store == nil {
		return
	}
	rec := s.newRecord(p)
	if targets != nil {
		rec.Targets = targets
	}
	for i := range rec.Targets {
		if rec.Targets[i].Outcome == "" {
			rec.Targets[i].Outcome = o
		}
	}
	rec.Outcome, rec.Detail, rec.Finished = o, oneLine(detail), true
	_, err := s.Store.RecordAction(context.Background(), rec)
	s.noteWrite("history", err)
}

// History is every recorded action, newest first.
func (s *Session) History(ctx context.Context, f cache.HistoryFilter) ([]cache.Action, error) {
	if s.Store == nil {
		return nil, fmt.Errorf("the history is in the cache, which is unavailable: %w", s.CacheErr)
	}
	return s.Store.History(ctx, f)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
