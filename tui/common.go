package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// common is what every screen shares: options, styles, the root's keys, the data store,
// the director's state and the clock. There is one per program; screens keep
// a pointer to it.
type common struct {
	opts   Options
	styles Styles
	keys   KeyMap
	store  *store

	info     bosh.Info // live once infoLive, else the cached info
	infoLive bool
	dirErr   error // last error of a director listing or info call; nil when the last one worked

	width, height int
	activeID      int // id of the screen on top of the stack
	nextID        int

	// schedule returns a command that delivers msg after d. It is tea.Tick in
	// the program; tests record instead of sleeping.
	schedule func(d time.Duration, msg tea.Msg) tea.Cmd

	cckMarks cckMarks  // last cloud-check scan per deployment (tui/cck_data.go)
	tasks    taskCount // the director's running tasks, for the header (tui/tasks_data.go)
}

func newCommon(o Options) *common {
	c := &common{
		opts:   o,
		styles: NewStyles(o.NoColor),
		keys:   DefaultKeyMap(),
		store:  newStore(),
		info:   o.Cached,
		schedule: func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		},
	}
	return c
}

func (c *common) now() time.Time { return c.opts.Now() }

// uuid is the cache key to read: the live director's UUID, else the cached
// one.
func (c *common) uuid() string { return c.info.UUID }

// saveKey is the cache key to write: only once the director has said who it
// is, so rows never land under another director's key. Until then saves
// are skipped; the router saves every live listing when /info answers.
func (c *common) saveKey() string {
	if !c.infoLive {
		return ""
	}
	return c.info.UUID
}

// online says whether there is a director to ask.
func (c *common) online() bool { return c.opts.Director != nil }

// newID hands out screen ids; messages carry them so results reach the
// screen that asked.
func (c *common) newID() int {
	c.nextID++
	return c.nextID
}

// noteDirector records the outcome of a director listing call for the
// header and footer.
func (c *common) noteDirector(err error) {
	c.dirErr = err
}

// routeKind names the screens the router can build.
type routeKind int

const (
	routeDeployments routeKind = iota
	routeInstances
	routeProcesses
	routeClusters // tui/clusters.go
)

// route says which screen to show: instances of one deployment (dep set) or
// of all (dep empty); the processes of one instance (dep and instance set).
type route struct {
	kind     routeKind
	dep      string
	instance string // instance key, see instanceKey
}
