package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// taskOutputKeys are the followed task's keys.
type taskOutputKeys struct {
	navKeys
	Search     key.Binding
	Next, Prev key.Binding
	Debug      key.Binding // switch between the event log and the debug log
}

func newTaskOutputKeys() taskOutputKeys {
	k := taskOutputKeys{
		navKeys: defaultNavKeys(),
		Search:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		Prev:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Debug:   key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "debug log / events")),
	}
	k.Top.SetHelp("g/home", "first line")
	k.Bottom.SetHelp("G/end", "end of file")
	return k
}

func (k taskOutputKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.Next, k.Debug, k.Bottom}
}

func (k taskOutputKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{k.navKeys.column(), {k.Search, k.Next, k.Prev, k.Debug}}
}

// taskOutputScreen follows one task's output while it runs: the event
// log rendered as stage lines, or the raw debug log; new lines show as
// they arrive while the view is at the bottom.
type taskOutputScreen struct {
	pageScreen
	keys       taskOutputKeys
	searchKeys inputKeys
	task       bosh.Task
	typ        string // bosh.OutputEvent or bosh.OutputDebug

	ctx    context.Context
	cancel context.CancelFunc
	follow *taskFollow
	gen    int
	ended  bool
	err    error

	lines   []string
	partial string // a debug line still waiting for its newline
	stream  *bosh.EventStream
	started map[string]time.Time

	top    int
	tail   bool // the view sticks to the newest line
	input  lineInput
	typing bool
	match  int
	note   string
}

func newTaskOutput(c *common, t bosh.Task) *taskOutputScreen {
	s := &taskOutputScreen{pageScreen: newPage(c), keys: newTaskOutputKeys(), searchKeys: searchKeys(), task: t,
		typ: bosh.OutputEvent, tail: true, match: -1, input: lineInput{prompt: "/", placeholder: "search"}}
	return s
}

func (s *taskOutputScreen) Crumb() string { return fmt.Sprintf("task %d", s.task.ID) }

func (s *taskOutputScreen) Init() tea.Cmd { return s.start() }

// start (re)reads the output of the current type from the beginning and
// follows it.
func (s *taskOutputScreen) start() tea.Cmd {
	s.Close()
	src := s.c.opts.Data.Tasks
	if src == nil {
		s.err, s.ended = errNoTasks, true
		return nil
	}
	s.gen++
	s.lines, s.partial, s.top, s.tail, s.match, s.ended, s.err = nil, "", 0, true, -1, false, nil
	s.stream, s.started = bosh.NewEventStream(s.task.ID), map[string]time.Time{}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.follow = startFollow(s.ctx, src, s.task.ID, s.typ)
	return s.follow.wait(s.sid, s.gen)
}

func (s *taskOutputScreen) Close() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *taskOutputScreen) Capturing() bool { return s.typing }

func (s *taskOutputScreen) Err() error { return s.err }

func (s *taskOutputScreen) Progress() string {
	if !s.ended {
		return fmt.Sprintf("following task %d (%s)…", s.task.ID, s.task.State)
	}
	return ""
}

func (s *taskOutputScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case taskOutputMsg:
		if m.gen != s.gen {
			return nil
		}
		if m.state != nil {
			s.task = *m.state
		}
		s.add(m.data)
		if m.end {
			s.ended, s.err = true, m.err
			if s.partial != "" {
				s.lines, s.partial = append(s.lines, s.partial), ""
			}
			s.scrollTail()
			return nil
		}
		s.scrollTail()
		return s.follow.wait(s.sid, s.gen)
	case tea.KeyMsg:
		return s.key(m)
	}
	return nil
}

// add takes new output: event lines rendered, other output split in lines.
func (s *taskOutputScreen) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if s.typ == bosh.OutputEvent {
		for _, ev := range s.stream.Feed(b) {
			s.lines = append(s.lines, taskEventLine(ev, s.started))
		}
		return
	}
	text := s.partial + string(b)
	parts := strings.Split(text, "\n")
	s.partial = parts[len(parts)-1]
	s.lines = append(s.lines, parts[:len(parts)-1]...)
}

// taskEventLine is one event as the screen shows it.
func taskEventLine(ev bosh.TaskEvent, started map[string]time.Time) string {
	at := ev.Time.Local().Format("15:04:05")
	name := ev.Stage
	if ev.Task != "" {
		name += ": " + ev.Task
	}
	k := ev.Stage + "\x00" + ev.Task
	switch ev.State {
	case "error":
		return at + "  Error: " + ev.Error
	case "started":
		started[k] = ev.Time
		return at + "  " + name
	case "finished", "failed":
		dur := ""
		if t0, ok := started[k]; ok {
			dur = " (" + clockDuration(ev.Time.Sub(t0)) + ")"
		}
		if ev.State == "failed" {
			return at + "  " + name + dur + " failed: " + ev.Error
		}
		return at + "  " + name + dur + " done"
	}
	return fmt.Sprintf("%s  %s %s %d%%", at, name, ev.State, ev.Progress)
}

func (s *taskOutputScreen) bodyLines() int { return max(s.height-1, 1) }

func (s *taskOutputScreen) scrollTail() {
	if s.tail {
		s.top = max(len(s.lines)-s.bodyLines(), 0)
	}
}

func (s *taskOutputScreen) scrollTo(top int) {
	last := max(len(s.lines)-s.bodyLines(), 0)
	s.top = min(max(top, 0), last)
	s.tail = s.top == last
}

func (s *taskOutputScreen) key(m tea.KeyMsg) tea.Cmd {
	if s.typing {
		switch {
		case key.Matches(m, s.searchKeys.Accept):
			s.typing = false
			s.input.Blur()
			s.find(s.top, true)
		case key.Matches(m, s.searchKeys.Cancel):
			s.typing = false
			s.input.Blur()
		default:
			s.input.Update(m)
		}
		return nil
	}
	k, page := s.keys, s.bodyLines()
	switch {
	case key.Matches(m, k.Search):
		s.typing = true
		s.input.SetValue("")
		s.input.Focus()
	case key.Matches(m, k.Next):
		s.find(s.match+1, true)
	case key.Matches(m, k.Prev):
		s.find(s.match-1, false)
	case key.Matches(m, k.Debug):
		if s.typ == bosh.OutputEvent {
			s.typ = bosh.OutputDebug
		} else {
			s.typ = bosh.OutputEvent
		}
		return s.start()
	case key.Matches(m, k.Up):
		s.scrollTo(s.top - 1)
	case key.Matches(m, k.Down):
		s.scrollTo(s.top + 1)
	case key.Matches(m, k.PageUp):
		s.scrollTo(s.top - page)
	case key.Matches(m, k.PageDown):
		s.scrollTo(s.top + page)
	case key.Matches(m, k.Top):
		s.scrollTo(0)
	case key.Matches(m, k.Bottom):
		s.scrollTo(len(s.lines))
	}
	return nil
}

// find moves to the next (or previous) line from from that holds the
// search text, case-insensitively, wrapping around.
func (s *taskOutputScreen) find(from int, forward bool) {
	pat := strings.ToLower(s.input.Value())
	s.note = ""
	if pat == "" || len(s.lines) == 0 {
		s.match = -1
		return
	}
	n := len(s.lines)
	for i := 0; i < n; i++ {
		j := ((from+i)%n + n) % n
		if !forward {
			j = ((from-i)%n + n) % n
		}
		if strings.Contains(strings.ToLower(s.lines[j]), pat) {
			s.match = j
			if j < s.top || j >= s.top+s.bodyLines() {
				s.scrollTo(j - s.bodyLines()/2)
			}
			return
		}
	}
	s.match = -1
	s.note = fmt.Sprintf("%q not found", s.input.Value())
}

func (s *taskOutputScreen) View() string {
	st := &s.c.styles
	body := s.bodyLines()
	rows := make([]string, 0, body+1)
	if len(s.lines) == 0 {
		msg := "waiting for the task's first events…"
		switch {
		case s.err != nil:
			msg = "cannot read task output: " + s.err.Error()
		case s.ended:
			msg = "(no " + s.typ + " output)"
		}
		rows = append(rows, st.role(roleFaint).apply(truncate(msg, s.width)))
	}
	for i := s.top; i < len(s.lines) && len(rows) < body; i++ {
		line := clean(s.lines[i])
		r := roleNone
		switch {
		case i == s.match:
			r = roleAccent
		case strings.Contains(line, "Error: ") || strings.Contains(line, " failed: ") || errorLine.MatchString(line):
			r = roleErr
		}
		rows = append(rows, st.role(r).apply(truncate(line, s.width)))
	}
	for len(rows) < body {
		rows = append(rows, "")
	}
	return strings.Join(rows, "\n") + "\n" + s.statusLine()
}

func (s *taskOutputScreen) statusLine() string {
	st := &s.c.styles
	if s.typing {
		return s.input.View(s.width, st.selected)
	}
	t := s.task
	parts := []string{st.role(taskStateRole(t.State)).apply(t.State)}
	if !t.StartedAt.IsZero() {
		parts = append(parts, clockDuration(t.Duration(s.c.now())))
	}
	parts = append(parts, fmt.Sprintf("%s log, %d lines", s.typ, len(s.lines)))
	if s.tail && !s.ended {
		parts = append(parts, "following")
	}
	if s.note != "" {
		parts = append(parts, s.note)
	}
	return truncateANSI(strings.Join(parts, " · "), s.width)
}

func (s *taskOutputScreen) Toolbar() (string, string) {
	t := s.task
	left := clean(strings.TrimSpace(t.Description + "  " + t.Deployment))
	return left, fmt.Sprintf("task %d by %s", t.ID, orDash(t.User))
}

func (s *taskOutputScreen) KeyMap() help.KeyMap {
	if s.typing {
		return s.searchKeys
	}
	return s.keys
}
