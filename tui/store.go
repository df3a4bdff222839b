package tui

import (
	"slices"
	"strings"
	"time"

	"bosun/bosh"
)

// store holds what the TUI knows: deployments and instances, each with the
// time it was fetched and whether it came from the director (live) or the
// cache. Live data always wins over cached data. Slices are replaced, never
// changed in place, so screens may keep pointers into them.
type store struct {
	ver int // bumped on every change; screens rebuild when it moves

	deps      []bosh.Deployment // sorted by name
	depsAt    time.Time
	depsLive  bool
	depsKnown bool

	inst map[string]*depRows

	// pending counts, per deployment, the details fetches queued for it, so
	// a new sweep does not ask the director twice for the same thing.
	pending map[string]int
}

// depRows are the instances of one deployment.
type depRows struct {
	ver       int // store.ver when these rows last changed
	rows      []bosh.Instance
	at        time.Time // when the rows were fetched
	live      bool
	detailsAt time.Time // when live details last arrived, zero if never
	health    bosh.Health
	hasState  bool // at least one instance carries a process state
}

func newStore() *store {
	return &store{inst: map[string]*depRows{}, pending: map[string]int{}}
}

func (s *store) bump() int {
	s.ver++
	return s.ver
}

// setDeployments stores a deployments listing. Cached rows never replace
// live ones. A live listing forgets the instances of deployments that are
// gone.
func (s *store) setDeployments(deps []bosh.Deployment, at time.Time, live bool) bool {
	if !live && s.depsLive {
		return false
	}
	deps = slices.Clone(deps)
	slices.SortFunc(deps, func(a, b bosh.Deployment) int { return strings.Compare(a.Name, b.Name) })
	s.deps, s.depsAt, s.depsLive, s.depsKnown = deps, at, live, true
	if live {
		keep := make(map[string]bool, len(deps))
		for _, d := range deps {
			keep[d.Name] = true
		}
		for name := range s.inst {
			if !keep[name] {
				delete(s.inst, name)
			}
		}
	}
	s.bump()
	return true
}

// setCachedInstances spreads the cache's instances of all deployments over
// the deployments that have no live rows yet, and lends their process state
// to live rows that have no details yet.
func (s *store) setCachedInstances(all []bosh.Instance, at time.Time) bool {
	groups := map[string][]bosh.Instance{}
	for _, in := range all {
		groups[in.Deployment] = append(groups[in.Deployment], in)
	}
	changed := false
	for dep, rows := range groups {
		cur := s.inst[dep]
		switch {
		case cur == nil || !cur.live:
			s.put(dep, rows, at, false)
		case cur.detailsAt.IsZero():
			// Live rows from the cheap listing beat the cache for their
			// shape, but the cache still knows the last process states.
			r := s.put(dep, mergeListing(rows, cur.rows), cur.at, true)
			r.detailsAt = cur.detailsAt
		default:
			continue
		}
		changed = true
	}
	return changed
}

// setListing stores a cheap listing, keeping the last known process state,
// processes and vitals of each instance, and returns the merged rows.
func (s *store) setListing(dep string, rows []bosh.Instance, at time.Time) []bosh.Instance {
	var prev []bosh.Instance
	detailsAt := time.Time{}
	if cur := s.inst[dep]; cur != nil {
		prev, detailsAt = cur.rows, cur.detailsAt
	}
	merged := mergeListing(prev, rows)
	r := s.put(dep, merged, at, true)
	r.detailsAt = detailsAt
	return merged
}

// setDetails stores a full listing as the deployment's rows.
func (s *store) setDetails(dep string, rows []bosh.Instance, at time.Time) {
	r := s.put(dep, rows, at, true)
	r.detailsAt = at
}

func (s *store) put(dep string, rows []bosh.Instance, at time.Time, live bool) *depRows {
	rows = slices.Clone(rows)
	for i := range rows {
		if rows[i].Deployment == "" {
			rows[i].Deployment = dep
		}
	}
	slices.SortStableFunc(rows, compareInstances)
	r := &depRows{ver: s.bump(), rows: rows, at: at, live: live, health: bosh.Summarize(rows)}
	for i := range rows {
		if rows[i].ProcessState != "" {
			r.hasState = true
			break
		}
	}
	s.inst[dep] = r
	return r
}

// mergeListing takes the shape (which instances, IPs, VM) from a cheap
// listing and, from prev, what only the details carry: process state,
// processes, vitals, VM type, disks, desired state and the bootstrap mark.
func mergeListing(prev, cheap []bosh.Instance) []bosh.Instance {
	known := make(map[string]*bosh.Instance, len(prev))
	for i := range prev {
		known[instanceKey(&prev[i])] = &prev[i]
	}
	out := make([]bosh.Instance, len(cheap))
	for i, in := range cheap {
		if p := known[instanceKey(&in)]; p != nil {
			if in.ProcessState == "" {
				in.ProcessState = p.ProcessState
			}
			if len(in.Processes) == 0 {
				in.Processes = p.Processes
			}
			if in.Vitals == nil {
				in.Vitals = p.Vitals
			}
			if in.VMType == "" {
				in.VMType = p.VMType
			}
			if len(in.DiskCIDs) == 0 {
				in.DiskCIDs = p.DiskCIDs
			}
			if in.State == "" {
				in.State = p.State
			}
			in.Bootstrap = in.Bootstrap || p.Bootstrap
			in.Ignore = in.Ignore || p.Ignore
		}
		out[i] = in
	}
	return out
}

// compareInstances orders instances by group, then index, then id.
func compareInstances(a, b bosh.Instance) int {
	if c := strings.Compare(instanceGroup(&a), instanceGroup(&b)); c != 0 {
		return c
	}
	if a.Index != b.Index {
		return a.Index - b.Index
	}
	return strings.Compare(a.ID, b.ID)
}

// rows returns the instances of dep, or nil.
func (s *store) rows(dep string) *depRows { return s.inst[dep] }

// depNames lists deployment names: from the listing when known, else from
// the instances at hand.
func (s *store) depNames() []string {
	if s.depsKnown {
		out := make([]string, len(s.deps))
		for i, d := range s.deps {
			out[i] = d.Name
		}
		return out
	}
	out := make([]string, 0, len(s.inst))
	for name := range s.inst {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// hasDeployment says whether dep is known.
func (s *store) hasDeployment(dep string) bool {
	if _, ok := s.inst[dep]; ok {
		return true
	}
	for _, d := range s.deps {
		if d.Name == dep {
			return true
		}
	}
	return false
}

// claim marks deps as having a details fetch queued and returns them; unless
// force, deployments already queued elsewhere are left out.
func (s *store) claim(deps []string, force bool) []string {
	out := make([]string, 0, len(deps))
	for _, d := range deps {
		if !force && s.pending[d] > 0 {
			continue
		}
		s.pending[d]++
		out = append(out, d)
	}
	return out
}

// release undoes claim for deps.
func (s *store) release(deps ...string) {
	for _, d := range deps {
		if s.pending[d] <= 1 {
			delete(s.pending, d)
			continue
		}
		s.pending[d]--
	}
}

// oldest returns the fetch time of the oldest rows of deps and whether all
// of them are live. Deployments without rows are skipped.
func (s *store) oldest(deps []string) (time.Time, bool) {
	var at time.Time
	live := true
	for _, d := range deps {
		r := s.inst[d]
		if r == nil {
			continue
		}
		if at.IsZero() || r.at.Before(at) {
			at = r.at
		}
		live = live && r.live
	}
	return at, live
}

// dropCached forgets every cached (not live) listing, when the cache key
// turns out to belong to another director.
func (s *store) dropCached() {
	if s.depsKnown && !s.depsLive {
		s.deps, s.depsAt, s.depsKnown = nil, time.Time{}, false
	}
	for dep, r := range s.inst {
		if !r.live {
			delete(s.inst, dep)
		}
	}
	s.bump()
}
