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
	KeepClusters(uuid, apiURL string, clusters []pks.Cluster, at time.Time) error
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
		err := c.KeepClusters(uuid, api, cl, at)
		if err != nil {
			err = fmt.Errorf("save clusters to cache: %w", err)
		}
		return cacheSavedMsg{what: "clusters", err: err}
	}
}

// usagePeriod is the period the usage view covers.
const usagePeriod = 14 * 24 * time.Hour

// reportLoadedMsg: an etcd or usage fetch came back.
type reportLoadedMsg struct {
	screen int
	etcd   pks.EtcdReport
	usage  pks.UsageReport
	at     time.Time
	err    error
}

func (m reportLoadedMsg) target() int { return m.screen }

// etcdReport asks etcdctl on a master of the cluster for its members.
func etcdReport(get func(ctx context.Context, cluster, dep string) (pks.EtcdReport, error),
	cluster, dep string, now func() time.Time) func(context.Context) reportLoadedMsg {
	return func(ctx context.Context) reportLoadedMsg {
		r, err := get(ctx, cluster, dep)
		return reportLoadedMsg{etcd: r, at: now(), err: err}
	}
}

// usageReport runs the billing query over the last usagePeriod.
func usageReport(get func(ctx context.Context, since time.Time) (pks.UsageReport, error),
	now func() time.Time) func(context.Context) reportLoadedMsg {
	return func(ctx context.Context) reportLoadedMsg {
		r, err := get(ctx, now().Add(-usagePeriod))
		return reportLoadedMsg{usage: r, at: now(), err: err}
	}
}

// runReport runs a report's fetch for the screen.
func runReport(ctx context.Context, fetch func(context.Context) reportLoadedMsg, screen int) tea.Cmd {
	return func() tea.Msg {
		m := fetch(ctx)
		m.screen = screen
		return m
	}
}
