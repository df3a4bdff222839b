package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/pks"
)

// PKS is the part of the PKS API client the TUI reads from. *pks.Client
// implements it.
type PKS interface {
	Clusters(ctx context.Context) ([]pks.Cluster, error)
}

// ClusterCache is the part of the cache that keeps PKS clusters
// (Options.Data.Clusters).
type ClusterCache interface {
	Clusters(uuid string) ([]pks.Cluster, string, time.Time, error)
	SaveClusters(uuid, apiURL string, clusters []pks.Cluster, at time.Time) error
}

// clusterCache is the cache's cluster part, nil when there is none.
func (c *common) clusterCache() ClusterCache {
	return c.opts.Data.Clusters
}

// clustersLoadedMsg: the PKS API's cluster list came back.
type clustersLoadedMsg struct {
	screen, gen int
	clusters    []pks.Cluster
	at          time.Time
	err         error
}

func (m clustersLoadedMsg) target() int { return m.screen }

// cachedClustersMsg: the cached cluster list was read.
type cachedClustersMsg struct {
	screen   int
	uuid     string
	clusters []pks.Cluster
	api      string
	at       time.Time
	err      error
}

func (m cachedClustersMsg) target() int { return m.screen }

// fetchClusters asks the PKS API for its clusters.
func fetchClusters(ctx context.Context, p PKS, now func() time.Time, screen, gen int) tea.Cmd {
	return func() tea.Msg {
		cl, err := p.Clusters(ctx)
		return clustersLoadedMsg{screen: screen, gen: gen, clusters: cl, at: now(), err: err}
	}
}

// loadCachedClusters reads the cached cluster list of a director.
func loadCachedClusters(c ClusterCache, uuid string, screen int) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		cl, api, at, err := c.Clusters(uuid)
		return cachedClustersMsg{screen: screen, uuid: uuid, clusters: cl, api: api, at: at, err: err}
	}
}

// saveClusters writes a live cluster list to the cache.
func saveClusters(c ClusterCache, uuid, api string, cl []pks.Cluster, at time.Time) tea.Cmd {
	if c == nil || uuid == "" {
		return nil
	}
	return func() tea.Msg {
		err := c.SaveClusters(uuid, api, cl, at)
		if err != nil {
			err = fmt.Errorf("save clusters to cache: %w", err)
		}
		return cacheSavedMsg{what: "clusters", err: err}
	}
}
