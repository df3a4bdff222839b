package app

import (
	"context"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// Auditor is the audit use cases for a screen that shows the plan and has
// it confirmed itself (the TUI's audit screen): the same status, plan and
// roll as `bosun audit`, with the environment's SSH settings.
type Auditor struct {
	s         *Session
	opts      bosh.SSHOptions
	optsErr   error
	PollEvery time.Duration // health poll during the roll; 0 means every second
}

// Auditor is s's audit use cases with the SSH options opts (or why there
// are none).
func (s *Session) Auditor(opts bosh.SSHOptions, optsErr error) *Auditor {
	return &Auditor{s: s, opts: opts, optsErr: optsErr}
}

// AuditStatus is Session.AuditStatus.
func (a *Auditor) AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error) {
	if a.optsErr != nil {
		return nil, a.optsErr
	}
	return a.s.AuditStatus(ctx, dep, a.opts)
}

// AuditHistory is Session.AuditHistory.
func (a *Auditor) AuditHistory(dep string) ([]cache.AuditRecord, error) {
	return a.s.AuditHistory(dep)
}

func change(enable bool, level string) pks.AuditChange {
	c := pks.AuditChange{Enable: enable}
	if enable {
		c.Level = level
	}
	return c
}

// AuditPlan is the per-master change, as `bosun audit --dry-run` works it
// out; it changes nothing.
func (a *Auditor) AuditPlan(ctx context.Context, dep string, enable bool, level string) ([]pks.MasterPlan, error) {
	if a.optsErr != nil {
		return nil, a.optsErr
	}
	sess, plans, err := a.s.PlanAudit(ctx, dep, change(enable, level), a.opts)
	if err != nil {
		return nil, err
	}
	sess.Close()
	return plans, nil
}

// AuditToggle plans again and rolls, through the gate, only when the plan
// is the one the operator confirmed.
func (a *Auditor) AuditToggle(ctx context.Context, dep string, enable bool, level string, confirmed []pks.MasterPlan, stop <-chan struct{}, progress func(pks.RollStep)) ([]pks.MasterResult, error) {
	if a.optsErr != nil {
		return nil, a.optsErr
	}
	sess, plans, err := a.s.PlanAudit(ctx, dep, change(enable, level), a.opts)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if !pks.SamePlans(plans, confirmed) {
		return nil, ErrPlanChanged
	}
	poll := a.PollEvery
	if poll <= 0 {
		poll = time.Second
	}
	return a.s.ApplyAudit(ctx, sess, dep, "", enable, plans, Yes,
		pks.RollOptions{HealthTimeout: 2 * time.Minute, PollEvery: poll, Progress: progress, Stop: stop})
}
