package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
	"bosun/pks"
)

// auditKey opens the audit screen of a cluster's deployment. Opening it
// reads the flags and changes nothing.
func auditKey() key.Binding {
	return key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "audit flags"))
}

// auditKeys are the audit screen's keys: e and d toggle (they change the
// masters, so read-only mode disables them), v picks the level.
type auditKeys struct {
	Enable, Disable, Level, Reread key.Binding
}

func newAuditKeys(readOnly bool) auditKeys {
	return auditKeys{
		Enable:  mutating(key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "enable audit")), readOnly),
		Disable: mutating(key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "disable audit")), readOnly),
		Level:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "level")),
		Reread:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-read")),
	}
}

func (k auditKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Enable, k.Disable, k.Level, k.Reread}
}

func (k auditKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

var auditLevelChoices = []string{"Metadata", "Request", "RequestResponse", "None"}

// auditScreen shows every master's audit state and rolls a toggle with
// per-master progress.
type auditScreen struct {
	pageScreen
	keys        auditKeys
	confirmKeys auditConfirmKeys
	dep         string
	masters     []pks.MasterAudit
	history     []cache.AuditRecord
	err         error
	loading     bool
	level       int
	confirm     string // "enable" or "disable" while asking (audit_confirm.go)
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
	rollAction   string        // "enable" or "disable" while rolling
	stop         chan struct{} // closed to finish the master being changed and stop
	stopAsked    bool
	steps        map[string]string // master → latest step
	results      []pks.MasterResult
	rollErr      error
	ctx          context.Context
	cancel       context.CancelFunc
}

func newAuditScreen(c *common, dep string) *auditScreen {
	s := &auditScreen{pageScreen: newPage(c), dep: dep, steps: map[string]string{},
		keys: newAuditKeys(c.opts.ReadOnly), confirmKeys: newAuditConfirmKeys()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

func (s *auditScreen) Crumb() string             { return "audit" }
func (s *auditScreen) Close()                    { s.cancel() }
func (s *auditScreen) Err() error                { return s.err }
func (s *auditScreen) Toolbar() (string, string) { return "", "audit " + s.dep }
func (s *auditScreen) Init() tea.Cmd             { return s.load() }
func (s *auditScreen) Capturing() bool           { return s.confirm != "" }

func (s *auditScreen) Progress() string {
	switch {
	case s.rolling:
		return s.Running()
	case s.loading:
		return "reading the masters over SSH…"
	}
	return ""
}

func (s *auditScreen) load() tea.Cmd {
	s.loading = true
	return loadAuditStatus(s.ctx, s.c.opts.Audit, s.dep, s.sid)
}

// roll rolls the confirmed change; steps arrive as auditStepMsg. The
// roll has a context of its own: leaving the screen does not stop it,
// only StopAfterStep does, between two masters.
func (s *auditScreen) roll(enable bool) tea.Cmd {
	s.rolling, s.results, s.rollErr, s.steps = true, nil, nil, map[string]string{}
	s.rollAction, s.stop, s.stopAsked = map[bool]string{true: "enable", false: "disable"}[enable], make(chan struct{}), false
	level, plans := s.confirmLevel, s.plans
	s.endConfirm()
	return rollAudit(context.Background(), s.c.opts.Audit, s.dep, enable, level, plans, s.stop, s.sid)
}

// Running says which master is being changed and which are left.
func (s *auditScreen) Running() string {
	if !s.rolling {
		return ""
	}
	var now, left []string
	for _, m := range s.masters {
		switch step := s.steps[m.Instance]; step {
		case "":
			left = append(left, shortInstance(m.Instance))
		case "changed", "unchanged", "rolled back", "rollback failed", "failed, unchanged":
		default:
			now = append(now, shortInstance(m.Instance)+" "+step)
		}
	}
	out := fmt.Sprintf("audit %s of %s", s.rollAction, s.dep)
	if len(now) > 0 {
		out += ": " + strings.Join(now, ", ")
	}
	if len(left) > 0 {
		out += "; left: " + strings.Join(left, ", ")
	}
	if s.stopAsked {
		out += " (stopping after this master)"
	}
	return out
}

// StopAfterStep asks the roll to finish the master it is on and stop.
func (s *auditScreen) StopAfterStep() {
	if s.rolling && !s.stopAsked {
		s.stopAsked = true
		close(s.stop)
	}
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
	switch k := s.keys; {
	case key.Matches(m, k.Reread):
		return tea.Batch(s.load(), wantInfo)
	case key.Matches(m, k.Level):
		s.level = (s.level + 1) % len(auditLevelChoices)
	case key.Matches(m, k.Enable):
		return s.ask("enable")
	case key.Matches(m, k.Disable):
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
	// The note (a roll's progress, an error) goes beside its master when
	// it fits, else on a line of its own under it, wrapped.
	const noteAt = 16 + 5 + 16 + 10 + 18 + 6 + 6
	beside := s.width >= noteAt+1+30
	title := fmt.Sprintf("%-16s %-5s %-16s %-10s %-18s %-6s", "MASTER", "AUDIT", "LEVEL", "MAX A/B/S", "PROCESS", "DRIFT")
	if beside {
		title += " NOTE"
	}
	lines = append(lines, title)
	for _, m := range s.masters {
		on, drift, note := m.Cells()
		if step := s.steps[m.Instance]; step != "" {
			note = "roll: " + step
		}
		f := m.Flags
		line := fmt.Sprintf("%-16s %-5s %-16s %-10s %-18s %-6s", shortInstance(m.Instance), on, orDash(m.PolicyLevel),
			orDash(f["audit-log-maxage"])+"/"+orDash(f["audit-log-maxbackup"])+"/"+orDash(f["audit-log-maxsize"]),
			orDash(m.ProcessState), drift)
		rows := []string{line}
		switch {
		case note == "":
		case beside:
			parts := wrapText(oneLineText(note), max(s.width-noteAt-1, 10), "")
			rows[0] += " " + parts[0]
			for _, p := range parts[1:] {
				rows = append(rows, spaces(noteAt+1)+p)
			}
		default:
			rows = append(rows, wrapText("  "+oneLineText(note), max(s.width, 20), "    ")...)
		}
		for _, r := range rows {
			if m.Error != "" || m.Drift {
				r = st.role(roleErr).apply(r)
			}
			lines = append(lines, r)
		}
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

// KeyMap is the confirmation's keys while it is up.
func (s *auditScreen) KeyMap() help.KeyMap {
	if s.confirm != "" {
		return auditConfirmKeyMap(s.confirmKeys, s.planning, s.name != nil)
	}
	return s.keys
}
