package pks

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"bosun/bosh"
)

// APIServerCheck is one master's kube-apiserver: monit's word for the
// process and whether the job's own /healthz check
// (ensure_apiserver_healthy) passes.
type APIServerCheck struct {
	Instance string `json:"instance"`
	Healthy  bool   `json:"healthy"`
	State    string `json:"state"` // monit: running, initializing, Execution failed, ...
	Error    string `json:"error"` // "" when healthy
}

// APIServerReport is the kube-apiserver /healthz of every master of a
// cluster. Checked is false when bosun did not look (Skipped says why).
type APIServerReport struct {
	Checked bool             `json:"checked"`
	Skipped string           `json:"skipped"` // "" when checked
	Healthy bool             `json:"healthy"`
	Masters []APIServerCheck `json:"masters"`
}

// SkippedAPIServers is a report for a cluster bosun did not look at.
func SkippedAPIServers(why string) APIServerReport {
	return APIServerReport{Skipped: why, Masters: []APIServerCheck{}}
}

// CheckAPIServers probes every master's kube-apiserver at once, at most
// parallel at a time (DefaultParallel when 0). It only reads.
func CheckAPIServers(ctx context.Context, r Runner, hosts []bosh.SSHHost, layout MasterLayout, parallel int) APIServerReport {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	rep := APIServerReport{Checked: true, Masters: make([]APIServerCheck, len(hosts))}
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, h := range hosts {
		g.Go(func() error {
			c := APIServerCheck{Instance: h.Instance()}
			p, err := master{r: r, h: h, layout: layout}.probe(ctx)
			c.State, c.Healthy = p.state, err == nil && p.healthy
			switch {
			case err != nil:
				c.Error = err.Error()
			case !c.Healthy:
				c.Error = "/healthz failing"
			}
			rep.Masters[i] = c
			return nil
		})
	}
	g.Wait()
	rep.Healthy = len(hosts) > 0
	for _, c := range rep.Masters {
		if !c.Healthy {
			rep.Healthy = false
		}
	}
	return rep
}

// AddAPIServers folds the masters' /healthz into the roll-up: each
// failing apiserver is a problem; none healthy makes the cluster down,
// some failing makes a healthy cluster degraded. An unchecked report
// changes nothing.
func (h *Health) AddAPIServers(rep APIServerReport) {
	if !rep.Checked || len(rep.Masters) == 0 {
		return
	}
	bad := 0
	for _, c := range rep.Masters {
		if c.Healthy {
			continue
		}
		bad++
		h.Problems = append(h.Problems, fmt.Sprintf("%s kube-apiserver /healthz failing (%s)", c.Instance, orWord(c.State, c.Error)))
	}
	switch {
	case bad == 0:
	case bad == len(rep.Masters):
		h.State = HealthDown
	case h.State == HealthHealthy || h.State == HealthUnknown:
		h.State = HealthDegraded
	}
}
