package tui

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// Columns of the activity screen.
const (
	actColTime = iota
	actColUser
	actColAction
	actColObject
	actColTask
	actColDeployment
	actColInstance
	actColError
)

// activityKeys are the activity screen's keys.
type activityKeys struct {
	listKeys
	More key.Binding // the next (older) page
}

func newActivityKeys() activityKeys {
	return activityKeys{
		listKeys: defaultListKeys("task output / details"),
		More:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "older events")),
	}
}

func (k activityKeys) ShortHelp() []key.Binding { return append(k.listKeys.short(), k.More) }
func (k activityKeys) FullHelp() [][]key.Binding {
	return append(k.listKeys.full(), []key.Binding{k.More})
}

// activityKey opens the activity of the deployment or instance under the
// cursor (deployments and instances screens).
func activityKey() key.Binding {
	return key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "activity (director events)"))
}

// openActivity shows the activity trail f selects.
func openActivity(c *common, f bosh.EventsFilter) tea.Cmd {
	if c.opts.Data.Activity == nil {
		return status("offline: the activity trail comes from the director", true)
	}
	return pushScreen(newActivityScreen(c, f), false)
}

// activityScreen is the director's activity trail (what `bosh events`
// shows), newest first, a page of 200 at a time: m reads the next older
// page (before_id), enter on an event with a task follows that task.
type activityScreen struct {
	base
	keys    activityKeys
	filter  bosh.EventsFilter
	set     rowSet[bosh.Event]
	events  []bosh.Event
	loaded  bool
	busy    bool
	end     bool // the trail has no older events
	loadErr error
	at      time.Time
}

// newActivityScreen shows the events f selects (deployment, instance).
func newActivityScreen(c *common, f bosh.EventsFilter) *activityScreen {
	cols := []column{
		actColTime:       {title: "TIME", min: 8, prio: 1},
		actColUser:       {title: "USER", min: 5, max: 24, prio: 2},
		actColAction:     {title: "ACTION", min: 8, max: 20, prio: 1},
		actColObject:     {title: "OBJECT", min: 12, max: 70, prio: 1, mid: true},
		actColTask:       {title: "TASK", min: 4, prio: 2, right: true},
		actColDeployment: {title: "DEPLOYMENT", min: 10, max: 48, prio: 3, mid: true},
		actColInstance:   {title: "INSTANCE", min: 10, max: 48, prio: 4, mid: true},
		actColError:      {title: "ERROR", min: 5, max: 80, prio: 3},
	}
	s := &activityScreen{base: newBase(c, cols), keys: newActivityKeys(), filter: f}
	s.set = rowSet[bosh.Event]{cmp: compareEvents,
		search: func(e *bosh.Event) string {
			return strings.ToLower(e.User + "\x00" + e.Action + "\x00" + e.ObjectType + " " + e.ObjectName + "\x00" +
				e.Task + "\x00" + e.Deployment + "\x00" + e.Instance + "\x00" + e.Error)
		},
		key: func(e *bosh.Event) string { return e.ID }}
	s.rows = &s.set
	return s
}

func eventNum(e *bosh.Event) int {
	n, _ := strconv.Atoi(e.ID)
	return n
}

func compareEvents(a, b *bosh.Event, col int) int {
	switch col {
	case actColUser:
		return strings.Compare(a.User, b.User)
	case actColAction:
		return strings.Compare(a.Action, b.Action)
	case actColObject:
		return strings.Compare(a.ObjectType+a.ObjectName, b.ObjectType+b.ObjectName)
	case actColDeployment:
		return strings.Compare(a.Deployment, b.Deployment)
	case actColInstance:
		return strings.Compare(a.Instance, b.Instance)
	case actColError:
		return strings.Compare(a.Error, b.Error)
	}
	return eventNum(b) - eventNum(a) // newest first
}

func (s *activityScreen) Crumb() string {
	switch {
	case s.filter.Instance != "":
		return "activity " + shortInstance(s.filter.Instance)
	case s.filter.Deployment != "":
		return "activity " + s.filter.Deployment
	}
	return "activity"
}

func (s *activityScreen) Init() tea.Cmd { return s.load(false) }

// load reads the newest page again, or (more) the page older than the
// oldest event shown.
func (s *activityScreen) load(more bool) tea.Cmd {
	if s.busy {
		return nil
	}
	f := s.filter
	if more {
		if s.end || len(s.events) == 0 {
			return status("no older events", false)
		}
		f.BeforeID = s.events[len(s.events)-1].ID
	}
	s.busy = true
	return loadActivity(s.c.opts.Data.Activity, f, s.c.now, s.sid)
}

func (s *activityScreen) Progress() string {
	if s.busy {
		return "reading the director's events…"
	}
	return ""
}

func (s *activityScreen) Err() error { return s.loadErr }

func (s *activityScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case activityLoadedMsg:
		s.busy, s.loaded, s.loadErr = false, true, m.err
		if m.err != nil {
			return nil
		}
		s.at = m.at
		if m.more {
			s.events = append(s.events, m.events...)
		} else {
			s.events = m.events
		}
		s.end = len(m.events) < bosh.EventsPage
		byID := map[string]bosh.Event{}
		for _, e := range s.events {
			byID[e.ID] = e
		}
		s.events = slices.SortedFunc(maps.Values(byID), func(a, b bosh.Event) int { return eventNum(&b) - eventNum(&a) })
		want := make([]int, len(s.tbl.cols))
		for _, e := range s.events {
			want[actColObject] = max(want[actColObject], textWidth(e.ObjectType+" "+e.ObjectName))
			want[actColUser] = max(want[actColUser], textWidth(e.User))
			want[actColAction] = max(want[actColAction], textWidth(e.Action))
			want[actColDeployment] = max(want[actColDeployment], textWidth(e.Deployment))
		}
		s.tbl.SetWant(want, nil)
		s.keep(func() { s.set.set(s.events) })
		return nil
	case tea.KeyMsg:
		if !s.editing {
			switch {
			case key.Matches(m, s.keys.More):
				return s.load(true)
			case key.Matches(m, s.keys.Open) && s.set.Len() > 0:
				return s.open(*s.set.at(s.tbl.Cursor()))
			}
		}
		return s.handleKey(m, s.keys.listKeys, func() tea.Cmd { return s.load(false) })
	}
	return nil
}

// open follows the event's task, or shows the event whole.
func (s *activityScreen) open(e bosh.Event) tea.Cmd {
	if id, err := strconv.Atoi(e.Task); err == nil && id > 0 && s.c.opts.Data.Tasks != nil {
		return pushScreen(newTaskOutput(s.c, bosh.Task{ID: id, Deployment: e.Deployment, User: e.User}), false)
	}
	return status(eventSummary(e), e.Error != "")
}

// eventSummary is one event whole, for the message line.
func eventSummary(e bosh.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "event %s", e.ID)
	if e.ParentID != "" {
		fmt.Fprintf(&b, " (of %s)", e.ParentID)
	}
	fmt.Fprintf(&b, ": %s %s %s %s", orDash(e.User), e.Action, e.ObjectType, e.ObjectName)
	if e.Error != "" {
		b.WriteString(" — error: " + e.Error)
	}
	if len(e.Context) > 0 {
		keys := slices.Sorted(maps.Keys(e.Context))
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s=%v", k, e.Context[k]))
		}
		b.WriteString(" — " + strings.Join(kv, " "))
	}
	return b.String()
}

func (s *activityScreen) Len() int { return s.set.Len() }

func (s *activityScreen) Cell(i, col, _ int) cell {
	e := s.set.at(i)
	switch col {
	case actColTime:
		return cell{text: "-" + durationShort(s.c.now().Sub(e.Time))}
	case actColUser:
		return cell{text: orDash(e.User)}
	case actColAction:
		r := roleNone
		if e.Error != "" {
			r = roleErr
		}
		return cell{text: orDash(e.Action), role: r}
	case actColObject:
		return cell{text: orDash(strings.TrimSpace(e.ObjectType + " " + e.ObjectName))}
	case actColTask:
		return cell{text: orDash(e.Task)}
	case actColDeployment:
		return cell{text: orDash(e.Deployment)}
	case actColInstance:
		return cell{text: orDash(e.Instance)}
	case actColError:
		return cell{text: orDash(e.Error), role: roleErr}
	}
	return cell{}
}

func (s *activityScreen) View() string {
	empty := "no events"
	switch {
	case s.loadErr != nil && len(s.events) == 0:
		empty = "cannot read the activity trail: " + s.loadErr.Error()
	case !s.loaded:
		empty = "reading the director's events…"
	case s.set.filter != "":
		empty = fmt.Sprintf("no event matches %q", s.set.filter)
	}
	return s.tbl.View(s, empty)
}

func (s *activityScreen) Toolbar() (string, string) {
	more := " · m: older"
	if s.end {
		more = " · all read"
	}
	return s.filterView(), s.shownOf(len(s.set.all), "event", "events") + more
}

func (s *activityScreen) KeyMap() help.KeyMap { return s.keysFor(s.keys) }

func (s *activityScreen) DataAge() (time.Time, bool, bool) { return s.at, true, !s.at.IsZero() }
