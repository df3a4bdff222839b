package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// CloudChecker runs the cloud-check use cases (Options.Data.CloudCheck):
// a scan, recorded in the cloud-check history; and resolutions the
// operator confirmed on the screen, through bosun's action gate (refused
// under --read-only, recorded in the history).
type CloudChecker interface {
	ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, cache.CCKRecord, error)
	ResolveProblems(ctx context.Context, dep string, probs []bosh.Problem, answers []bosh.Answer, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, error)
}

// CCKHistory is the cloud-check history (Options.Data.CCKHistory).
type CCKHistory interface {
	CCKHistory(uuid, dep string, limit int) ([]cache.CCKRecord, error)
	LastCCKScans(uuid string) (map[string]cache.CCKRecord, error)
}

// routeCloudCheck is the cloud-check screen of route.dep.
const routeCloudCheck routeKind = 100

// cckKeys are the cloud-check bindings.
var cck = struct {
	Open, Apply, Prev, Next, Yes, No key.Binding
}{
	Open:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cloud-check")),
	Apply: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply resolutions")),
	Prev:  key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous resolution")),
	Next:  key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next resolution")),
	Yes:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, apply")),
	No:    key.NewBinding(key.WithKeys("n", "enter"), key.WithHelp("n/enter", "no")),
}

// cckActions are the cloud-check bindings among the screen actions.
// Opening the screen and scanning change nothing on the foundation;
// applying resolutions does, so read-only mode removes it.
func cckActions() []Action {
	return []Action{{Binding: cck.Open}, {Binding: cck.Apply, Mutating: true}}
}

// action is the binding of the screen action with bosun's description
// desc as it stands in the key map (disabled in read-only mode when
// mutating), or a disabled binding when there is none.
func (k KeyMap) action(b key.Binding) key.Binding {
	for _, a := range k.Actions {
		if a.Binding.Help() == b.Help() {
			return a.Binding
		}
	}
	off := b
	off.SetEnabled(false)
	return off
}

// cloudChecker is the director's cloud-check, nil offline.
func (c *common) cloudChecker() CloudChecker {
	if !c.online() {
		return nil
	}
	return c.opts.Data.CloudCheck
}

// cckHistory is the cloud-check history, nil without a cache.
func (c *common) cckHistory() CCKHistory {
	return c.opts.Data.CCKHistory
}

// Messages of the cloud-check screen.

// cckEventMsg is one event line of the running scan or resolution task.
type cckEventMsg struct {
	screen, gen int
	ev          bosh.TaskEvent
	next        tea.Cmd
}

func (m cckEventMsg) target() int { return m.screen }

// cckScannedMsg: the scan ended.
type cckScannedMsg struct {
	screen, gen int
	probs       []bosh.Problem
	err         error
	at          time.Time
	rec         cache.CCKRecord // as recorded in the history
}

func (m cckScannedMsg) target() int { return m.screen }

// cckResolvedMsg: the resolution task ended.
type cckResolvedMsg struct {
	screen, gen int
	out         bosh.ResolveOutcome
	answers     []bosh.Answer
	err         error
}

func (m cckResolvedMsg) target() int { return m.screen }

// cckHistoryMsg: the deployment's history was read.
type cckHistoryMsg struct {
	screen int
	recs   []cache.CCKRecord
}

func (m cckHistoryMsg) target() int { return m.screen }

// cckMarksMsg: the last scan of every deployment was read, for the marks
// on the deployments screen.
type cckMarksMsg struct {
	uuid  string
	marks map[string]cache.CCKRecord
}

// stream runs work on its own goroutine, delivering each task event and
// then the final message; events stop when ctx ends.
func stream(ctx context.Context, screen, gen int, work func(progress func(bosh.TaskEvent)) tea.Msg) tea.Cmd {
	ch := make(chan tea.Msg, 64)
	go func() {
		defer close(ch)
		final := work(func(ev bosh.TaskEvent) {
			select {
			case ch <- cckEventMsg{screen: screen, gen: gen, ev: ev}:
			case <-ctx.Done():
			}
		})
		ch <- final
	}()
	return waitStream(ch)
}

func waitStream(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		if ev, isEvent := m.(cckEventMsg); isEvent {
			ev.next = waitStream(ch)
			return ev
		}
		return m
	}
}

// scanCmd scans dep; the scan is recorded by the CloudChecker.
func scanCmd(ctx context.Context, cc CloudChecker, dep string, now func() time.Time, screen, gen int) tea.Cmd {
	return stream(ctx, screen, gen, func(progress func(bosh.TaskEvent)) tea.Msg {
		probs, rec, err := cc.ScanProblems(ctx, dep, progress)
		return cckScannedMsg{screen: screen, gen: gen, probs: probs, err: err, at: now(), rec: rec}
	})
}

// resolveCmd applies the confirmed answers; the CloudChecker records what
// really happened. It runs to the end even when the screen closes: the
// director does.
func resolveCmd(cc CloudChecker, dep string, probs []bosh.Problem, answers []bosh.Answer, screen, gen int) tea.Cmd {
	ctx := context.Background()
	return stream(ctx, screen, gen, func(progress func(bosh.TaskEvent)) tea.Msg {
		out, err := cc.ResolveProblems(ctx, dep, probs, answers, progress)
		return cckResolvedMsg{screen: screen, gen: gen, out: out, answers: answers, err: err}
	})
}

func loadCCKHistory(h CCKHistory, uuid, dep string, screen int) tea.Cmd {
	if h == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		recs, _ := h.CCKHistory(uuid, dep, 20)
		return cckHistoryMsg{screen: screen, recs: recs}
	}
}

func loadCCKMarks(h CCKHistory, uuid string) tea.Cmd {
	if h == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		marks, err := h.LastCCKScans(uuid)
		if err != nil {
			return nil
		}
		return cckMarksMsg{uuid: uuid, marks: marks}
	}
}

// cckMarks is the last scan of each deployment, by name.
type cckMarks map[string]cache.CCKRecord

// noteCCK remembers dep's latest scan for the deployments screen.
func (c *common) noteCCK(dep string, r cache.CCKRecord) {
	if c.cckMarks == nil {
		c.cckMarks = cckMarks{}
	}
	c.cckMarks[dep] = r
}

// cckMark is the deployments screen's note of open problems found by the
// last scan, "" when there were none or no scan is known.
func (c *common) cckMark(dep string) string {
	r, ok := c.cckMarks[dep]
	if !ok || r.Outcome != cache.CCKProblems || r.Problems == 0 {
		return ""
	}
	return fmt.Sprintf(" (cck: %d)", r.Problems)
}

// cckKey opens the cloud-check screen with `c`: on the deployment under
// the cursor of the deployments screen, or on the deployment of an
// instances screen.
func (m *Model) cckKey(t screen, msg tea.KeyMsg) (tea.Cmd, bool) {
	if !key.Matches(msg, m.c.keys.action(cck.Open)) {
		return nil, false
	}
	dep := ""
	switch s := t.(type) {
	case *deploymentsScreen:
		if s.editing || s.set.Len() == 0 {
			return nil, false
		}
		dep = s.set.at(s.tbl.Cursor()).d.Name
	case *instancesScreen:
		if s.editing || s.all() {
			return nil, false
		}
		dep = s.dep
	default:
		return nil, false
	}
	if !m.c.online() {
		return status("cloud-check needs the director (offline)", true), true
	}
	return navigate(route{kind: routeCloudCheck, dep: dep}, false), true
}
