package tui

import (
	"fmt"
	"strings"

	"bosun/bosh"
	"bosun/cache"
)

func (s *lifecycleScreen) View() string {
	w, h := max(s.width, 20), max(s.height, 3)
	st := &s.c.styles
	var lines []string
	switch s.phase {
	case lcPlanning:
		lines = append(lines, st.role(roleFaint).apply(truncate("working out the plan of "+s.action+" "+s.scopes[s.scope].label+"…", w)))
	case lcFailed:
		// A lock names the task that holds it: the reason wraps, never cut.
		lines = append(lines, wrapRole(st, roleErr, s.action+" cannot start: "+oneLineText(errText(s.err)), w)...)
		lines = append(lines, "", st.role(roleFaint).apply("nothing changed · esc goes back"))
	case lcConfirming:
		lines = append(lines, s.confirmLines(w)...)
	case lcRunning:
		title := fmt.Sprintf("%s %s: starting the task…", s.action, s.scopes[s.scope].label)
		if s.taskID != 0 {
			title = fmt.Sprintf("%s %s: task %d", s.action, s.scopes[s.scope].label, s.taskID)
		}
		lines = append(lines, st.role(roleBold).apply(truncate(title, w)))
		if s.asking {
			lines = append(lines, "", st.role(roleBold).apply(truncate(fmt.Sprintf("Cancel task %d?", s.taskID), w)),
				truncate(fmt.Sprintf("  The director stops the %s at its next checkpoint; instances already done stay so.", s.action), w),
				"  Equivalent: "+st.role(roleFaint).apply(fmt.Sprintf("bosh cancel-task %d", s.taskID)),
				st.role(roleWarn).apply(truncate("y: cancel the task   N/enter/esc: leave it running", w)), "")
		}
		lines = append(lines, taskEventLines(s.events, w, h-len(lines))...)
	case lcDone:
		lines = append(lines, s.doneLines(w, h)...)
	}
	return fitLines(strings.Join(lines, "\n"), w, h)
}

// confirmLines are the plan: what the action does, the instances in the
// director's order, the equivalent command, the scope; default No.
func (s *lifecycleScreen) confirmLines(w int) []string {
	st := &s.c.styles
	n := 0
	for _, b := range s.batches {
		n += len(b.Instances)
	}
	out := []string{st.role(roleBold).apply(truncate(fmt.Sprintf("%s %d instance(s) of %s?", capitalize(s.action), n, s.dep), w))}
	for _, line := range s.steps {
		out = append(out, wrapText("  "+line, w, "     ")...)
	}
	out = append(out, "")
	out = append(out, wrapText("equivalent: "+s.request().Command(), w, "  ")...)
	var scopes []string
	for i, sc := range s.scopes {
		if i == s.scope {
			scopes = append(scopes, "["+sc.label+"]")
		} else {
			scopes = append(scopes, sc.label)
		}
	}
	out = append(out, st.role(roleFaint).apply(truncate("on: "+strings.Join(scopes, " · ")+"  (tab)", w)))
	if s.name != nil {
		return append(out, "", s.name.View(w, st.role(roleAccent)),
			st.role(roleWarn).apply(truncate("production: enter applies if the name matches · esc cancels", w)))
	}
	return append(out, "", st.role(roleWarn).apply(truncate("y applies · n, enter or esc cancels (default: No)", w)))
}

// doneLines are the outcome, then each instance's state, VM CID and VM
// age after the task, with the VM it had before.
func (s *lifecycleScreen) doneLines(w, h int) []string {
	st := &s.c.styles
	r := roleOK
	switch s.outcome {
	case cache.OutcomeFailed, cache.OutcomeRefused:
		r = roleErr
	case cache.OutcomeInterrupted, cache.OutcomeUnchanged:
		r = roleWarn
	}
	title := fmt.Sprintf("%s %s: %s", s.action, s.scopes[s.scope].label, s.outcome)
	if s.taskID != 0 {
		title += fmt.Sprintf(" (task %d)", s.taskID)
	}
	out := []string{st.role(r).apply(truncate(title, w))}
	if s.err != nil {
		out = append(out, wrapText(errText(s.err), w, "  ")...)
		if s.action == bosh.ActionRecreate && !s.fix && strings.Contains(errText(s.err), "Timed out sending") {
			out = append(out, wrapText("the agent does not answer: recreate again with --fix (F in the confirmation), which replaces VMs whose agent is silent", w, "  ")...)
		}
	} else if s.detail != "" {
		out = append(out, wrapText(oneLineText(s.detail), w, "  ")...)
	}
	out = append(out, "")
	switch {
	case s.refErr != nil:
		out = append(out, wrapRole(st, roleErr, "could not read the instances again: "+oneLineText(errText(s.refErr)), w)...)
	case s.after == nil:
		out = append(out, st.role(roleFaint).apply(truncate("reading the instances again…", w)))
	default:
		out = append(out, st.role(roleBold).apply(fit(fmt.Sprintf("%-28s %-16s %-40s %-7s %s", "INSTANCE", "STATE", "VM CID", "AGE", "BEFORE"), w, false)))
		for i := range s.after {
			out = append(out, s.afterLine(&s.after[i], w))
		}
	}
	// The events stay below, as much as fits.
	out = append(out, "")
	return append(out, taskEventLines(s.events, w, h-len(out)-1)...)
}

// afterLine is one instance after the task: state, VM CID, the VM's age
// and the VM it had before when that changed.
func (s *lifecycleScreen) afterLine(in *bosh.Instance, w int) string {
	st := &s.c.styles
	l := instanceLook(in)
	cid, was := in.VMCID, ""
	if cid == "" {
		cid = "-"
	}
	if old, ok := s.before[in.Name]; ok && old.VMCID != in.VMCID && old.VMCID != "" {
		was = "was " + old.VMCID
	}
	age := "-"
	if !in.VMCreatedAt.IsZero() {
		age = cache.Age(in.VMCreatedAt, s.c.now())
	}
	state := st.role(l.role).apply(fmt.Sprintf("%-16s", truncate(l.String(), 16)))
	line := fmt.Sprintf("%-28s %s %-40s %-7s %s", truncate(instanceLabel(in), 28), state, truncate(cid, 40), age, was)
	return truncateANSI(line, w)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
