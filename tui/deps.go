package tui

import (
	"context"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// Director is the part of the director client the TUI reads from.
// *bosh.Client implements it.
type Director interface {
	Info(ctx context.Context) (bosh.Info, error)
	Deployments(ctx context.Context) ([]bosh.Deployment, error)
	// Instances is the cheap listing: no director task, Full=false.
	Instances(ctx context.Context, dep string) ([]bosh.Instance, error)
	// InstanceDetails runs a director task: Full=true with process state
	// and vitals.
	InstanceDetails(ctx context.Context, dep string) ([]bosh.Instance, error)
}

// Cache is the part of the snapshot cache the TUI reads and writes.
// *cache.Store implements it. Any error from a read counts as "no cached
// rows".
type Cache interface {
	Deployments(uuid string) ([]bosh.Deployment, time.Time, error)
	KeepDeployments(uuid string, deps []bosh.Deployment, at time.Time) error
	Instances(uuid, dep string) ([]bosh.Instance, time.Time, error)
	KeepInstances(uuid, dep string, insts []bosh.Instance, at time.Time) error
	AllInstances(uuid string) ([]bosh.Instance, time.Time, error)
}

// Data is what the screens beyond the listings read and do, each part
// nil when unavailable (offline, no cache, no PKS API). The command line
// fills it from bosun/app; nothing here is found by type assertion.
type Data struct {
	CloudCheck   CloudChecker   // scans and resolutions, recorded by the caller; nil offline
	CCKHistory   CCKHistory     // cloud-check history; nil without a cache
	Clusters     ClusterCache   // cached PKS clusters; nil without a cache
	AuditHistory AuditHistory   // bosun's audit changes; nil without a cache
	Logs         LogsFetcher    // log bundle fetching; nil offline
	LogsIndex    LogsIndex      // the bundle index; nil without a cache
	Events       EventSource    // stored Kubernetes events; nil without a cache
	History      HistorySource  // every action bosun ran or refused; nil without a cache
	Tasks        TaskSource     // the director's tasks, followed and cancelled (tui/tasks.go); nil offline
	Activity     ActivitySource // the director's activity trail (tui/activity.go); nil offline
	Lifecycle    Lifecycle      // restart, recreate, stop, start through the gate (tui/lifecycle.go); nil offline
}

// TaskSource is the director's tasks: listings (never a task themselves),
// one task's output followed while it runs, and cancelling a task whose
// plan the TUI has shown and had confirmed (through the gate, recorded).
type TaskSource interface {
	Tasks(ctx context.Context, f bosh.TasksFilter) ([]bosh.Task, error)
	FollowTask(ctx context.Context, id int, typ string, onChunk func([]byte), o bosh.FollowOptions) (bosh.Task, error)
	StopTask(ctx context.Context, id int) (bosh.Task, error) // cancels it through the gate
}

// ActivitySource is the director's activity trail (GET /events), newest
// first, up to limit events, paged back with f.BeforeID.
type ActivitySource interface {
	Activity(ctx context.Context, f bosh.EventsFilter, limit int) ([]bosh.Event, error)
}

// HistorySource is the history of every action bosun ran or refused.
type HistorySource interface {
	History(ctx context.Context, f cache.HistoryFilter) ([]cache.Action, error)
}

// Start screens accepted in Options.StartScreen.
const (
	StartDeployments = "deployments"
	StartInstances   = "instances"
)

// Options wires the TUI to its data and says how it should behave.
type Options struct {
	Director        Director  // nil when --offline
	Cache           Cache     // may be nil (cache unavailable)
	Cached          bosh.Info // last known director info from the cache, may be zero
	Environment     string    // as the user named it (alias or URL)
	ReadOnly        bool
	Production      bool // environment marked production: PROD badge, mutating confirmations need the typed name
	Offline         bool
	NoColor         bool
	RefreshEvery    time.Duration // cheap listing refresh, default 30s
	DetailsEvery    time.Duration // task-based details refresh, default 5m
	Now             func() time.Time
	StartScreen     string // "deployments" (default) or "instances"
	StartDeployment string // with StartScreen "instances": one deployment, empty for all
	Notice          string // shown in the footer at start, e.g. why the cache could not be opened
	PKS             PKS    // the PKS API for the clusters screen (tui/clusters_data.go); nil when not configured
	PKSAPI          string // its URL, recorded with cached clusters
	// Etcd and Usage run etcdctl on a cluster's master and the billing
	// query on the PKS database VM over SSH (tui/clusters_views.go); nil:
	// their keys say the views are not wired.
	Etcd  func(ctx context.Context, cluster, deployment string) (pks.EtcdReport, error)
	Usage func(ctx context.Context, since time.Time) (pks.UsageReport, error)
	Data  Data        // the screens' other dependencies
	Shell ShellOpener // opens a shell on an instance (tui/ssh.go); nil: the shell key says it cannot
	Audit Auditor     // kube-apiserver audit flags (tui/audit.go); nil: the audit key says it cannot
}

// Default refresh intervals.
const (
	DefaultRefreshEvery = 30 * time.Second
	DefaultDetailsEvery = 5 * time.Minute
)

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = DefaultRefreshEvery
	}
	if o.DetailsEvery <= 0 {
		o.DetailsEvery = DefaultDetailsEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Director == nil {
		o.Offline = true
	}
	if o.Offline {
		o.Director = nil
	}
	return o
}
