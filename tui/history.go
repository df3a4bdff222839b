package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
)

// Columns of the history screen.
const (
	histColTime = iota
	histColUser
	histColAction
	histColOn
	histColOutcome
	histColTargets
	histColTasks
	histColCommand
)

// historyScreen lists every action bosun ran or refused, newest first,
// with its outcome and its equivalent command; enter shows one whole.
type historyScreen struct {
	base
	keys    listKeys
	copyKey key.Binding
	set     rowSet[cache.Action]
	loaded  bool
	loadErr error
}

func newHistoryScreen(c *common) *historyScreen {
	cols := []column{
		histColTime:    {title: "WHEN", min: 5, prio: 1},
		histColUser:    {title: "USER", min: 4, max: 16, prio: 3},
		histColAction:  {title: "ACTION", min: 12, max: 20, prio: 1},
		histColOn:      {title: "ON", min: 12, max: 60, prio: 1, mid: true},
		histColOutcome: {title: "OUTCOME", min: 11, prio: 1},
		histColTargets: {title: "TARGETS", min: 7, prio: 2, right: true},
		histColTasks:   {title: "TASKS", min: 5, max: 16, prio: 3},
		histColCommand: {title: "COMMAND", min: 10, max: 200, prio: 2},
	}
	s := &historyScreen{base: newBase(c, cols), keys: defaultListKeys("details"),
		copyKey: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy command"))}
	s.set = rowSet[cache.Action]{cmp: compareActions,
		search: func(a *cache.Action) string {
			return strings.ToLower(a.User + "\x00" + a.Action + "\x00" + a.Deployment + "\x00" + a.Cluster + "\x00" +
				string(a.Outcome) + "\x00" + a.Command + "\x00" + a.Detail)
		},
		key: func(a *cache.Action) string { return fmt.Sprint(a.ID) }}
	s.rows = &s.set
	return s
}

func compareActions(a, b *cache.Action, col int) int {
	switch col {
	case histColUser:
		return strings.Compare(a.User, b.User)
	case histColAction:
		return strings.Compare(a.Action, b.Action)
	case histColOn:
		return strings.Compare(actionOn(a), actionOn(b))
	case histColOutcome:
		return strings.Compare(string(a.Outcome), string(b.Outcome))
	case histColTargets:
		return len(a.Targets) - len(b.Targets)
	}
	if c := b.Time.Compare(a.Time); c != 0 {
		return c // newest first
	}
	return int(b.ID - a.ID)
}

// actionOn is what an action acted on: the cluster, else the deployment.
func actionOn(a *cache.Action) string {
	if a.Cluster != "" && a.Cluster != a.Deployment {
		return a.Cluster
	}
	return a.Deployment
}

func (s *historyScreen) Crumb() string { return "history" }

func (s *historyScreen) Init() tea.Cmd { return loadHistory(s.c.opts.Data.History, s.sid) }

// Shown reads the history again: an action may have been recorded meanwhile.
func (s *historyScreen) Shown() tea.Cmd { return s.Init() }

func (s *historyScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case historyLoadedMsg:
		s.loaded, s.loadErr = true, m.err
		want := make([]int, len(s.tbl.cols))
		for _, a := range m.acts {
			want[histColAction] = max(want[histColAction], textWidth(a.Action))
			want[histColOn] = max(want[histColOn], textWidth(actionOn(&a)))
			want[histColCommand] = max(want[histColCommand], textWidth(a.Command))
		}
		s.tbl.SetWant(want, nil)
		s.keep(func() { s.set.set(m.acts) })
		return nil
	case tea.KeyMsg:
		if !s.editing && key.Matches(m, s.copyKey) {
			if s.set.Len() == 0 || s.set.at(s.tbl.Cursor()).Command == "" {
				return status("this action has no equivalent command", true)
			}
			return copyToClipboard(s.set.at(s.tbl.Cursor()).Command)
		}
		if !s.editing && key.Matches(m, s.keys.Open) {
			if s.set.Len() == 0 {
				return nil
			}
			return status(actionSummary(s.set.at(s.tbl.Cursor())), false)
		}
		return s.handleKey(m, s.keys, func() tea.Cmd { return s.Init() })
	}
	return nil
}

// actionSummary is one action whole, for the message line: each target's
// outcome, the detail and the equivalent command.
func actionSummary(a *cache.Action) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", a.Action, actionOn(a), outcomeText(a.Outcome))
	for _, t := range a.Targets {
		o := outcomeText(t.Outcome)
		if t.Outcome == "" {
			o = "not reached"
		}
		fmt.Fprintf(&b, "; %s %s", t.Name, o)
	}
	if a.Detail != "" {
		b.WriteString(" — " + a.Detail)
	}
	if a.Command != "" {
		b.WriteString(" — $ " + a.Command)
	}
	return b.String()
}

func outcomeText(o cache.Outcome) string { return strings.ReplaceAll(string(o), "_", " ") }

func (s *historyScreen) Len() int { return s.set.Len() }

func (s *historyScreen) Cell(i, col, _ int) cell {
	a := s.set.at(i)
	switch col {
	case histColTime:
		return cell{text: cache.Age(a.Time, s.c.now())}
	case histColUser:
		return cell{text: orDash(a.User)}
	case histColAction:
		return cell{text: a.Action}
	case histColOn:
		return cell{text: orDash(actionOn(a))}
	case histColOutcome:
		return cell{text: outcomeText(a.Outcome), role: outcomeRole(a.Outcome)}
	case histColTargets:
		return cell{text: fmt.Sprint(len(a.Targets))}
	case histColTasks:
		ids := make([]string, len(a.TaskIDs))
		for i, id := range a.TaskIDs {
			ids[i] = fmt.Sprint(id)
		}
		return cell{text: orDash(strings.Join(ids, ","))}
	case histColCommand:
		return cell{text: orDash(a.Command), role: roleFaint}
	}
	return cell{}
}

func outcomeRole(o cache.Outcome) role {
	switch o {
	case cache.OutcomeApplied, cache.OutcomeUnchanged:
		return roleOK
	case cache.OutcomeFailed, cache.OutcomeRolledBack, cache.OutcomeInterrupted:
		return roleErr
	}
	return roleWarn
}

func (s *historyScreen) View() string {
	empty := "no actions recorded yet: cloud-check resolutions, audit changes and SSH sessions appear here"
	switch {
	case s.loadErr != nil:
		empty = "cannot read the history: " + s.loadErr.Error()
	case !s.loaded:
		empty = "reading the history…"
	case s.set.filter != "":
		empty = fmt.Sprintf("no action matches %q", s.set.filter)
	}
	return s.tbl.View(s, empty)
}

func (s *historyScreen) Toolbar() (string, string) {
	return s.filterView(), s.shownOf(len(s.set.all), "action", "actions")
}

// historyKeyMap is the list keys and y.
type historyKeyMap struct {
	listKeys
	copyKey key.Binding
}

func (k historyKeyMap) ShortHelp() []key.Binding { return append(k.short(), k.copyKey) }
func (k historyKeyMap) FullHelp() [][]key.Binding {
	return append(k.full(), []key.Binding{k.copyKey})
}

func (s *historyScreen) KeyMap() help.KeyMap {
	return s.keysFor(historyKeyMap{listKeys: s.keys, copyKey: s.copyKey})
}

func (s *historyScreen) DataAge() (time.Time, bool, bool) { return s.c.now(), true, true }
