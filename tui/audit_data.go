package tui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
	"bosun/pks"
)

// The audit screen's and the AUDIT column's data: the interfaces they
// read through and the commands that call them.

// Auditor reads and toggles a cluster's kube-apiserver audit flags over
// SSH (pks.Status, pks.Plan and pks.Roll behind the director's SSH setup).
type Auditor interface {
	AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error)
	// AuditPlan is the per-master change of an enable or disable, the
	// dry run's pks.Plan; it changes nothing.
	AuditPlan(ctx context.Context, dep string, enable bool, level string) ([]pks.MasterPlan, error)
	// AuditToggle rolls the change, refusing when the masters no longer
	// match the confirmed plan.
	// Closing stop finishes the master being changed and stops.
	AuditToggle(ctx context.Context, dep string, enable bool, level string, confirmed []pks.MasterPlan, stop <-chan struct{}, progress func(pks.RollStep)) ([]pks.MasterResult, error)
	// AuditHistory is the cluster's recorded changes, newest first.
	AuditHistory(dep string) ([]cache.AuditRecord, error)
}

// Messages of the audit screen.

type auditStatusMsg struct {
	screen  int
	masters []pks.MasterAudit
	history []cache.AuditRecord
	err     error
}

func (m auditStatusMsg) target() int { return m.screen }

type auditStepMsg struct {
	screen int
	step   pks.RollStep
	next   tea.Cmd
}

func (m auditStepMsg) target() int { return m.screen }

type auditDoneMsg struct {
	screen  int
	results []pks.MasterResult
	err     error
}

func (m auditDoneMsg) target() int { return m.screen }

// auditPlanMsg carries the planned change for the confirmation.
type auditPlanMsg struct {
	screen int
	gen    int
	plans  []pks.MasterPlan
	err    error
}

func (m auditPlanMsg) target() int { return m.screen }

// loadAuditStatus reads every master's audit flags and the recorded
// changes.
func loadAuditStatus(ctx context.Context, a Auditor, dep string, screen int) tea.Cmd {
	return func() tea.Msg {
		ms, err := a.AuditStatus(ctx, dep)
		hist, _ := a.AuditHistory(dep) // the history is a courtesy; status stands without it
		return auditStatusMsg{screen: screen, masters: ms, history: hist, err: err}
	}
}

// planAudit works out the per-master change of an enable or disable.
func planAudit(ctx context.Context, a Auditor, dep string, enable bool, level string, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		plans, err := a.AuditPlan(ctx, dep, enable, level)
		return auditPlanMsg{screen: screen, gen: gen, plans: plans, err: err}
	}
}

// rollAudit rolls the confirmed change on its own goroutine; steps
// arrive as auditStepMsg, the end as auditDoneMsg.
func rollAudit(ctx context.Context, a Auditor, dep string, enable bool, level string, plans []pks.MasterPlan, stop <-chan struct{}, screen int) tea.Cmd {
	steps := make(chan pks.RollStep, 64)
	done := make(chan auditDoneMsg, 1)
	go func() {
		res, err := a.AuditToggle(ctx, dep, enable, level, plans, stop, func(st pks.RollStep) { steps <- st })
		done <- auditDoneMsg{screen: screen, results: res, err: err}
	}()
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case st := <-steps:
			return auditStepMsg{screen: screen, step: st, next: wait}
		case m := <-done:
			for {
				select {
				case st := <-steps:
					_ = st // steps after the end add nothing the results do not say
				default:
					return m
				}
			}
		}
	}
	return wait
}

// AuditHistory is the part of the cache that keeps the audit changes
// bosun made. The Options.Cache value is used for it when it implements
// it (*cache.Store does).
type AuditHistory interface {
	LastAudit(uuid, dep string) (map[string]cache.AuditRecord, error)
}

// auditHistory is the cache's audit part, nil when there is none.
func (c *common) auditHistory() AuditHistory {
	return c.opts.Data.AuditHistory
}

// clusterAuditMsg: the audit state of the cluster deployments, as bosun
// last left their masters ("on", "off", "mixed"; absent: no record).
type clusterAuditMsg struct {
	screen int
	uuid   string
	states map[string]string
	err    error
}

func (m clusterAuditMsg) target() int { return m.screen }

// loadClusterAudit reads the last audit change of each deployment.
func loadClusterAudit(h AuditHistory, uuid string, deps []string, screen int) tea.Cmd {
	return func() tea.Msg {
		states := map[string]string{}
		for _, dep := range deps {
			last, err := h.LastAudit(uuid, dep)
			if err != nil {
				return clusterAuditMsg{screen: screen, uuid: uuid, err: fmt.Errorf("read audit history: %w", err)}
			}
			var flags []map[string]string
			for _, r := range last {
				flags = append(flags, r.FlagsAfter)
			}
			if st := pks.AuditState(flags); st != "" {
				states[dep] = st
			}
		}
		return clusterAuditMsg{screen: screen, uuid: uuid, states: states}
	}
}
