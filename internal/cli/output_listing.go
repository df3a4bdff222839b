package cli

import (
	"io"
	"time"

	"bosun/bosh"
)

// Every element of a listing says where it came from (DESIGN.md, JSON):
// source "live" or "cache", and when it was fetched.

// origin is where a listing's elements came from: one source, fetched at
// one time or, per deployment, at the times in byDep.
type origin struct {
	source string
	at     time.Time
	byDep  map[string]time.Time
}

func liveAt(at time.Time) origin   { return origin{source: sourceLive, at: at} }
func cachedAt(at time.Time) origin { return origin{source: sourceCache, at: at} }

// fetchedAt is when dep's rows were fetched.
func (o origin) fetchedAt(dep string) time.Time {
	if t, ok := o.byDep[dep]; ok {
		return t.UTC()
	}
	return o.at.UTC()
}

// deploymentJSON is one element of `bosun deployments --json`.
type deploymentJSON struct {
	bosh.Deployment
	Source    string    `json:"source"`
	FetchedAt time.Time `json:"fetched_at"`
}

// instanceJSON is one element of `bosun instances --json`: the instance,
// vm_created_at null when unknown, and where it came from.
type instanceJSON struct {
	bosh.Instance
	VMCreatedAt *time.Time `json:"vm_created_at"`
	Source      string     `json:"source"`
	FetchedAt   time.Time  `json:"fetched_at"`
}

func writeDeploymentsJSON(w io.Writer, deps []bosh.Deployment, o origin) error {
	out := make([]deploymentJSON, len(deps))
	for i, d := range deps {
		d.Releases, d.Stemcells, d.Teams = nonNil(d.Releases), nonNil(d.Stemcells), nonNil(d.Teams)
		out[i] = deploymentJSON{Deployment: d, Source: o.source, FetchedAt: o.fetchedAt(d.Name)}
	}
	return writeJSONArray(w, out)
}

// writeInstancesJSON streams the instances one element at a time.
func writeInstancesJSON(w io.Writer, insts []bosh.Instance, o origin) error {
	arr := newJSONArray(w)
	for i := range insts {
		if err := arr.add(instanceForJSON(insts[i], o)); err != nil {
			return err
		}
	}
	return arr.close()
}

// instanceForJSON fills the lists the contract never prints as null.
func instanceForJSON(in bosh.Instance, o origin) instanceJSON {
	in.IPs = nonNil(in.IPs)
	in.DiskCIDs = nonNil(in.DiskCIDs)
	if in.Processes == nil {
		in.Processes = []bosh.Process{}
	}
	j := instanceJSON{Instance: in, Source: o.source, FetchedAt: o.fetchedAt(in.Deployment)}
	if !in.VMCreatedAt.IsZero() {
		t := in.VMCreatedAt.UTC()
		j.VMCreatedAt = &t
	}
	return j
}
