package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
	"bosun/pks"
)

// Auditor reads and toggles a cluster's kube-apiserver audit flags over
// SSH (pks.Status, pks.Plan and pks.Roll behind the director's SSH setup).
type Auditor interface {
	AuditStatus(ctx context.Context, dep string) ([]pks.MasterAudit, error)
	// AuditPlan is the per-master change of an enable or disable, the
	// dry run's pks.Plan; it changes nothing.
	AuditPlan(ctx context.Context, dep string, enable bool, level string) ([]pks.MasterPlan, error)
	// AuditToggle rolls the change, refusing when the masters no longer
	// match the confirmed plan.
	AuditToggle(ctx context.Context, dep string, enable bool, level string, confirmed []pks.MasterPlan, progress func(pks.RollStep)) ([]pks.MasterResult, error)
	// AuditHistory is the cluster's recorded changes, newest first.
	AuditHistory(dep string) ([]cache.AuditRecord, error)
}

// auditKeys are the audit bindings: A opens the screen from a cluster's
// instances; on it e and d toggle (mutating), v picks the level.
var auditKeys = struct {
	Open, Enable, Disable, Level, Yes, No key.Binding
}{
	Open:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "audit flags")),
	Enable:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "enable audit")),
	Disable: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "disable audit")),
	Level:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "level")),
	Yes:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
	No:      key.NewBinding(key.WithKeys("n", "esc", "enter"), key.WithHelp("N", "no")),
}

// auditActions lists the audit key among the screen actions; e and d are
// the audit screen's own keys, off in read-only mode.
func auditActions() []Action { return []Action{{Binding: auditKeys.Open}} }

var auditLevelChoices = []string{"Metadata", "Request", "RequestResponse", "None"}

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

// auditScreen shows every master's audit state and rolls a toggle with
// per-master progress.
type auditScreen struct {
	pageScreen
	dep     string
	masters []pks.MasterAudit
	history []cache.AuditRecord
	err     error
	loading bool
	level   int
	confirm string // "enable" or "disable" while asking (audit_confirm.go)
	// the confirmation: the plan being read or shown, its diff scrolled
	// to diffTop, the typed name in production
	planning     bool
	planGen      int
	plans        []pks.MasterPlan
	confirmLevel string
	diff         []string
	diffTop      int
	name         *nameConfirm
	rolling      bool
	steps        map[string]string // master → latest step
	results      []pks.MasterResult
	rollErr      error
	ctx          context.Context
	cancel       context.CancelFunc
}

func newAuditScreen(c *common, dep string) *auditScreen {
	s := &auditScreen{pageScreen: newPage(c), dep: dep, steps: map[string]string{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func (s *auditScreen) Crumb() string             { return "audit" }
func (s *auditScreen) Close()                    { s.cancel() }
func (s *auditScreen) Err() error                { return s.err }
func (s *auditScreen) Toolbar() (string, string) { return "", "audit " + s.dep }
func (s *auditScreen) Init() tea.Cmd             { return s.load() }
func (s *auditScreen) Capturing() bool           { return s.confirm != "" }

// binding is e or d, disabled in read-only mode: toggles change the masters.
func (s *auditScreen) binding(b key.Binding) key.Binding {
	b.SetEnabled(!s.c.opts.ReadOnly)
	return b
}

func (s *auditScreen) Progress() string {
	switch {
	case s.rolling:
		return "rolling the audit change…"
	case s.loading:
		return "reading the masters over SSH…"
	}
	return ""
}

func (s *auditScreen) load() tea.Cmd {
	s.loading = true
	a, dep, ctx, id := s.c.opts.Audit, s.dep, s.ctx, s.sid
	return func() tea.Msg {
		ms, err := a.AuditStatus(ctx, dep)
		hist, _ := a.AuditHistory(dep) // the history is a courtesy; status stands without it
		return auditStatusMsg{screen: id, masters: ms, history: hist, err: err}
	}
}

// roll runs the toggle on its own goroutine; steps arrive as auditStepMsg.
func (s *auditScreen) roll(enable bool) tea.Cmd {
	s.rolling, s.results, s.rollErr, s.steps = true, nil, nil, map[string]string{}
	a, dep, ctx, id, level, plans := s.c.opts.Audit, s.dep, s.ctx, s.sid, s.confirmLevel, s.plans
	s.endConfirm()
	steps := make(chan pks.RollStep, 64)
	done := make(chan auditDoneMsg, 1)
	go func() {
		res, err := a.AuditToggle(ctx, dep, enable, level, plans, func(st pks.RollStep) { steps <- st })
		done <- auditDoneMsg{screen: id, results: res, err: err}
	}()
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case st := <-steps:
			return auditStepMsg{screen: id, step: st, next: wait}
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

func (s *auditScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case auditStatusMsg:
		s.loading, s.masters, s.history, s.err = false, m.masters, m.history, m.err
	case auditPlanMsg:
		return s.planned(m)
	case auditStepMsg:
		s.steps[m.step.Instance] = m.step.Step
		return m.next
	case auditDoneMsg:
		s.rolling, s.results, s.rollErr = false, m.results, m.err
		return s.load()
	case tea.KeyMsg:
		return s.key(m)
	}
	return nil
}

func (s *auditScreen) key(m tea.KeyMsg) tea.Cmd {
	if s.confirm != "" {
		return s.confirmKey(m)
	}
	if s.rolling {
		return nil
	}
	switch {
	case key.Matches(m, s.c.keys.Refresh):
		return s.load()
	case key.Matches(m, auditKeys.Level):
		s.level = (s.level + 1) % len(auditLevelChoices)
	case key.Matches(m, s.binding(auditKeys.Enable)):
		return s.ask("enable")
	case key.Matches(m, s.binding(auditKeys.Disable)):
		return s.ask("disable")
	}
	return nil
}

func (s *auditScreen) View() string {
	if s.confirm != "" {
		return s.fit(s.confirmView())
	}
	st := s.c.styles
	lines := []string{fmt.Sprintf("kube-apiserver audit flags of %s", s.dep), ""}
	lines = append(lines, fmt.Sprintf("%-16s %-5s %-16s %-10s %-18s %-6s %s", "MASTER", "AUDIT", "LEVEL", "MAX A/B/S", "PROCESS", "DRIFT", "NOTE"))
	for _, m := range s.masters {
		on, drift, note := m.Cells()
		if step := s.steps[m.Instance]; step != "" {
			note = "roll: " + step
		}
		f := m.Flags
		line := fmt.Sprintf("%-16s %-5s %-16s %-10s %-18s %-6s %s", shortInstance(m.Instance), on, orDash(m.PolicyLevel),
			orDash(f["audit-log-maxage"])+"/"+orDash(f["audit-log-maxbackup"])+"/"+orDash(f["audit-log-maxsize"]),
			orDash(m.ProcessState), drift, note)
		if m.Error != "" || m.Drift {
			line = st.role(roleErr).apply(line)
		}
		lines = append(lines, line)
	}
	switch {
	case s.err != nil:
		lines = append(lines, "", st.role(roleErr).apply("cannot read the masters: "+s.err.Error()))
	case s.loading && len(s.masters) == 0:
		lines = append(lines, "", "reading bpm.yml, the policy and monit on every master over SSH…")
	}
	if len(s.masters) > 0 {
		if p := s.masters[0].Flags["audit-log-path"]; p != "" {
			lines = append(lines, "", "log path "+p)
		}
	}
	if len(s.results) > 0 || s.rollErr != nil {
		lines = append(lines, "", "last roll:")
		for _, r := range s.results {
			lines = append(lines, fmt.Sprintf("  %-16s %s %s", shortInstance(r.Instance), r.Outcome, r.Detail))
		}
		if s.rollErr != nil {
			lines = append(lines, "  "+st.role(roleErr).apply(s.rollErr.Error()))
		}
	}
	if len(s.history) > 0 {
		lines = append(lines, "", "history:")
		for i, r := range s.history {
			if i == 6 {
				break
			}
			lines = append(lines, fmt.Sprintf("  %s  %-7s %-16s %-15s %s", r.At.Local().Format("2006-01-02 15:04"), r.Action,
				shortInstance(r.Master), r.Outcome, r.Who))
		}
	}
	lines = append(lines, "", "level for enable: "+st.role(roleAccent).apply(auditLevelChoices[s.level])+"  (v to change)")
	return s.fit(lines)
}

// fit cuts lines to the screen and pads them to its height.
func (s *auditScreen) fit(lines []string) string {
	for i := range lines {
		lines[i] = truncateANSI(lines[i], s.width)
	}
	for len(lines) < s.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:max(s.height, 1)], "\n")
}

// shortInstance is "master/88d61cef" for "master/<uuid>".
func shortInstance(name string) string {
	g, id, ok := strings.Cut(name, "/")
	if ok && len(id) > 8 {
		return g + "/" + id[:8]
	}
	return name
}

func (s *auditScreen) ShortHelp() []key.Binding {
	if s.confirm != "" {
		return s.confirmHelp()
	}
	return []key.Binding{s.binding(auditKeys.Enable), s.binding(auditKeys.Disable), auditKeys.Level, withHelp(s.c.keys.Refresh, "re-read"), s.c.keys.Back, s.c.keys.Help}
}

// actionBinding is a screen action's binding as it stands in the key map
// (disabled in read-only mode when mutating; disabled when absent).
func (c *common) actionBinding(b key.Binding) key.Binding {
	for _, a := range c.keys.Actions {
		if a.Binding.Help() == b.Help() {
			return a.Binding
		}
	}
	off := b
	off.SetEnabled(false)
	return off
}

// auditKey handles A on a cluster's instance screens: the audit screen.
func (m *Model) auditKey(t screen, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, m.c.actionBinding(auditKeys.Open)) {
		return nil, false
	}
	dep := ""
	switch s := t.(type) {
	case *instancesScreen:
		if s.editing {
			return nil, false
		}
		if s.set.Len() > 0 {
			dep = s.set.at(s.tbl.Cursor()).in.Deployment
		}
	case *processesScreen:
		dep = s.dep
	default:
		return nil, false
	}
	switch {
	case !strings.HasPrefix(dep, "service-instance_"):
		return status("audit flags are for PKS clusters (service-instance_… deployments)", true), true
	case m.c.opts.Audit == nil || !m.c.online():
		return status("offline: audit flags need the director and SSH", true), true
	}
	return pushScreen(newAuditScreen(m.c, dep), false), true
}
