package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// targeted is a message for one screen, named by its id. The router drops
// it when that screen is gone.
type targeted interface{ target() int }

// infoLoadedMsg: the director said who it is (or could not be reached).
type infoLoadedMsg struct {
	info bosh.Info
	err  error
}

// cachedDeploymentsMsg: the cache's deployments listing was read.
type cachedDeploymentsMsg struct {
	uuid string // the cache key read
	deps []bosh.Deployment
	at   time.Time
	err  error
}

// cachedInstancesMsg: the cache's instances of all deployments were read.
type cachedInstancesMsg struct {
	uuid  string
	insts []bosh.Instance
	at    time.Time
	err   error
}

// deploymentsLoadedMsg: the director's deployments listing came back.
type deploymentsLoadedMsg struct {
	screen, gen int
	deps        []bosh.Deployment
	at          time.Time
	err         error
}

func (m deploymentsLoadedMsg) target() int { return m.screen }

// instancesLoadedMsg: one deployment's instances came back from a sweep,
// the cheap listing or (details) the task-based one. next waits for the
// sweep's following result.
type instancesLoadedMsg struct {
	screen, gen int
	details     bool
	dep         string
	insts       []bosh.Instance
	at          time.Time
	err         error
	next        tea.Cmd
}

func (m instancesLoadedMsg) target() int { return m.screen }

// refreshTickMsg: time for a screen's cheap listing.
type refreshTickMsg struct{ screen int }

func (m refreshTickMsg) target() int { return m.screen }

// detailsTickMsg: time for a screen's details sweep.
type detailsTickMsg struct{ screen int }

func (m detailsTickMsg) target() int { return m.screen }

// cacheSavedMsg: a cache write finished.
type cacheSavedMsg struct {
	what string
	err  error
}

// navigateMsg asks the router to show a screen; reset replaces the stack
// below it with the deployments screen (palette jumps).
type navigateMsg struct {
	to    route
	reset bool
}

// statusMsg shows a transient line in the footer.
type statusMsg struct {
	text string
	err  bool
}

// clockTickMsg repaints ages ("cached 4m ago").
type clockTickMsg struct{}

// spinTickMsg advances the footer spinner.
type spinTickMsg struct{}

// infoWantedMsg: a screen was asked to refresh; the router retries the
// director's /info if it has not answered yet.
type infoWantedMsg struct{}

// popScreenMsg asks the router to close the screen it names when that
// screen is on top (a logs fetch cancelled with its own key).
type popScreenMsg struct{ screen int }

// reloadMsg rebuilds the top screen's rows after a burst of data, for
// screens too large to rebuild on every message.
type reloadMsg struct{}
