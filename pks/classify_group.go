package pks

import (
	"cmp"
	"slices"
	"time"
)

// Group is every event of one object in one cluster and namespace: a pod
// that crash-loops a thousand times is one group. Its class is the worst
// class among its events.
type Group struct {
	Cluster    string
	Deployment string
	Namespace  string
	Object     string
	Class      Class // worst seen
	Counts     map[Class]int
	Total      int
	First      time.Time
	Last       time.Time
	Reason     string   // of the latest event
	Message    string   // of the latest event
	VMID       string   // latest known node
	Instance   string   // latest known BOSH instance
	Raw        []string // the latest frames, oldest first, at most Groups.KeepRaw
}

// Key identifies the group.
func (g *Group) Key() GroupKey {
	return GroupKey{Cluster: g.Cluster, Namespace: g.Namespace, Object: g.Object}
}

// GroupKey is what events are grouped by.
type GroupKey struct{ Cluster, Namespace, Object string }

// Groups collects events into groups, bounded in number (the groups seen
// least recently go first) and in raw lines kept per group. Not safe for
// concurrent use.
type Groups struct {
	MaxGroups int // default 5000
	KeepRaw   int // raw frames kept per group, default 20

	byKey  map[GroupKey]*Group
	counts map[Class]int
	total  int
}

// NewGroups returns an empty collection with the default bounds.
func NewGroups() *Groups {
	return &Groups{MaxGroups: 5000, KeepRaw: 20, byKey: map[GroupKey]*Group{}, counts: map[Class]int{}}
}

// Add puts an event in its group.
func (gs *Groups) Add(ev *Event) {
	k := GroupKey{Cluster: ev.Cluster, Namespace: ev.Namespace, Object: ev.Object}
	g := gs.byKey[k]
	if g == nil {
		if len(gs.byKey) >= max(gs.MaxGroups, 1) {
			gs.evictOldest()
		}
		g = &Group{Cluster: k.Cluster, Namespace: k.Namespace, Object: k.Object, Class: ev.Class,
			Counts: map[Class]int{}, First: ev.Time, Last: ev.Time}
		gs.byKey[k] = g
	}
	g.Counts[ev.Class]++
	g.Total++
	gs.counts[ev.Class]++
	gs.total++
	if ev.Class.Severity() < g.Class.Severity() {
		g.Class = ev.Class
	}
	if ev.Time.Before(g.First) {
		g.First = ev.Time
	}
	if !ev.Time.Before(g.Last) {
		g.Last = ev.Time
		g.Reason, g.Message = ev.Reason, ev.Message
	}
	if ev.Deployment != "" {
		g.Deployment = ev.Deployment
	}
	if ev.VMID != "" {
		g.VMID = ev.VMID
	}
	if ev.Instance != "" {
		g.Instance = ev.Instance
	}
	if ev.Raw != "" {
		keep := max(gs.KeepRaw, 1)
		if len(g.Raw) >= keep {
			copy(g.Raw, g.Raw[len(g.Raw)-keep+1:])
			g.Raw = g.Raw[:keep-1]
		}
		g.Raw = append(g.Raw, ev.Raw)
	}
}

func (gs *Groups) evictOldest() {
	var oldest *Group
	for _, g := range gs.byKey {
		if oldest == nil || g.Last.Before(oldest.Last) {
			oldest = g
		}
	}
	if oldest != nil {
		delete(gs.byKey, oldest.Key())
	}
}

// Len is the number of groups.
func (gs *Groups) Len() int { return len(gs.byKey) }

// Total is the number of events added.
func (gs *Groups) Total() int { return gs.total }

// ClassCount is the number of events of class c added.
func (gs *Groups) ClassCount(c Class) int { return gs.counts[c] }

// Get returns the group of key k, or nil.
func (gs *Groups) Get(k GroupKey) *Group { return gs.byKey[k] }

// List returns copies of the groups, worst class first, then the most
// recently seen.
func (gs *Groups) List() []Group {
	out := make([]Group, 0, len(gs.byKey))
	for _, g := range gs.byKey {
		c := *g
		c.Raw = slices.Clone(g.Raw)
		c.Counts = make(map[Class]int, len(g.Counts))
		for k, v := range g.Counts {
			c.Counts[k] = v
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if c := cmp.Compare(a.Class.Severity(), b.Class.Severity()); c != 0 {
			return c
		}
		if c := b.Last.Compare(a.Last); c != 0 {
			return c
		}
		return cmp.Compare(a.Cluster+"/"+a.Namespace+"/"+a.Object, b.Cluster+"/"+b.Namespace+"/"+b.Object)
	})
	return out
}
