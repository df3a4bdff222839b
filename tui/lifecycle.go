package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// Phases of the lifecycle screen.
type lcPhase int

const (
	lcPlanning   lcPhase = iota // the plan is being worked out
	lcConfirming                // the plan is shown; y applies
	lcRunning                   // the director's task runs, events streamed
	lcDone                      // the task ended; the rows refresh
	lcFailed                    // no plan: unknown instance, locked deployment, ...
)

// lcScope is one choice of what the action acts on.
type lcScope struct {
	group, id string // "", "" for the whole deployment
	label     string
}

// lifecycleScreen restarts, recreates, stops or starts an instance, its
// group or a deployment: it shows the plan (the instances in the
// director's order, canaries first, and the equivalent bosh command),
// asks (default No; in production the deployment's name is typed), runs
// the task streaming its events, and then shows each instance's new
// state, VM CID and age.
type lifecycleScreen struct {
	c         *common
	sid       int
	keys      lifecycleConfirmKeys
	cancelKey key.Binding // while the task runs
	askCancel confirmKeys // the cancel confirmation
	asking    bool        // the cancel confirmation is up
	width     int
	height    int

	action string
	dep    string
	scopes []lcScope
	scope  int
	fix    bool
	hard   bool

	phase   lcPhase
	gen     int
	cancel  context.CancelFunc
	steps   []string
	batches []bosh.LifecycleBatch
	name    *nameConfirm
	events  []bosh.TaskEvent
	taskID  int
	outcome cache.Outcome
	detail  string
	err     error
	before  map[string]bosh.Instance // the targets as the store had them
	after   []bosh.Instance          // the targets after the task; nil until refreshed
	refErr  error
}

// newLifecycleScreen opens the confirmation of action on in (its group
// and deployment a tab away) or, with in nil, on the deployment dep.
func newLifecycleScreen(c *common, action, dep string, in *bosh.Instance) *lifecycleScreen {
	s := &lifecycleScreen{c: c, sid: c.newID(), keys: newLifecycleConfirmKeys(), action: action, dep: dep,
		cancelKey: lifecycleCancelKey(c.opts.ReadOnly || c.opts.Data.Tasks == nil), askCancel: newTaskConfirmKeys()}
	if in != nil {
		g := instanceGroup(in)
		s.scopes = append(s.scopes, lcScope{group: g, id: instanceKeyID(in), label: "instance " + instanceLabel(in)},
			lcScope{group: g, label: "instance group " + g})
	}
	s.scopes = append(s.scopes, lcScope{label: "deployment " + dep})
	s.keys.Fix.SetEnabled(action == bosh.ActionRecreate)
	s.keys.Hard.SetEnabled(action == bosh.ActionStop)
	return s
}

func (s *lifecycleScreen) id() int          { return s.sid }
func (s *lifecycleScreen) SetSize(w, h int) { s.width, s.height = w, h }
func (s *lifecycleScreen) Crumb() string    { return s.action + " " + s.scopes[s.scope].label }
func (s *lifecycleScreen) Err() error       { return s.err }
func (s *lifecycleScreen) Capturing() bool {
	return (s.phase == lcConfirming && s.name != nil) || (s.phase == lcRunning && s.asking)
}

func (s *lifecycleScreen) DataAge() (time.Time, bool, bool) { return s.c.now(), true, true }

// request is what the screen would apply now.
func (s *lifecycleScreen) request() bosh.LifecycleRequest {
	sc := s.scopes[s.scope]
	return bosh.LifecycleRequest{Action: s.action, Deployment: s.dep, Group: sc.group, IndexOrID: sc.id,
		Fix: s.fix && s.action == bosh.ActionRecreate, Hard: s.hard && s.action == bosh.ActionStop}
}

func (s *lifecycleScreen) Init() tea.Cmd { return s.plan() }

// plan works the plan out again for the current choices.
func (s *lifecycleScreen) plan() tea.Cmd {
	lc := s.c.lifecycle()
	if lc == nil {
		s.phase, s.err = lcFailed, fmt.Errorf("%s needs the director (offline)", s.action)
		return nil
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.gen++
	var ctx context.Context
	ctx, s.cancel = context.WithCancel(context.Background())
	s.phase, s.err, s.name, s.steps, s.batches = lcPlanning, nil, nil, nil, nil
	return planCmd(ctx, lc, s.request(), s.sid, s.gen)
}

func (s *lifecycleScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyMsg:
		return s.handleKey(m)
	case lcPlannedMsg:
		if m.gen != s.gen {
			return nil
		}
		s.cancel = nil
		if m.err != nil {
			s.phase, s.err = lcFailed, m.err
			return nil
		}
		s.phase, s.steps, s.batches = lcConfirming, m.steps, m.batches
		if s.c.opts.Production {
			s.name = newNameConfirm(s.dep)
		}
	case lcEventMsg:
		if m.gen == s.gen {
			s.events = append(s.events, m.ev)
			if s.taskID == 0 {
				s.taskID = m.ev.TaskID
			}
		}
		return m.next
	case lcDoneMsg:
		return s.onDone(m)
	case lcRefreshedMsg:
		return s.onRefreshed(m)
	case taskCancelledMsg:
		if m.err != nil {
			return status(fmt.Sprintf("task %d not cancelled: %s", m.id, m.err), true)
		}
		return status(fmt.Sprintf("cancelling task %d: the director stops at its next checkpoint", m.id), false)
	}
	return nil
}

// runningKey offers to cancel the running task: X asks, y cancels it
// (through the gate, recorded), anything else leaves it running.
func (s *lifecycleScreen) runningKey(m tea.KeyMsg) tea.Cmd {
	switch {
	case s.asking:
		s.asking = false
		if key.Matches(m, s.askCancel.Yes) && s.c.opts.Data.Tasks != nil {
			return cancelTask(s.c.opts.Data.Tasks, s.taskID, s.sid)
		}
	case key.Matches(m, s.cancelKey):
		if s.taskID == 0 {
			return status("the director has not started the task yet", false)
		}
		s.asking = true
	}
	return nil
}

func (s *lifecycleScreen) handleKey(m tea.KeyMsg) tea.Cmd {
	if s.phase == lcRunning {
		return s.runningKey(m)
	}
	if s.phase != lcConfirming {
		return nil
	}
	if s.name != nil {
		switch s.name.key(m) {
		case nameMatched:
			return s.apply()
		case nameWrong:
			typed := s.name.typed()
			s.name = newNameConfirm(s.dep)
			return status(fmt.Sprintf("%s refused: %q is not the name %s; nothing applied", s.action, typed, s.dep), true)
		case nameCanceled:
			return s.close()
		}
		return nil
	}
	switch {
	case key.Matches(m, s.keys.Yes):
		return s.apply()
	case key.Matches(m, s.keys.No):
		return tea.Batch(s.close(), status(s.action+" not confirmed; nothing changed", false))
	case key.Matches(m, s.keys.Scope):
		s.scope = (s.scope + 1) % len(s.scopes)
		return s.plan()
	case key.Matches(m, s.keys.Fix):
		s.fix = !s.fix
		return s.plan()
	case key.Matches(m, s.keys.Hard):
		s.hard = !s.hard
		return s.plan()
	}
	return nil
}

func (s *lifecycleScreen) close() tea.Cmd {
	sid := s.sid
	return func() tea.Msg { return popScreenMsg{screen: sid} }
}

// apply runs the confirmed plan; the targets' rows as they were are kept
// to show beside the new ones.
func (s *lifecycleScreen) apply() tea.Cmd {
	lc := s.c.lifecycle()
	if lc == nil || s.c.opts.ReadOnly {
		return status("read-only: nothing applied", true)
	}
	s.before = map[string]bosh.Instance{}
	if r := s.c.store.rows(s.dep); r != nil {
		for _, in := range r.rows {
			s.before[in.Name] = in
		}
	}
	s.gen++
	s.phase, s.name, s.events, s.err = lcRunning, nil, nil, nil
	return changeCmd(lc, s.request(), s.batches, s.sid, s.gen)
}

func (s *lifecycleScreen) onDone(m lcDoneMsg) tea.Cmd {
	if m.gen != s.gen {
		return nil
	}
	s.phase, s.outcome, s.detail, s.err, s.asking = lcDone, m.outcome, m.detail, m.err, false
	if m.taskID != 0 {
		s.taskID = m.taskID
	}
	if !s.c.online() {
		return nil
	}
	return refreshCmd(s.c.opts.Director, s.dep, s.c.opts.Now, s.sid, s.gen)
}

// onRefreshed puts the deployment's new rows in the store (the screens
// below show them) and keeps the targets' to show here.
func (s *lifecycleScreen) onRefreshed(m lcRefreshedMsg) tea.Cmd {
	if m.gen != s.gen {
		return nil
	}
	if m.err != nil {
		s.refErr = m.err
		return nil
	}
	s.c.store.setDetails(m.dep, m.insts, m.at)
	s.after = []bosh.Instance{}
	for _, in := range m.insts {
		if s.targeted(in.Name) {
			s.after = append(s.after, in)
		}
	}
	return saveInstances(s.c.opts.Cache, s.c.saveKey(), m.dep, s.c.store.rows(m.dep).rows, m.at)
}

func (s *lifecycleScreen) targeted(name string) bool {
	for _, b := range s.batches {
		for _, in := range b.Instances {
			if in.Name == name {
				return true
			}
		}
	}
	return false
}

// Close stops working out a plan; a task runs on at the director and is
// still recorded.
func (s *lifecycleScreen) Close() {
	if s.cancel != nil && s.phase == lcPlanning {
		s.cancel()
	}
}

func (s *lifecycleScreen) Progress() string {
	switch s.phase {
	case lcPlanning:
		return "planning " + s.action
	case lcRunning:
		if s.taskID != 0 {
			return fmt.Sprintf("%s: task %d", s.action, s.taskID)
		}
		return s.action + ": starting the task"
	case lcDone:
		if s.after == nil && s.refErr == nil {
			return "refreshing " + s.dep
		}
	}
	return ""
}

func (s *lifecycleScreen) KeyMap() help.KeyMap {
	switch {
	case s.phase == lcConfirming && s.name != nil:
		return defaultNameKeys()
	case s.phase == lcConfirming:
		return s.keys
	case s.phase == lcRunning && s.asking:
		return s.askCancel
	case s.phase == lcRunning:
		return keyList{s.cancelKey}
	}
	return keyList{}
}
