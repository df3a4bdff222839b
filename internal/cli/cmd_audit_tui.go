package cli

import (
	"context"
	"errors"
	"io"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// tuiAuditor gives the TUI's audit screen the same status and roll as
// `bosun audit`, with the environment's gateway settings.
type tuiAuditor struct {
	s         *session
	pollEvery time.Duration // health poll during the roll; 0 means every second
}

func (a tuiAuditor) open(ctx context.Context, dep string) (*bosh.SSHSession, error) {
	var gf gatewayFlags
	opts, err := gf.sshOptions(a.s, io.Discard)
	if err != nil {
		return nil, err
	}
	return a.s.Client.SetUpSSH(ctx, bosh.SSHTarget{Deployment: dep, Group: "master"}, opts)
}

func (a tuiAuditor) AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error) {
	info, _, err := a.s.DirectorInfo(ctx, false)
	if err != nil {
		return nil, err
	}
	sess, err := a.open(ctx, dep)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ms := pks.Status(ctx, sess, sess.Hosts, pks.DefaultLayout, 0)
	markReverted(a.s, info.UUID, dep, ms)
	return ms, nil
}

func (a tuiAuditor) AuditHistory(dep string) ([]cache.AuditRecord, error) {
	if a.s.Store == nil {
		return nil, a.s.CacheErr
	}
	info, _, err := a.s.DirectorInfo(context.Background(), false)
	if err != nil {
		return nil, err
	}
	return a.s.Store.AuditHistory(info.UUID, dep, 20)
}

// change is what the screen's enable or disable asks of the cluster.
func (a tuiAuditor) change(ctx context.Context, dep string, enable bool, level string) (pks.AuditChange, error) {
	kubo, err := kuboVersion(ctx, a.s, dep)
	if err != nil {
		return pks.AuditChange{}, err
	}
	change := pks.AuditChange{Enable: enable, KuboVersion: kubo}
	if enable {
		change.Level = level
	}
	return change, nil
}

// AuditPlan is the per-master change, as `bosun audit --dry-run` works it
// out; it changes nothing.
func (a tuiAuditor) AuditPlan(ctx context.Context, dep string, enable bool, level string) ([]pks.MasterPlan, error) {
	sess, plans, err := a.plan(ctx, dep, enable, level)
	if err != nil {
		return nil, err
	}
	sess.Close()
	return plans, nil
}

// plan opens an SSH session on the cluster's masters and works out the
// change on each; the caller closes the session.
func (a tuiAuditor) plan(ctx context.Context, dep string, enable bool, level string) (*bosh.SSHSession, []pks.MasterPlan, error) {
	change, err := a.change(ctx, dep, enable, level)
	if err != nil {
		return nil, nil, err
	}
	sess, err := a.open(ctx, dep)
	if err != nil {
		return nil, nil, err
	}
	plans, err := pks.Plan(ctx, sess, sess.Hosts, pks.DefaultLayout, change)
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	return sess, plans, nil
}

// AuditToggle plans again and rolls only when the plan is the one the
// operator confirmed.
func (a tuiAuditor) AuditToggle(ctx context.Context, dep string, enable bool, level string, confirmed []pks.MasterPlan, progress func(pks.RollStep)) ([]pks.MasterResult, error) {
	info, _, err := a.s.DirectorInfo(ctx, false)
	if err != nil {
		return nil, err
	}
	sess, plans, err := a.plan(ctx, dep, enable, level)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if !pks.SamePlans(plans, confirmed) {
		return nil, errors.New("the masters changed since the confirmation; nothing changed, review the new diff")
	}
	action := "disable"
	if enable {
		action = "enable"
	}
	who := localUser() + " via " + info.User
	poll := a.pollEvery
	if poll <= 0 {
		poll = time.Second
	}
	return pks.Roll(ctx, sess, plans, pks.DefaultLayout, pks.RollOptions{
		HealthTimeout: 2 * time.Minute, PollEvery: poll, Progress: progress,
		Record: func(r pks.MasterResult) {
			if a.s.Store != nil {
				a.s.Store.RecordAudit(info.UUID, cache.AuditRecord{Deployment: dep, Master: r.Instance, Action: action, At: r.At,
					Who: who, FlagsBefore: r.FlagsBefore, FlagsAfter: r.FlagsAfter, Outcome: r.Outcome, Detail: r.Detail, Backup: r.Backup})
			}
		},
	})
}
