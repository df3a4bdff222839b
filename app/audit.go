package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// kube-apiserver audit flags on a cluster's masters: status and plan are
// SSH reads; enable and disable are changes through the gate.

// UnknownError is a deployment, cluster or instance the director does not
// have: the command could not do what was asked (exit 2).
type UnknownError struct{ What string }

func (e *UnknownError) Error() string { return e.What }

// KuboVersion is the version of the kubo release deployment dep uses.
func (s *Session) KuboVersion(ctx context.Context, dep string) (string, error) {
	deps, err := s.Client.Deployments(ctx)
	if err != nil {
		return "", err
	}
	for _, d := range deps {
		if d.Name != dep {
			continue
		}
		for _, r := range d.Releases {
			if v, ok := strings.CutPrefix(r, "kubo/"); ok {
				return v, nil
			}
		}
		return "", &UnknownError{dep + " uses no kubo release: not a Kubernetes cluster"}
	}
	return "", &UnknownError{"no deployment " + dep + " on " + s.EnvName}
}

func mastersOf(dep string) bosh.SSHTarget {
	return bosh.SSHTarget{Deployment: dep, Group: "master"}
}

// AuditStatus reads every master's audit flags over SSH and marks the
// masters whose flags differ from what bosun last left there.
func (s *Session) AuditStatus(ctx context.Context, dep string, opts bosh.SSHOptions) ([]pks.MasterAudit, error) {
	sess, err := s.OpenSSH(ctx, Read, "audit status", mastersOf(dep), opts)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	return pks.StatusAgainst(ctx, sess, sess.Hosts, pks.DefaultLayout, 0, s.auditRecordCheck(ctx, dep)), nil
}

// auditRecordCheck is what bosun last left on each master of dep, for
// telling a revert (with evidence) from a difference of unknown reason.
func (s *Session) auditRecordCheck(ctx context.Context, dep string) pks.RecordCheck {
	rc := pks.RecordCheck{Last: map[string]pks.LastRecord{}}
	if s.Store == nil {
		return rc
	}
	last, err := s.Store.LastAudit(s.Known().UUID, dep)
	if err != nil {
		return rc
	}
	for inst, r := range last {
		rc.Last[inst] = pks.LastRecord{At: r.At, Outcome: r.Outcome, FlagsAfter: r.FlagsAfter, Backup: r.Backup}
	}
	rc.LastDeploy, rc.LastDeployTask = s.lastDeploy(ctx, dep)
	return rc
}

// AuditHistory is dep's recorded audit changes, newest first.
func (s *Session) AuditHistory(dep string) ([]cache.AuditRecord, error) {
	if s.Store == nil {
		return nil, s.CacheErr
	}
	return s.Store.AuditHistory(s.Known().UUID, dep, 20)
}

// PlanAudit opens SSH on the masters (a read) and works out the change on
// each; it changes nothing. The caller closes the session.
func (s *Session) PlanAudit(ctx context.Context, dep string, change pks.AuditChange, opts bosh.SSHOptions) (*bosh.SSHSession, []pks.MasterPlan, error) {
	kubo, err := s.KuboVersion(ctx, dep)
	if err != nil {
		return nil, nil, err
	}
	change.KuboVersion = kubo
	sess, err := s.OpenSSH(ctx, Read, "audit "+auditVerb(change.Enable)+" (plan)", mastersOf(dep), opts)
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

func auditVerb(enable bool) string {
	if enable {
		return "enable"
	}
	return "disable"
}

// AuditPlan is the gate's plan of an audit change: each master that
// changes, its flags before and after, and the manual commands.
func AuditPlan(dep, cluster string, enable bool, plans []pks.MasterPlan) Plan {
	p := Plan{Kind: Change, Action: "audit " + auditVerb(enable), Deployment: dep, Cluster: cluster}
	for _, mp := range plans {
		p.Targets = append(p.Targets, mp.Instance())
		if mp.NoChange() {
			p.Steps = append(p.Steps, mp.Instance()+": already as asked, no change")
			continue
		}
		p.Steps = append(p.Steps, fmt.Sprintf("%s: audit flags %s -> %s", mp.Instance(), FlagList(mp.FlagsBefore), FlagList(mp.FlagsAfter)))
	}
	p.Command = strings.Join(ManualAuditCommands(dep, plans), "; ")
	return p
}

// ManualAuditCommands are the equivalent steps by hand, one per master
// that changes.
func ManualAuditCommands(dep string, plans []pks.MasterPlan) []string {
	var cmds []string
	for _, p := range plans {
		if p.NoChange() {
			continue
		}
		cmds = append(cmds, fmt.Sprintf("bosh -d %s ssh %s -c 'sudo cp -p /var/vcap/jobs/kube-apiserver/config/bpm.yml{,.bak} && sudo vi /var/vcap/jobs/kube-apiserver/config/bpm.yml && sudo /var/vcap/bosh/bin/monit restart kube-apiserver'", dep, p.Instance()))
	}
	return cmds
}

// FlagList is a flag map as a command line, sorted.
func FlagList(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("--" + k + "=" + m[k])
	}
	return b.String()
}

// ErrPlanChanged: the masters changed between the confirmation and the
// apply; nothing was changed.
var ErrPlanChanged = errors.New("the masters changed since the confirmation; nothing changed, review the new diff")

// ApplyAudit rolls the plans through the gate, one master at a time, on
// the session the plans were made on. Each master's outcome is recorded
// in the audit history and the action history as soon as it is known.
func (s *Session) ApplyAudit(ctx context.Context, sess *bosh.SSHSession, dep, cluster string, enable bool,
	plans []pks.MasterPlan, confirm Confirm, o pks.RollOptions) ([]pks.MasterResult, error) {
	plan := AuditPlan(dep, cluster, enable, plans)
	var results []pks.MasterResult
	info := s.Known()
	who := s.User + " via " + info.User
	_, err := s.Apply(ctx, plan, confirm, func(ctx context.Context, pr *Progress) (Result, error) {
		record := o.Record
		o.Record = func(r pks.MasterResult) {
			pr.Target(r.Instance, auditOutcome(r.Outcome))
			if s.Store != nil && info.UUID != "" {
				s.noteWrite("audit history", s.Store.RecordAudit(info.UUID, cache.AuditRecord{Deployment: dep, Master: r.Instance, Action: auditVerb(enable), At: r.At,
					Who: who, FlagsBefore: r.FlagsBefore, FlagsAfter: r.FlagsAfter, Outcome: r.Outcome, Detail: r.Detail, Backup: r.Backup}))
			}
			if record != nil {
				record(r)
			}
		}
		var err error
		results, err = pks.Roll(ctx, sess, plans, pks.DefaultLayout, o)
		res := Result{}
		for _, r := range results {
			res.Targets = append(res.Targets, cache.ActionTarget{Name: r.Instance, Outcome: auditOutcome(r.Outcome)})
		}
		if errors.Is(err, pks.ErrRollStopped) || (err != nil && ctx.Err() != nil) {
			res.Outcome, res.Detail = cache.OutcomeInterrupted, interruptedDetail(results, err)
		}
		return res, err
	})
	return results, err
}

// auditOutcome maps a master's roll outcome to the history's.
func auditOutcome(o string) cache.Outcome {
	switch o {
	case pks.OutcomeChanged:
		return cache.OutcomeApplied
	case pks.OutcomeUnchanged:
		return cache.OutcomeUnchanged
	case pks.OutcomeRolledBack:
		return cache.OutcomeRolledBack
	case pks.OutcomeRollbackFailed, pks.OutcomeFailed:
		return cache.OutcomeFailed
	}
	return "" // not reached
}

// interruptedDetail says what an interrupted roll did and did not do.
func interruptedDetail(results []pks.MasterResult, err error) string {
	var done, left []string
	for _, r := range results {
		switch r.Outcome {
		case pks.OutcomeNotReached:
			left = append(left, r.Instance)
		default:
			done = append(done, r.Instance+" "+r.Outcome)
		}
	}
	d := "interrupted: " + oneLine(err.Error())
	if len(done) > 0 {
		d += "; done: " + strings.Join(done, ", ")
	}
	if len(left) > 0 {
		d += "; not reached: " + strings.Join(left, ", ") + " (run the same command again to finish)"
	}
	return d
}

// lastDeploy is when the last deploy task on dep ended (now while one
// runs), and its id; zero when the director's recent tasks hold none. It
// reads the task list, which creates no task.
func (s *Session) lastDeploy(ctx context.Context, dep string) (time.Time, int) {
	if s.Client == nil {
		return time.Time{}, 0
	}
	tasks, err := s.Client.Tasks(ctx, bosh.TasksFilter{Recent: 50, Deployment: dep})
	if err != nil {
		return time.Time{}, 0
	}
	for _, t := range tasks { // newest first
		if t.Description != "create deployment" || t.State == bosh.TaskQueued {
			continue
		}
		if bosh.TaskRunning(t.State) {
			return time.Now(), t.ID
		}
		if t.State == bosh.TaskDone {
			// The director's times are whole seconds: a deploy that
			// ended in the second of bosun's record counts as after it.
			return t.FinishedAt.Add(time.Second - time.Nanosecond), t.ID
		}
	}
	return time.Time{}, 0
}
