package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// Lifecycle changes instance state: restart, recreate, stop, start
// (Options.Data.Lifecycle). The caller records every action through its
// gate; confirmation is this screen's.
type Lifecycle interface {
	// PlanLifecycle names the instances r acts on in the director's order
	// and the lines of the plan; nothing changes.
	PlanLifecycle(ctx context.Context, r bosh.LifecycleRequest) ([]string, []bosh.LifecycleBatch, error)
	// ChangeState applies r on the planned batches, streaming the task's
	// events: the task id, the outcome and a detail line.
	ChangeState(ctx context.Context, r bosh.LifecycleRequest, batches []bosh.LifecycleBatch,
		progress func(bosh.TaskEvent)) (int, cache.Outcome, string, error)
}

// lifecycle is the state changer, nil offline.
func (c *common) lifecycle() Lifecycle {
	if !c.online() {
		return nil
	}
	return c.opts.Data.Lifecycle
}

// lifecycleKeys change instance state. They mean the same on every screen
// that has them (an instance, its group or a deployment); read-only mode
// removes them.
type lifecycleKeys struct {
	Restart, Recreate, Stop, Start key.Binding
}

func newLifecycleKeys(readOnly bool) lifecycleKeys {
	return lifecycleKeys{
		Restart:  mutating(key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "restart…")), readOnly),
		Recreate: mutating(key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "recreate…")), readOnly),
		Stop:     mutating(key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "stop…")), readOnly),
		Start:    mutating(key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "start…")), readOnly),
	}
}

func (k lifecycleKeys) column() []key.Binding {
	return []key.Binding{k.Restart, k.Recreate, k.Stop, k.Start}
}

// action is the lifecycle action msg names, "" for none.
func (k lifecycleKeys) action(msg tea.KeyMsg) string {
	switch {
	case key.Matches(msg, k.Restart):
		return bosh.ActionRestart
	case key.Matches(msg, k.Recreate):
		return bosh.ActionRecreate
	case key.Matches(msg, k.Stop):
		return bosh.ActionStop
	case key.Matches(msg, k.Start):
		return bosh.ActionStart
	}
	return ""
}

// act opens the confirmation of the action msg names on in (nil: the
// whole deployment dep); ok is false when msg names none.
func (k lifecycleKeys) act(c *common, msg tea.KeyMsg, in *bosh.Instance, dep string) (tea.Cmd, bool) {
	action := k.action(msg)
	if action == "" {
		return nil, false
	}
	switch {
	case dep == "":
		return status("no deployment selected", true), true
	case c.lifecycle() == nil:
		return status(action+" needs the director (offline)", true), true
	}
	return pushScreen(newLifecycleScreen(c, action, dep, in), false), true
}

// lifecycleConfirmKeys are the confirmation's: answer (default No),
// widen or narrow what it acts on, and the action's own switches.
type lifecycleConfirmKeys struct {
	Yes   key.Binding
	No    key.Binding
	Scope key.Binding // instance → its group → the deployment
	Fix   key.Binding // recreate --fix
	Hard  key.Binding // stop --hard
}

func newLifecycleConfirmKeys() lifecycleConfirmKeys {
	return lifecycleConfirmKeys{
		Yes:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, apply")),
		No:    key.NewBinding(key.WithKeys("n", "enter"), key.WithHelp("n/enter", "no")),
		Scope: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "instance / group / deployment")),
		Fix:   key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "--fix (recreate unresponsive agents)")),
		Hard:  key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "--hard (delete the VMs)")),
	}
}

func (k lifecycleConfirmKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Yes, k.No, k.Scope, k.Fix, k.Hard}
}

func (k lifecycleConfirmKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// lifecycleCancelKey cancels the running task (after a confirmation),
// as on the tasks screen.
func lifecycleCancelKey(readOnly bool) key.Binding {
	return mutating(key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "cancel task")), readOnly)
}

// Messages of the lifecycle screen.

// lcPlannedMsg: the plan of the request was worked out.
type lcPlannedMsg struct {
	screen, gen int
	steps       []string
	batches     []bosh.LifecycleBatch
	err         error
}

func (m lcPlannedMsg) target() int { return m.screen }

// lcEventMsg is one event line of the running task.
type lcEventMsg struct {
	screen, gen int
	ev          bosh.TaskEvent
	next        tea.Cmd
}

func (m lcEventMsg) target() int { return m.screen }

// lcDoneMsg: the task ended (or could not start).
type lcDoneMsg struct {
	screen, gen int
	taskID      int
	outcome     cache.Outcome
	detail      string
	err         error
}

func (m lcDoneMsg) target() int { return m.screen }

// lcRefreshedMsg: the deployment's instances after the task.
type lcRefreshedMsg struct {
	screen, gen int
	dep         string
	insts       []bosh.Instance
	err         error
	at          time.Time
}

func (m lcRefreshedMsg) target() int { return m.screen }

func planCmd(ctx context.Context, lc Lifecycle, r bosh.LifecycleRequest, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		steps, batches, err := lc.PlanLifecycle(ctx, r)
		return lcPlannedMsg{screen: screen, gen: gen, steps: steps, batches: batches, err: err}
	}
}

// changeCmd applies the confirmed request. It runs to the end even when
// the screen closes, as the director's task does, so the outcome is
// recorded; it never waits on the screen (events beyond the buffer are
// dropped, the screen shows the outcome anyway).
func changeCmd(lc Lifecycle, r bosh.LifecycleRequest, batches []bosh.LifecycleBatch, screen, gen int) tea.Cmd {
	evs := make(chan lcEventMsg, 1024)
	done := make(chan lcDoneMsg, 1)
	go func() {
		id, out, detail, err := lc.ChangeState(context.Background(), r, batches, func(ev bosh.TaskEvent) {
			select {
			case evs <- lcEventMsg{screen: screen, gen: gen, ev: ev}:
			default:
			}
		})
		done <- lcDoneMsg{screen: screen, gen: gen, taskID: id, outcome: out, detail: detail, err: err}
	}()
	return waitLifecycle(evs, done)
}

// waitLifecycle delivers the next event, or the end once every event sent
// before it has been delivered.
func waitLifecycle(evs chan lcEventMsg, done <-chan lcDoneMsg) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev := <-evs:
			ev.next = waitLifecycle(evs, done)
			return ev
		case d := <-done:
			return drainThen(evs, d)()
		}
	}
}

// drainThen delivers the events still buffered, then d.
func drainThen(evs chan lcEventMsg, d lcDoneMsg) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev := <-evs:
			ev.next = drainThen(evs, d)
			return ev
		default:
			return d
		}
	}
}

// refreshCmd reads the deployment's instances with details (a task) after
// the change, to show their new state, VM CID and age.
func refreshCmd(d Director, dep string, now func() time.Time, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		insts, err := d.InstanceDetails(context.Background(), dep)
		return lcRefreshedMsg{screen: screen, gen: gen, dep: dep, insts: insts, err: err, at: now()}
	}
}
