package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/pks"
)

// The audit confirmation: e or d works out the per-master change with
// the dry run's pks.Plan, then shows its diff (bpm.yml and the policy) in
// a window that scrolls with the arrow keys, the equivalent manual
// commands, and asks: y (default No), or in an environment marked
// production the cluster's deployment name typed exactly, then enter.

// auditConfirmKeys are the confirmation's keys: the diff scrolls, y
// applies and any other key refuses (default No); in production the
// typed name and enter apply instead of y.
type auditConfirmKeys struct {
	Scroll key.Binding
	Yes    key.Binding
	No     key.Binding
	Name   nameKeys
}

func newAuditConfirmKeys() auditConfirmKeys {
	return auditConfirmKeys{
		Scroll: key.NewBinding(key.WithKeys("up", "down", "pgup", "pgdown", "home", "end"),
			key.WithHelp("↑↓ pgup pgdn", "scroll the diff")),
		Yes:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:   key.NewBinding(key.WithKeys("n", "esc", "enter"), key.WithHelp("N", "no")),
		Name: defaultNameKeys(),
	}
}

// auditConfirmKeyMap is the key map of the confirmation's step: esc
// while the plan is read, then the answer (y, or the typed name).
func auditConfirmKeyMap(k auditConfirmKeys, planning, named bool) help.KeyMap {
	switch {
	case planning:
		return keyList{k.No}
	case named:
		return keyList{k.Scroll, k.Name.Apply, k.Name.Cancel}
	}
	return keyList{k.Scroll, k.Yes, k.No}
}

// auditConfirmFixed is the confirmation's height besides the diff window
// and the typed name's line.
const auditConfirmFixed = 11

// ask starts a confirmation of action ("enable" or "disable"): the plan
// is read from the masters first.
func (s *auditScreen) ask(action string) tea.Cmd {
	s.planGen++
	s.confirm, s.planning, s.plans, s.diff, s.diffTop, s.name = action, true, nil, nil, 0, nil
	s.confirmLevel = auditLevelChoices[s.level]
	return planAudit(s.ctx, s.c.opts.Audit, s.dep, action == "enable", s.confirmLevel, s.sid, s.planGen)
}

// planned shows the diff, or closes the confirmation when there is
// nothing to confirm.
func (s *auditScreen) planned(m auditPlanMsg) tea.Cmd {
	if m.gen != s.planGen || s.confirm == "" {
		return nil
	}
	s.planning = false
	if m.err != nil {
		s.endConfirm()
		return status("cannot work out the audit change: "+m.err.Error(), true)
	}
	s.plans, s.diff = m.plans, planDiffLines(m.plans)
	if changing(m.plans) == 0 {
		action := s.confirm
		s.endConfirm()
		return status("audit "+action+": every master is already as asked; nothing to do", false)
	}
	if s.c.opts.Production {
		s.name = newNameConfirm(s.dep)
	}
	return nil
}

func (s *auditScreen) endConfirm() {
	s.planGen++
	s.confirm, s.planning, s.plans, s.diff, s.name = "", false, nil, nil, nil
}

// changing counts the masters the plan changes.
func changing(plans []pks.MasterPlan) int {
	n := 0
	for _, p := range plans {
		if !p.NoChange() {
			n++
		}
	}
	return n
}

// planDiffLines is every master's diff, as `bosun audit --dry-run`
// prints it.
func planDiffLines(plans []pks.MasterPlan) []string {
	var lines []string
	for _, p := range plans {
		if p.NoChange() {
			lines = append(lines, "== "+p.Instance()+": already as asked, no change")
			continue
		}
		lines = append(lines, "== "+p.Instance())
		lines = append(lines, strings.Split(strings.TrimSuffix(pks.PlanDiff(p), "\n"), "\n")...)
	}
	return lines
}

// confirmKey handles a key while the confirmation is up.
func (s *auditScreen) confirmKey(m tea.KeyMsg) tea.Cmd {
	action := s.confirm
	refused := func(why string) tea.Cmd {
		s.endConfirm()
		return status("audit "+action+" "+why+"; nothing changed", why != "not confirmed")
	}
	k := s.confirmKeys
	if s.planning {
		if key.Matches(m, k.No) {
			return refused("not confirmed")
		}
		return nil
	}
	if key.Matches(m, k.Scroll) {
		s.scroll(m)
		return nil
	}
	if s.name != nil {
		switch s.name.key(m) {
		case nameMatched:
			return s.roll(action == "enable")
		case nameWrong:
			return refused(fmt.Sprintf("refused: %q is not the name %s", s.name.typed(), s.dep))
		case nameCanceled:
			return refused("not confirmed")
		}
		return nil
	}
	if key.Matches(m, k.Yes) {
		return s.roll(action == "enable")
	}
	return refused("not confirmed")
}

// scroll moves the diff window by the scroll key m.
func (s *auditScreen) scroll(m tea.KeyMsg) {
	switch m.Type {
	case tea.KeyUp:
		s.diffTop--
	case tea.KeyDown:
		s.diffTop++
	case tea.KeyPgUp:
		s.diffTop -= s.diffRoom()
	case tea.KeyPgDown:
		s.diffTop += s.diffRoom()
	case tea.KeyHome:
		s.diffTop = 0
	case tea.KeyEnd:
		s.diffTop = len(s.diff)
	}
}

// diffRoom is the height of the diff window.
func (s *auditScreen) diffRoom() int {
	fixed := auditConfirmFixed
	if s.name != nil {
		fixed++
	}
	return max(s.height-fixed, 3)
}

// confirmView is the confirmation filling the screen.
func (s *auditScreen) confirmView() []string {
	st := s.c.styles
	lines := []string{fmt.Sprintf("kube-apiserver audit flags of %s", s.dep), ""}
	if s.planning {
		return append(lines, "reading bpm.yml and the policy on every master to work out the change…", "esc cancels")
	}
	what := strings.ToUpper(s.confirm[:1]) + s.confirm[1:] + " audit logging"
	if s.confirm == "enable" {
		what += " (level " + s.confirmLevel + ")"
	}
	lines = append(lines, st.role(roleErr).apply(fmt.Sprintf("%s on %d of %d masters?", what, changing(s.plans), len(s.plans))))
	room := s.diffRoom()
	s.diffTop = min(max(s.diffTop, 0), max(len(s.diff)-room, 0))
	end := min(s.diffTop+room, len(s.diff))
	lines = append(lines, fmt.Sprintf("diff, lines %d-%d of %d (↑↓ pgup pgdn home end scroll):", s.diffTop+1, end, len(s.diff)))
	for _, l := range s.diff[s.diffTop:end] {
		switch {
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			l = st.role(roleOK).apply(l)
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			l = st.role(roleErr).apply(l)
		case strings.HasPrefix(l, "=="):
			l = st.role(roleBold).apply(l)
		}
		lines = append(lines, "  "+l)
	}
	if more := len(s.diff) - end; more > 0 {
		lines = append(lines, st.role(roleFaint).apply(fmt.Sprintf("  +%d more lines", more)))
	}
	lines = append(lines,
		"one master at a time, kube-apiserver restarts; by hand per master:",
		"  bosh -d "+s.dep+" ssh master/ID",
		"  sudo vi /var/vcap/jobs/kube-apiserver/config/bpm.yml",
		"  sudo /var/vcap/bosh/bin/monit restart kube-apiserver",
		"a later bosh deploy or tkgi update-cluster reverts it (status marks it)")
	if s.name != nil {
		lines = append(lines, s.name.View(s.width, st.role(roleAccent)), "enter applies if the name matches · esc cancels")
	} else {
		lines = append(lines, st.role(roleErr).apply("apply? [y/N]"))
	}
	return lines
}
