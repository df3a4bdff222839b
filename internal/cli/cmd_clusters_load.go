package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// clusterListing is every cluster joined to its deployment, with where the
// names came from and how healthy each one is.
type clusterListing struct {
	entries   []pks.Entry
	source    string    // "pks-api", "cache" or "deployments"
	at        time.Time // when the cluster list was fetched
	depsKnown bool
	depsLive  bool                  // the deployments came from the director, not the cache
	health    map[string]pks.Health // by deployment
	insts     map[string][]bosh.Instance
	uuid      string                         // the director's, "" when unknown
	control   string                         // the PKS control plane deployment, "" when not seen
	cck       map[string]cache.CCKRecord     // last cloud-check scan by deployment, from the cache
	audit     map[string]string              // "on", "off" or "mixed" by deployment, from the cache
	apiserver map[string]pks.APIServerReport // masters' /healthz by deployment, when asked (cmd_clusters_healthz.go)
	// incomplete says why a live listing is not whole or not live (the
	// cache stood in, a deployment could not be read); "" when it is, and
	// always offline, where the cache is what was asked for.
	incomplete []string
}

// note records why the listing is partial; offline nothing is.
func (l *clusterListing) note(g *globals, why string) {
	if !g.offline {
		l.incomplete = append(l.incomplete, why)
	}
}

// partial is exit 3 with the reasons when the listing is incomplete.
func (l *clusterListing) partial() error {
	if len(l.incomplete) == 0 {
		return nil
	}
	return partial("the listing is partial: " + strings.Join(l.incomplete, "; "))
}

// Sources of the cluster names.
const (
	sourceAPI         = "pks-api"
	sourceCache       = "cache"
	sourceDeployments = "deployments"
	sourceLive        = "live" // where a listing's element came from: "live" or sourceCache
)

// loadClusters asks the director and the PKS API (or, offline, the cache)
// and joins their answers. The PKS API being unreachable is not fatal:
// the cached clusters stand in, else the deployment names alone. Notes go
// to errOut. withHealth adds the roll-up from instance details.
func loadClusters(ctx context.Context, g *globals, s *session, withHealth bool, errOut io.Writer) (*clusterListing, error) {
	l := &clusterListing{health: map[string]pks.Health{}, insts: map[string][]bosh.Instance{}}
	info, _, err := s.DirectorInfo(ctx, g.offline)
	if err != nil && !g.offline {
		fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
		l.note(g, "the director could not be asked")
		info, _, err = s.DirectorInfo(ctx, true)
	}
	if err == nil {
		l.uuid = info.UUID
	}
	if !g.offline {
		s.warnCache(errOut)
	}
	deps := l.deploymentNames(ctx, g, s, errOut)
	clusters, err := l.clusterList(ctx, g, s, errOut)
	switch {
	case err == nil:
		l.entries = pks.Join(clusters, deps, l.depsKnown)
	case l.depsKnown:
		fmt.Fprintln(errOut, "bosun: "+oneLine(err.Error())+"; listing the cluster deployments without their names")
		l.note(g, "cluster names unknown")
		l.source, l.entries = sourceDeployments, pks.FromDeployments(deps)
	default:
		return nil, fmt.Errorf("no clusters: %v, and the director's deployments are not known either", oneLine(err.Error()))
	}
	if withHealth {
		l.rollUp(ctx, g, s, errOut)
	}
	l.fromHistory(s)
	return l, nil
}

// fromHistory adds what the cache remembers of each cluster deployment:
// its last cloud-check scan and whether bosun last left kube-apiserver
// auditing on on its masters.
func (l *clusterListing) fromHistory(s *session) {
	l.audit = map[string]string{}
	if s.Store == nil || l.uuid == "" {
		return
	}
	l.cck, _ = s.Store.LastCCKScans(l.uuid)
	for _, e := range l.entries {
		if e.Deployment == "" {
			continue
		}
		last, err := s.Store.LastAudit(l.uuid, e.Deployment)
		if err != nil || len(last) == 0 {
			continue
		}
		var flags []map[string]string
		for _, r := range last {
			flags = append(flags, r.FlagsAfter)
		}
		l.audit[e.Deployment] = pks.AuditState(flags)
	}
}

// deploymentNames are the director's deployments, live (and cached) or
// cached; depsKnown says whether there are any to go by.
func (l *clusterListing) deploymentNames(ctx context.Context, g *globals, s *session, errOut io.Writer) []string {
	var deps []bosh.Deployment
	var err error
	if !g.offline && l.uuid != "" {
		deps, err = liveDeployments(ctx, s, l.uuid, time.Now(), errOut)
		if err != nil {
			fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
			l.note(g, "deployments from the cache")
		}
	}
	at := time.Now()
	l.depsLive = deps != nil
	if deps == nil && s.Store != nil && l.uuid != "" {
		if deps, at, err = s.Store.Deployments(l.uuid); err == nil {
			noteAge(errOut, "deployments", at)
		}
	}
	if l.at.IsZero() {
		l.at = at // until the cluster list says otherwise
	}
	if deps == nil {
		return nil
	}
	l.depsKnown = true
	names := make([]string, len(deps))
	for i, d := range deps {
		names[i] = d.Name
	}
	l.control = pks.ControlPlane(names)
	return names
}

// clusterList asks the PKS API, falling back to the cache.
func (l *clusterListing) clusterList(ctx context.Context, g *globals, s *session, errOut io.Writer) ([]pks.Cluster, error) {
	var apiErr error
	if !g.offline {
		c, err := s.PKSClient()
		if err == nil {
			var clusters []pks.Cluster
			if clusters, err = c.Clusters(ctx); err == nil {
				l.source, l.at = sourceAPI, time.Now()
				if err := s.KeepClusters(l.uuid, c.Target().API, clusters, l.at); err != nil {
					fmt.Fprintln(errOut, "bosun: warning: "+oneLine(err.Error()))
				}
				return clusters, nil
			}
		}
		apiErr = err
	}
	if s.Store != nil && l.uuid != "" {
		clusters, api, at, err := s.Store.Clusters(l.uuid)
		if err == nil {
			if apiErr != nil {
				fmt.Fprintln(errOut, "bosun: "+oneLine(apiErr.Error()))
				l.note(g, "clusters from the cache")
			}
			fmt.Fprintf(errOut, "bosun: clusters from cache (PKS API %s), fetched %s ago (%s)\n", api, cache.Age(at, time.Now()), at.Local().Format("2006-01-02 15:04:05"))
			l.source, l.at = sourceCache, at
			return clusters, nil
		}
		if !errors.Is(err, cache.ErrNotCached) && apiErr == nil {
			apiErr = err
		}
	}
	if apiErr == nil {
		apiErr = fmt.Errorf("no clusters cached for %s yet: run once without --offline", s.EnvName)
	}
	return nil, apiErr
}

// rollUp fetches the instance details of every cluster deployment
// (cached ones offline or when the director fails) and sums them up.
func (l *clusterListing) rollUp(ctx context.Context, g *globals, s *session, errOut io.Writer) {
	var deps []string
	for _, e := range l.entries {
		if e.Deployment != "" && e.Link != pks.LinkUnchecked {
			deps = append(deps, e.Deployment)
		}
	}
	if len(deps) == 0 {
		return
	}
	var mu sync.Mutex
	got := map[string]bool{}
	if !g.offline && s.Client != nil && l.uuid != "" {
		err := s.Client.AllInstanceDetails(ctx, deps, func(dep string, insts []bosh.Instance, err error) {
			if err != nil {
				return
			}
			_ = s.KeepInstances(l.uuid, dep, insts, time.Now()) // the listing stands without the cache
			mu.Lock()
			l.insts[dep], got[dep] = insts, true
			mu.Unlock()
		})
		if err != nil {
			fmt.Fprintln(errOut, "bosun: warning: instance details: "+oneLine(err.Error()))
		}
	}
	missed := 0
	for _, dep := range deps {
		if !got[dep] {
			missed++
		}
		if !got[dep] && s.Store != nil && l.uuid != "" {
			if insts, _, err := s.Store.Instances(l.uuid, dep); err == nil {
				l.insts[dep] = insts
			}
		}
		if insts, ok := l.insts[dep]; ok {
			l.health[dep] = pks.RollUp(insts)
		}
	}
	if missed > 0 {
		l.note(g, fmt.Sprintf("instances of %d of %d cluster deployments not read live", missed, len(deps)))
	}
}
