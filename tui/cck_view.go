package tui

import (
	"fmt"
	"strings"

	"bosun/bosh"
	"bosun/cache"
)

// View draws the history line, then the task's progress, the problems as
// expected against actual, or the confirmation.
func (s *cckScreen) View() string {
	w, h := max(s.width, 20), max(s.height, 3)
	st := &s.c.styles
	faint := st.role(roleFaint)
	// The last scan's outcome may be why the deployment needs a look (a
	// lock names its task): it wraps, never cut.
	lines := append(wrapRole(st, roleFaint, oneLineText(s.historyLine()), w), "")
	switch s.phase {
	case cckScanning, cckApplying:
		title := "scanning " + s.dep + "…"
		if s.phase == cckApplying {
			title = "applying resolutions to " + s.dep + "…"
		}
		lines = append(lines, st.role(roleBold).apply(truncate(title, w)))
		lines = append(lines, s.eventLines(w, h-len(lines))...)
	case cckFailed:
		lines = append(lines, wrapRole(st, roleErr, "cloud-check failed: "+oneLineText(errText(s.err)), w)...)
		lines = append(lines, "", faint.apply("r scans again · esc goes back"))
	case cckConfirming:
		lines = append(lines, s.confirmLines(w)...)
	default:
		lines = append(lines, s.problemLines(w, h-len(lines))...)
	}
	return fitLines(strings.Join(lines, "\n"), w, h)
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// historyLine is the cached history in one line: "last scan 2h ago: 3
// problems; resolved 2 by admin at 14:02".
func (s *cckScreen) historyLine() string {
	var scan, res *cache.CCKRecord
	for i := range s.history {
		r := &s.history[i]
		if r.Kind == cache.CCKScan && scan == nil {
			scan = r
		}
		if r.Kind == cache.CCKResolve && res == nil {
			res = r
		}
	}
	if scan == nil && res == nil {
		return "no cloud-check of " + s.dep + " in the history yet"
	}
	var parts []string
	if scan != nil {
		parts = append(parts, "last scan "+cache.Age(scan.At, s.c.now())+" ago: "+strings.TrimPrefix(scan.Summary(), "scan: "))
	}
	if res != nil {
		parts = append(parts, res.Summary()+" at "+res.At.Local().Format("15:04"))
	}
	return strings.Join(parts, "; ")
}

// eventLines shows the last steps of the running task, newest last.
func (s *cckScreen) eventLines(w, room int) []string { return taskEventLines(s.events, w, room) }

// taskEventLines shows the last steps of a task, newest last; a step's
// finished (or failed) line replaces its started line.
func taskEventLines(events []bosh.TaskEvent, w, room int) []string {
	type entry struct {
		key, text string
		open      bool
	}
	var list []entry
	for _, ev := range events {
		step := oneLineText(ev.Task)
		key := ev.Stage + "\x00" + step
		var e entry
		switch ev.State {
		case "started":
			e = entry{key, "  " + ev.Stage + " › " + step + " …", true}
		case "finished":
			e = entry{key, "  " + ev.Stage + " › " + step + " ✓", false}
		case "failed":
			e = entry{key, "  " + ev.Stage + " › " + step + " ✗ " + oneLineText(ev.Error), false}
		case "error":
			e = entry{"", "  task error: " + oneLineText(ev.Error), false}
		default:
			continue
		}
		if n := len(list); n > 0 && !e.open && list[n-1].open && list[n-1].key == key {
			list[n-1] = e
			continue
		}
		list = append(list, e)
	}
	if room > 0 && len(list) > room {
		list = list[len(list)-room:]
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = truncate(e.text, w)
	}
	return out
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// problemLines draws the problems, keeping the cursor's block in view.
func (s *cckScreen) problemLines(w, room int) []string {
	st := &s.c.styles
	var head []string
	if s.outcome != "" {
		r := roleOK
		if s.err != nil {
			r = roleErr
		}
		head = append(head, wrapRole(st, r, oneLineText(s.outcome), w)...)
	}
	if s.err != nil {
		head = append(head, wrapRole(st, roleErr, oneLineText(errText(s.err)), w)...)
	}
	if len(s.probs) == 0 {
		return append(head, wrapRole(st, roleOK, s.dep+": no problems — the director's record matches what is there", w)...)
	}
	room -= len(head)
	// Blocks wrap their long values, so their heights differ: start at
	// the first block that still lets the one under the cursor show.
	blocks := make([][]string, len(s.probs))
	for i := range s.probs {
		blocks[i] = s.problemBlock(i, w)
	}
	first, used := 0, 0
	for i := 0; i <= s.cursor && i < len(blocks); i++ {
		used += len(blocks[i])
	}
	for used > room && first < s.cursor {
		used -= len(blocks[first])
		first++
	}
	out := head
	for i := first; i < len(blocks) && (i <= s.cursor || len(out)-len(head)+len(blocks[i]) <= room); i++ {
		out = append(out, blocks[i]...)
	}
	return out
}

// wrapRole wraps text to w cells in the colour of a role.
func wrapRole(st *Styles, r role, text string, w int) []string {
	lines := wrapText(text, w, "  ")
	for i, l := range lines {
		lines[i] = st.role(r).apply(l)
	}
	return lines
}

// labelled is "    label: value" with the value wrapped under itself, so
// a long expected or found state is read whole.
func labelled(label, value string, w int, paint func(string) string) []string {
	const lead = 16
	parts := wrapText(oneLineText(value), max(w-lead, 8), "")
	if len(parts) == 0 {
		parts = []string{""}
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		prefix := spaces(lead)
		if i == 0 {
			prefix = fmt.Sprintf("    %-12s", label+":")
		}
		out[i] = prefix + paint(p)
	}
	return out
}

// problemBlock is one problem: title, expected, actual, resolution.
func (s *cckScreen) problemBlock(i, w int) []string {
	st := &s.c.styles
	p := s.probs[i]
	title := fmt.Sprintf("#%d %s  %s", p.ID, p.Type, p.Instance)
	if p.Invalid {
		title += "  (no longer valid)"
	}
	if i == s.cursor {
		title = st.selected.apply(fit("› "+title, w, false))
	} else {
		title = st.role(roleBold).apply(truncate("  "+title, w))
	}
	exp, act := p.Expected.String(), p.Actual.String()
	if exp == "" && act == "" {
		exp, act = "-", oneLineText(p.Description)
	}
	res := "-"
	if len(p.Resolutions) > 0 {
		r := p.Resolutions[s.choice[i]]
		res = "‹ " + r.Plan + " › (" + r.Name
		if r.Name == p.Default {
			res += ", default"
		}
		res += ")"
	}
	plain := func(s string) string { return s }
	out := []string{title}
	out = append(out, labelled("expected", exp, w, plain)...)
	out = append(out, labelled("found", act, w, st.role(roleWarn).apply)...)
	out = append(out, labelled("resolution", res, w, plain)...)
	return append(out, "")
}

// confirmLines lists every chosen action and the equivalent bosh command;
// the default answer is No.
func (s *cckScreen) confirmLines(w int) []string {
	st := &s.c.styles
	answers := s.answers()
	out := []string{st.role(roleBold).apply(truncate(fmt.Sprintf("Apply %d resolution(s) to %s?", len(answers), s.dep), w))}
	for i, p := range s.probs {
		r := "-"
		if len(p.Resolutions) > 0 {
			r = p.Resolutions[s.choice[i]].Plan + " (" + p.Resolutions[s.choice[i]].Name + ")"
		}
		out = append(out, wrapText(fmt.Sprintf("  #%d %s %s: %s", p.ID, p.Type, p.Instance, r), w, "      ")...)
	}
	out = append(out, "")
	out = append(out, wrapText("equivalent: "+bosh.CloudCheckCommand(s.dep, s.probs, answers), w, "  ")...)
	if s.name != nil {
		return append(out, "", s.name.View(w, st.role(roleAccent)),
			st.role(roleWarn).apply(truncate("production: enter applies if the name matches · esc cancels", w)))
	}
	out = append(out, "", st.role(roleWarn).apply(truncate("y applies · n, enter or esc cancels (default: No)", w)))
	return out
}

// wrapText breaks text at spaces into lines of at most w cells; lines
// after the first start with indent. A word longer than a line is cut.
func wrapText(text string, w int, indent string) []string {
	var out []string
	line := ""
	lead := strings.Repeat(" ", leadingSpaces(text))
	for _, word := range strings.Fields(text) {
		switch {
		case line == "" && len(out) == 0:
			line = lead + word
		case line == "":
			line = indent + word
		case textWidth(line)+1+textWidth(word) <= w:
			line += " " + word
		default:
			out = append(out, truncate(line, w))
			line = indent + word
		}
	}
	if line != "" {
		out = append(out, truncate(line, w))
	}
	return out
}

func leadingSpaces(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
