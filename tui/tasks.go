package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// Columns of the tasks screen.
const (
	taskColID = iota
	taskColState
	taskColStarted
	taskColDuration
	taskColUser
	taskColDeployment
	taskColDescription
	taskColResult
)

// tasksKeys are the tasks screen's keys.
type tasksKeys struct {
	listKeys
	Cancel key.Binding // cancel the task under the cursor (asks first)
}

func newTasksKeys(readOnly bool) tasksKeys {
	return tasksKeys{
		listKeys: defaultListKeys("follow output"),
		Cancel:   mutating(key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "cancel task")), readOnly),
	}
}

func (k tasksKeys) ShortHelp() []key.Binding { return append(k.listKeys.short(), k.Cancel) }
func (k tasksKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), []key.Binding{k.Cancel})
}

// taskConfirmKeys answer the cancel confirmation; the default is No.
func newTaskConfirmKeys() confirmKeys {
	return confirmKeys{
		Yes: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, cancel the task")),
		No:  key.NewBinding(key.WithKeys("n", "enter", "esc"), key.WithHelp("N/enter/esc", "no")),
	}
}

// tasksScreen lists the director's tasks, the running ones first, with
// state colours; enter follows a task's output, X cancels it after a
// confirmation.
type tasksScreen struct {
	base
	keys       tasksKeys
	confirmKey confirmKeys
	set        rowSet[bosh.Task]
	loaded     bool
	busy       bool
	loadErr    error
	at         time.Time
	confirming *bosh.Task // the task the confirmation asks about
}

func newTasksScreen(c *common) *tasksScreen {
	cols := []column{
		taskColID:          {title: "ID", min: 4, prio: 1, right: true},
		taskColState:       {title: "STATE", min: 10, prio: 1},
		taskColStarted:     {title: "STARTED", min: 8, prio: 2},
		taskColDuration:    {title: "DURATION", min: 8, prio: 2, right: true},
		taskColUser:        {title: "USER", min: 5, max: 24, prio: 3},
		taskColDeployment:  {title: "DEPLOYMENT", min: 10, max: 48, prio: 1, mid: true},
		taskColDescription: {title: "DESCRIPTION", min: 12, max: 60, prio: 1},
		taskColResult:      {title: "RESULT", min: 8, max: 80, prio: 4},
	}
	s := &tasksScreen{base: newBase(c, cols), keys: newTasksKeys(c.opts.ReadOnly), confirmKey: newTaskConfirmKeys()}
	s.set = rowSet[bosh.Task]{cmp: compareTasks,
		search: func(t *bosh.Task) string {
			return strings.ToLower(fmt.Sprint(t.ID) + "\x00" + t.State + "\x00" + t.User + "\x00" + t.Deployment + "\x00" +
				t.Description + "\x00" + t.Result)
		},
		key: func(t *bosh.Task) string { return fmt.Sprint(t.ID) }}
	s.rows = &s.set
	return s
}

func compareTasks(a, b *bosh.Task, col int) int {
	switch col {
	case taskColState:
		return strings.Compare(a.State, b.State)
	case taskColUser:
		return strings.Compare(a.User, b.User)
	case taskColDeployment:
		return strings.Compare(a.Deployment, b.Deployment)
	case taskColDescription:
		return strings.Compare(a.Description, b.Description)
	case taskColStarted, taskColDuration:
		return a.StartedAt.Compare(b.StartedAt)
	}
	if a.Running() != b.Running() {
		if a.Running() {
			return -1
		}
		return 1
	}
	return b.ID - a.ID
}

func (s *tasksScreen) Crumb() string { return "tasks" }

func (s *tasksScreen) Init() tea.Cmd {
	return tea.Batch(s.load(), s.c.schedule(s.c.opts.RefreshEvery, refreshTickMsg{screen: s.sid}))
}

func (s *tasksScreen) load() tea.Cmd {
	if s.busy {
		return nil
	}
	s.busy = true
	return loadTasks(s.c.opts.Data.Tasks, s.c.now, s.sid)
}

// Shown reads the tasks again: one may have ended while its output was open.
func (s *tasksScreen) Shown() tea.Cmd { return s.load() }

func (s *tasksScreen) Capturing() bool { return s.editing || s.confirming != nil }

func (s *tasksScreen) Progress() string {
	if s.busy {
		return "reading tasks…"
	}
	return ""
}

func (s *tasksScreen) Err() error { return s.loadErr }

func (s *tasksScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tasksLoadedMsg:
		s.busy, s.loaded, s.loadErr = false, true, m.err
		if m.err == nil {
			s.at = m.at
			var running []bosh.Task
			for _, t := range m.tasks {
				if t.Running() {
					running = append(running, t)
				}
			}
			s.c.setTaskCount(running) // the header's count, at no extra cost
		}
		want := make([]int, len(s.tbl.cols))
		for _, t := range m.tasks {
			want[taskColDeployment] = max(want[taskColDeployment], textWidth(t.Deployment))
			want[taskColDescription] = max(want[taskColDescription], textWidth(t.Description))
			want[taskColUser] = max(want[taskColUser], textWidth(t.User))
		}
		s.tbl.SetWant(want, nil)
		if m.err == nil || len(m.tasks) > 0 {
			s.keep(func() { s.set.set(m.tasks) })
		}
		return nil
	case refreshTickMsg:
		return tea.Batch(s.load(), s.c.schedule(s.c.opts.RefreshEvery, refreshTickMsg{screen: s.sid}))
	case taskCancelledMsg:
		if m.err != nil {
			return tea.Batch(status(fmt.Sprintf("task %d not cancelled: %s", m.id, m.err), true), s.load())
		}
		return tea.Batch(status(fmt.Sprintf("task %d %s", m.id, m.task.State), false), s.load())
	case tea.KeyMsg:
		if s.confirming != nil {
			return s.answerConfirm(m)
		}
		if !s.editing && s.set.Len() > 0 {
			t := *s.set.at(s.tbl.Cursor())
			switch {
			case key.Matches(m, s.keys.Open):
				return pushScreen(newTaskOutput(s.c, t), false)
			case key.Matches(m, s.keys.Cancel):
				if !t.Running() || t.State == bosh.TaskCancelling {
					return status(fmt.Sprintf("task %d is %s: nothing to cancel", t.ID, t.State), false)
				}
				s.confirming = &t
				return nil
			}
		}
		return s.handleKey(m, s.keys.listKeys, s.load)
	}
	return nil
}

func (s *tasksScreen) answerConfirm(m tea.KeyMsg) tea.Cmd {
	t := *s.confirming
	switch {
	case key.Matches(m, s.confirmKey.Yes):
		s.confirming = nil
		return tea.Batch(cancelTask(s.c.opts.Data.Tasks, t.ID, s.sid), status(fmt.Sprintf("cancelling task %d…", t.ID), false))
	case key.Matches(m, s.confirmKey.No):
		s.confirming = nil
		return status(fmt.Sprintf("task %d left running", t.ID), false)
	}
	return nil
}

// Back closes the confirmation (No) rather than the screen.
func (s *tasksScreen) Back() bool {
	if s.confirming != nil {
		s.confirming = nil
		return true
	}
	return s.base.Back()
}

func (s *tasksScreen) Len() int { return s.set.Len() }

func (s *tasksScreen) Cell(i, col, _ int) cell {
	t := s.set.at(i)
	now := s.c.now()
	switch col {
	case taskColID:
		return cell{text: fmt.Sprint(t.ID)}
	case taskColState:
		return cell{text: t.State, role: taskStateRole(t.State)}
	case taskColStarted:
		if t.StartedAt.IsZero() {
			return cell{text: "-", role: roleFaint}
		}
		return cell{text: "-" + durationShort(now.Sub(t.StartedAt))}
	case taskColDuration:
		if t.StartedAt.IsZero() {
			return cell{text: "-", role: roleFaint}
		}
		return cell{text: clockDuration(t.Duration(now))}
	case taskColUser:
		return cell{text: orDash(t.User)}
	case taskColDeployment:
		return cell{text: orDash(t.Deployment)}
	case taskColDescription:
		return cell{text: orDash(t.Description)}
	case taskColResult:
		return cell{text: orDash(t.Result), role: roleFaint}
	}
	return cell{}
}

// taskStateRole colours a task state: running in progress colours, done
// green, the failures red.
func taskStateRole(state string) role {
	switch state {
	case bosh.TaskProcessing:
		return roleAccent
	case bosh.TaskQueued, bosh.TaskCancelling:
		return roleWarn
	case bosh.TaskDone:
		return roleOK
	case bosh.TaskError, bosh.TaskTimeout, bosh.TaskCancelled:
		return roleErr
	}
	return roleNone
}

// clockDuration is hh:mm:ss.
func clockDuration(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// durationShort is an age such as 42s, 5m, 3h or 2d.
func durationShort(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func (s *tasksScreen) View() string {
	if s.confirming != nil {
		return s.confirmView()
	}
	empty := "no tasks"
	switch {
	case s.loadErr != nil:
		empty = "cannot read the tasks: " + s.loadErr.Error()
	case !s.loaded:
		empty = "reading the director's tasks…"
	case s.set.filter != "":
		empty = fmt.Sprintf("no task matches %q", s.set.filter)
	}
	return s.tbl.View(s, empty)
}

// confirmView is the plan of cancelling the task and the question.
func (s *tasksScreen) confirmView() string {
	t := s.confirming
	st := &s.c.styles
	lines := []string{
		st.role(roleBold).apply(fmt.Sprintf("Cancel task %d?", t.ID)),
		"",
		fmt.Sprintf("  %s  %s", st.role(taskStateRole(t.State)).apply(t.State), clean(t.Description)),
		fmt.Sprintf("  deployment %s, by %s, running for %s", orDash(t.Deployment), orDash(t.User), clockDuration(t.Duration(s.c.now()))),
		"",
		"  The director stops the task at its next checkpoint; what it already changed stays changed.",
		"  Equivalent: " + st.role(roleFaint).apply(fmt.Sprintf("bosh cancel-task %d", t.ID)),
		"",
		"y: cancel the task   N/enter/esc: leave it running",
	}
	for i := range lines {
		lines[i] = truncateANSI(lines[i], s.width)
	}
	for len(lines) < s.tbl.height+1 {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (s *tasksScreen) Toolbar() (string, string) {
	running := 0
	for _, t := range s.set.all {
		if t.Running() {
			running++
		}
	}
	return s.filterView(), fmt.Sprintf("%d running · %s", running, s.shownOf(len(s.set.all), "task", "tasks"))
}

func (s *tasksScreen) KeyMap() help.KeyMap {
	if s.confirming != nil {
		return s.confirmKey
	}
	return s.keysFor(s.keys)
}

func (s *tasksScreen) DataAge() (time.Time, bool, bool) { return s.at, true, !s.at.IsZero() }
