package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/cache"
	"bosun/pks"
)

// EventSource is where the events screen reads the Kubernetes events that
// `bosun events listen` (or the demo's listener) stores. *cache.Store
// implements it; the screen uses Options.Cache when it does.
type EventSource interface {
	Events(q cache.EventQuery) ([]cache.K8sEvent, error)
}

// Timings and bounds of the events screen.
const (
	eventsPoll      = time.Second    // how often new events are read
	eventsWindow    = 24 * time.Hour // what the first read covers
	eventsFirstRead = 20000          // newest events read at first
	eventsPerPoll   = 5000           // most events read per poll
)

// eventSource is the cache when it can serve events.
func (c *common) eventSource() EventSource {
	return c.opts.Data.Events
}

// eventsLoadedMsg: stored events newer than the last read came back.
type eventsLoadedMsg struct {
	screen int
	evs    []cache.K8sEvent
	at     time.Time
	err    error
}

func (m eventsLoadedMsg) target() int { return m.screen }

// eventsTickMsg: time to read new events.
type eventsTickMsg struct{ screen int }

func (m eventsTickMsg) target() int { return m.screen }

// loadEvents reads the events stored after afterID (at first, those of
// the last eventsWindow).
func loadEvents(src EventSource, afterID int64, now func() time.Time, screen int) tea.Cmd {
	return func() tea.Msg {
		q := cache.EventQuery{AfterID: afterID, Limit: eventsPerPoll}
		if afterID == 0 {
			q = cache.EventQuery{Since: now().Add(-eventsWindow), Limit: eventsFirstRead}
		}
		evs, err := src.Events(q)
		return eventsLoadedMsg{screen: screen, evs: evs, at: now(), err: err}
	}
}

// storedToEvent turns a stored event back into the receiver's form.
func storedToEvent(e *cache.K8sEvent) pks.Event {
	return pks.Event{Time: e.Time, Received: e.Received, Cluster: e.Cluster, Deployment: e.Deployment,
		Instance: e.Instance, Namespace: e.Namespace, Object: e.Object, VMID: e.VMID,
		Class: pks.Class(e.Class), Reason: e.Reason, Message: e.Message, Raw: e.Raw}
}

// classLook is how a class shows: glyph, word and colour.
func classLook(c pks.Class) look {
	switch c {
	case pks.ClassNodeNotReady:
		return look{"✗", string(c), roleErr}
	case pks.ClassOOMKilled, pks.ClassCrashLoop:
		return look{"▲", string(c), roleErr}
	case pks.ClassImagePull:
		return look{"▲", string(c), roleWarn}
	case pks.ClassScheduling:
		return look{"◌", string(c), roleWarn}
	case pks.ClassStarted:
		return look{"●", string(c), roleOK}
	}
	return look{"·", string(c), roleFaint}
}

// classFilter is the class filter the x key cycles through: all, problems
// only, then each class.
type classFilter int

func (f classFilter) next() classFilter { return (f + 1) % classFilter(len(pks.Classes)+2) }

func (f classFilter) keep(g *pks.Group) bool {
	switch f {
	case 0:
		return true
	case 1:
		return g.Class.Problem()
	}
	// A row shows under the class it is labelled with.
	return g.Class == pks.Classes[f-2]
}

func (f classFilter) String() string {
	switch f {
	case 0:
		return ""
	case 1:
		return "problems"
	}
	return string(pks.Classes[f-2])
}
