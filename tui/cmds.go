package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

// Every call into the data layer -- the director, the PKS API, the cache,
// SSH, bundle files -- runs inside a tea.Cmd and comes back as a message;
// Update and View only build these commands, never call the data layer.
// The commands are built in this file (director info, the deployments and
// instances listings every screen shares, their cache, the shell) and in
// the data file of each feature: audit_data.go, cck_data.go,
// clusters_data.go, events_data.go and logs_data.go.

// sweepWorkers bounds the fetches one sweep runs at once; the director
// client bounds its tasks in flight on top of this.
const sweepWorkers = 4

// loadCachedDeployments reads the cached deployments listing.
func loadCachedDeployments(c Cache, uuid string) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		deps, at, err := c.Deployments(uuid)
		return cachedDeploymentsMsg{uuid: uuid, deps: deps, at: at, err: err}
	}
}

// loadCachedInstances reads the cached instances of every deployment.
func loadCachedInstances(c Cache, uuid string) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		insts, at, err := c.AllInstances(uuid)
		return cachedInstancesMsg{uuid: uuid, insts: insts, at: at, err: err}
	}
}

// saveDeployments writes a live deployments listing to the cache.
func saveDeployments(c Cache, uuid string, deps []bosh.Deployment, at time.Time) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		err := c.KeepDeployments(uuid, deps, at)
		if err != nil {
			err = fmt.Errorf("save deployments to cache: %w", err)
		}
		return cacheSavedMsg{what: "deployments", err: err}
	}
}

// saveInstances writes one deployment's instances to the cache.
func saveInstances(c Cache, uuid, dep string, insts []bosh.Instance, at time.Time) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		err := c.KeepInstances(uuid, dep, insts, at)
		if err != nil {
			err = fmt.Errorf("save instances of %s to cache: %w", dep, err)
		}
		return cacheSavedMsg{what: dep, err: err}
	}
}

// fetchInfo asks the director who it is.
func fetchInfo(ctx context.Context, d Director) tea.Cmd {
	return func() tea.Msg {
		info, err := d.Info(ctx)
		return infoLoadedMsg{info: info, err: err}
	}
}

// fetchDeployments asks the director for its deployments.
func fetchDeployments(ctx context.Context, d Director, now func() time.Time, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		deps, err := d.Deployments(ctx)
		return deploymentsLoadedMsg{screen: screen, gen: gen, deps: deps, at: now(), err: err}
	}
}

// sweep fetches the instances of each deployment with fetch (the cheap
// listing or the details task), a few at a time, and delivers one
// instancesLoadedMsg per deployment as they land. Every deployment yields
// exactly one message, even after ctx is cancelled.
func sweep(ctx context.Context, fetch func(context.Context, string) ([]bosh.Instance, error),
	deps []string, details bool, now func() time.Time, screen, gen int) tea.Cmd {
	if len(deps) == 0 {
		return nil
	}
	return func() tea.Msg {
		out := make(chan instancesLoadedMsg, len(deps)) // never blocks a worker
		todo := make(chan string, len(deps))
		for _, d := range deps {
			todo <- d
		}
		close(todo)
		for range min(sweepWorkers, len(deps)) {
			go func() {
				for dep := range todo {
					var insts []bosh.Instance
					err := ctx.Err()
					if err == nil {
						insts, err = fetch(ctx, dep)
					}
					out <- instancesLoadedMsg{screen: screen, gen: gen, details: details,
						dep: dep, insts: insts, at: now(), err: err}
				}
			}()
		}
		return waitSweep(out)()
	}
}

// waitSweep delivers the next result of a sweep.
func waitSweep(ch <-chan instancesLoadedMsg) tea.Cmd {
	return func() tea.Msg {
		m := <-ch
		m.next = waitSweep(ch)
		return m
	}
}

// shell opens a shell on instance ("group/uuid") of dep: the TUI releases
// the terminal while it runs, and takes it back when it ends.
func shell(sh ShellOpener, dep, instance string) tea.Cmd {
	return func() tea.Msg {
		return tea.Exec(sh.Shell(dep, instance), func(err error) tea.Msg {
			return shellDoneMsg{instance: instance, err: err}
		})()
	}
}
