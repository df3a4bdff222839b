package pks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Outcomes of one master in a roll.
const (
	OutcomeChanged        = "changed"
	OutcomeUnchanged      = "unchanged"         // already as asked
	OutcomeRolledBack     = "rolled back"       // unhealthy after the change; old files restored and healthy
	OutcomeRollbackFailed = "rollback failed"   // restored but not healthy, or not restored: needs a person
	OutcomeFailed         = "failed, unchanged" // the change did not reach the master's files
	OutcomeNotReached     = "not reached"       // the roll stopped before this master
)

// MasterResult is what happened to one master.
type MasterResult struct {
	Instance    string            `json:"instance"`
	Outcome     string            `json:"outcome"`
	Detail      string            `json:"detail"`
	Backup      string            `json:"backup"` // path of the bpm.yml backup on the master
	FlagsBefore map[string]string `json:"flags_before"`
	FlagsAfter  map[string]string `json:"flags_after"`
	At          time.Time         `json:"at"`
	Took        time.Duration     `json:"-"`
}

// Applied is true when the master runs with the new files.
func (r MasterResult) Applied() bool { return r.Outcome == OutcomeChanged }

// RollStep is a progress report: a master and what is happening to it.
type RollStep struct {
	Instance string
	Step     string // "backing up", "writing", "restarting", "waiting for health", "rolling back", or an outcome
	Done     bool   // Step is the master's outcome
}

// RollOptions tune a roll.
type RollOptions struct {
	HealthTimeout time.Duration // per master, default 2m
	PollEvery     time.Duration // health poll, default 2s
	Stamp         string        // backup suffix, default the current UTC time
	Progress      func(RollStep)
	// Record is called once per master, as soon as its outcome is known
	// (the cache history), unchanged masters included.
	Record func(MasterResult)
	// Stop asks the roll to finish the master it is on and stop before
	// the next one (an operator's q, a first SIGINT). Cancelling the
	// context instead stops at once: the master being changed is rolled
	// back.
	Stop <-chan struct{}
	// Holder is who the lock says holds it; default this process.
	Holder LockHolder
}

// ErrRollStopped is returned (wrapped) when the roll stopped between two
// masters because Stop was closed.
var ErrRollStopped = errors.New("audit change stopped on request")

// ErrRollFailed is returned (wrapped) when a master did not come back
// healthy with the change; the roll stopped there.
var ErrRollFailed = errors.New("audit change rolled back")

// Roll applies plans one master at a time: back up, write beside and
// rename, restart kube-apiserver through monit, wait for monit running
// and a healthy /healthz. A master that is not healthy in time gets its
// old files back and is restarted and verified; the roll stops there.
// Before anything it takes the cluster's lock and checks that every
// master is healthy, so that never more than one is down. It returns one
// result per plan.
func Roll(ctx context.Context, r Runner, plans []MasterPlan, layout MasterLayout, o RollOptions) ([]MasterResult, error) {
	if len(plans) == 0 {
		return nil, errors.New("no masters to change")
	}
	if o.HealthTimeout <= 0 {
		o.HealthTimeout = 2 * time.Minute
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 2 * time.Second
	}
	if o.Stamp == "" {
		o.Stamp = time.Now().UTC().Format("20060102T150405Z")
	}
	progress := func(inst, step string, done bool) {
		if o.Progress != nil {
			o.Progress(RollStep{Instance: inst, Step: step, Done: done})
		}
	}
	results := make([]MasterResult, len(plans))
	for i, p := range plans {
		results[i] = MasterResult{Instance: p.Instance(), Outcome: OutcomeNotReached, FlagsBefore: p.FlagsBefore, FlagsAfter: p.FlagsBefore}
	}
	first := master{r: r, h: plans[0].Host, layout: layout}
	holder := o.Holder
	if holder.PID == 0 {
		holder = thisProcess()
	}
	if err := first.lock(ctx, holder, func(s string) { progress(first.h.Instance(), s, false) }); err != nil {
		return results, err
	}
	defer first.unlock(context.WithoutCancel(ctx))
	for _, p := range plans {
		m := master{r: r, h: p.Host, layout: layout}
		pr, err := m.probe(ctx)
		if err != nil {
			return results, fmt.Errorf("check %s before the roll: %w", p.Instance(), err)
		}
		if !pr.healthy {
			return results, fmt.Errorf("%s is not healthy now (monit: %s): refusing to roll, so that never two masters are down", p.Instance(), pr.state)
		}
	}
	for i, p := range plans {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		select {
		case <-o.Stop:
			return results, fmt.Errorf("%w after %d of %d masters", ErrRollStopped, i, len(plans))
		default:
		}
		res := rollOne(ctx, master{r: r, h: p.Host, layout: layout}, p, o, progress)
		results[i] = res
		progress(res.Instance, res.Outcome, true)
		if o.Record != nil {
			o.Record(res)
		}
		if err := ctx.Err(); err != nil && res.Outcome != OutcomeChanged && res.Outcome != OutcomeUnchanged {
			return results, fmt.Errorf("%s: %s: %s: %w", res.Instance, res.Outcome, res.Detail, err)
		}
		switch res.Outcome {
		case OutcomeChanged, OutcomeUnchanged:
			continue
		case OutcomeRolledBack:
			return results, fmt.Errorf("%w: %s was not healthy with it (%s)", ErrRollFailed, res.Instance, res.Detail)
		default:
			return results, fmt.Errorf("%s: %s: %s", res.Instance, res.Outcome, res.Detail)
		}
	}
	return results, nil
}

func rollOne(ctx context.Context, m master, p MasterPlan, o RollOptions, progress func(string, string, bool)) MasterResult {
	start := time.Now()
	res := MasterResult{Instance: p.Instance(), FlagsBefore: p.FlagsBefore, FlagsAfter: p.FlagsBefore, At: start}
	done := func(outcome, detail string) MasterResult {
		res.Outcome, res.Detail, res.Took = outcome, detail, time.Since(start)
		return res
	}
	if p.NoChange() {
		res.FlagsAfter = p.FlagsAfter
		return done(OutcomeUnchanged, "already as asked")
	}
	inst := p.Instance()
	progress(inst, "backing up", false)
	backup, err := m.backup(ctx, bpmPath, o.Stamp)
	if err != nil {
		return done(OutcomeFailed, err.Error())
	}
	res.Backup = backup
	progress(inst, "writing", false)
	if p.PolicyAfter != nil && !bytes.Equal(p.PolicyAfter, p.PolicyBefore) {
		if err := m.write(ctx, bosunPolicy, p.PolicyAfter); err != nil {
			return done(OutcomeFailed, err.Error())
		}
	}
	if err := m.write(ctx, bpmPath, p.BPMAfter); err != nil {
		// The rename may or may not have happened: look.
		now, rerr := m.read(context.WithoutCancel(ctx), bpmPath)
		if rerr != nil || !bytes.Equal(now, p.BPMAfter) {
			m.restorePolicy(context.WithoutCancel(ctx), p)
			return done(OutcomeFailed, err.Error())
		}
	}
	progress(inst, "restarting", false)
	oldPid := m.pid(ctx)
	healthyErr := m.restart(ctx)
	if healthyErr == nil {
		progress(inst, "waiting for health", false)
		healthyErr = m.waitHealthy(ctx, o, oldPid)
	}
	if healthyErr == nil {
		if p.PolicyAfter == nil && p.PolicyBefore != nil {
			m.remove(ctx, bosunPolicy) // no longer named by any flag
		}
		res.FlagsAfter = p.FlagsAfter
		return done(OutcomeChanged, fmt.Sprintf("healthy after %s", time.Since(start).Round(100*time.Millisecond)))
	}
	progress(inst, "rolling back", false)
	bg := context.WithoutCancel(ctx)
	if err := m.write(bg, bpmPath, p.BPMBefore); err != nil {
		return done(OutcomeRollbackFailed, fmt.Sprintf("%v; restoring bpm.yml failed: %v; the backup is %s", healthyErr, err, backup))
	}
	m.restorePolicy(bg, p)
	oldPid = m.pid(bg)
	if err := m.restart(bg); err != nil {
		return done(OutcomeRollbackFailed, fmt.Sprintf("%v; restored, but restart failed: %v", healthyErr, err))
	}
	if err := m.waitHealthy(bg, o, oldPid); err != nil {
		return done(OutcomeRollbackFailed, fmt.Sprintf("%v; restored, but still not healthy: %v", healthyErr, err))
	}
	return done(OutcomeRolledBack, healthyErr.Error())
}

// restorePolicy puts bosun's policy file back as it was before the roll.
func (m master) restorePolicy(ctx context.Context, p MasterPlan) {
	if bytes.Equal(p.PolicyAfter, p.PolicyBefore) {
		return
	}
	if p.PolicyBefore == nil {
		m.remove(ctx, bosunPolicy)
		return
	}
	m.write(ctx, bosunPolicy, p.PolicyBefore)
}

// pid is the kube-apiserver's pid, "" when unknown.
func (m master) pid(ctx context.Context) string {
	pr, _ := m.probe(ctx)
	return pr.pid
}

// waitHealthy polls until a process other than oldPid runs (monit's
// restart is asynchronous, so the old process may still answer at first),
// monit says running and /healthz is ok, or the timeout ends.
func (m master) waitHealthy(parent context.Context, o RollOptions, oldPid string) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, o.HealthTimeout)
	defer cancel()
	tick := time.NewTicker(o.PollEvery)
	defer tick.Stop()
	last := ""
	for {
		pr, err := m.probe(ctx)
		switch {
		case err != nil:
			last = err.Error()
		case pr.healthy && (oldPid == "" || pr.pid != oldPid):
			return nil
		case pr.healthy:
			last = "restart pending"
		case pr.state == "running":
			last = "monit: running, /healthz failing"
		default:
			last = "monit: " + pr.state
		}
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return fmt.Errorf("interrupted after %s while waiting for health (%s)", time.Since(start).Round(100*time.Millisecond), last)
			}
			return fmt.Errorf("not healthy after %s (%s)", o.HealthTimeout, last)
		case <-tick.C:
		}
	}
}
