package main

import (
	"context"
	"io"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// tuiAuditor gives the TUI's audit screen the same status and roll as
// `bosun audit`, with the environment's gateway settings.
type tuiAuditor struct{ s *session }

func (a tuiAuditor) open(ctx context.Context, dep string) (*bosh.SSHSession, error) {
	var gf gatewayFlags
	opts, err := gf.sshOptions(a.s, io.Discard)
	if err != nil {
		return nil, err
	}
	return a.s.client.SetUpSSH(ctx, bosh.SSHTarget{Deployment: dep, Group: "master"}, opts)
}

func (a tuiAuditor) AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error) {
	info, _, err := a.s.directorInfo(ctx, false)
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
	if a.s.store == nil {
		return nil, a.s.cacheErr
	}
	info, _, err := a.s.directorInfo(context.Background(), false)
	if err != nil {
		return nil, err
	}
	return a.s.store.AuditHistory(info.UUID, dep, 20)
}

func (a tuiAuditor) AuditToggle(ctx context.Context, dep string, enable bool, level string, progress func(pks.RollStep)) ([]pks.MasterResult, error) {
	info, _, err := a.s.directorInfo(ctx, false)
	if err != nil {
		return nil, err
	}
	kubo, err := kuboVersion(ctx, a.s, dep)
	if err != nil {
		return nil, err
	}
	sess, err := a.open(ctx, dep)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	change := pks.AuditChange{Enable: enable, KuboVersion: kubo}
	if enable {
		change.Level = level
	}
	plans, err := pks.Plan(ctx, sess, sess.Hosts, pks.DefaultLayout, change)
	if err != nil {
		return nil, err
	}
	action := "disable"
	if enable {
		action = "enable"
	}
	who := localUser() + " via " + info.User
	return pks.Roll(ctx, sess, plans, pks.DefaultLayout, pks.RollOptions{
		HealthTimeout: 2 * time.Minute, PollEvery: time.Second, Progress: progress,
		Record: func(r pks.MasterResult) {
			if a.s.store != nil {
				a.s.store.RecordAudit(info.UUID, cache.AuditRecord{Deployment: dep, Master: r.Instance, Action: action, At: r.At,
					Who: who, FlagsBefore: r.FlagsBefore, FlagsAfter: r.FlagsAfter, Outcome: r.Outcome, Detail: r.Detail, Backup: r.Backup})
			}
		},
	})
}
